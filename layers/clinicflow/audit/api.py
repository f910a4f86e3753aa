"""HTTP route of the audit trail: admins list their practice's records, newest first."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from clinicflow.audit import service
from clinicflow.audit.model import AuditRecord
from clinicflow.platform.http import authorized
from clinicflow.platform.identity import Role

router = APIGatewayRouter()  # type: ignore[no-untyped-call]


class AuditRecordOut(BaseModel):
    """One access to a record: who, what, when, from where."""

    record_id: str
    at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    patient_id: str
    source_ip: str

    @classmethod
    def of(cls, r: AuditRecord) -> AuditRecordOut:
        """The response form of a record."""
        return cls(
            record_id=r.record_id,
            at=r.at,
            actor=r.actor,
            action=r.action.value,
            resource_type=r.resource_type,
            resource_id=r.resource_id,
            patient_id=r.patient_id,
            source_ip=r.source_ip,
        )


class AuditList(BaseModel):
    """A page of audit records; pass `cursor` back for the next (older) page."""

    records: list[AuditRecordOut]
    cursor: str | None


@router.get("/audit", summary="The practice's audit trail")
def list_audit(
    patient_id: str = "",
    resource_id: str = "",
    since: str = "",
    limit: int = 50,
    cursor: str = "",
) -> AuditList:
    """Newest-first records of the admin's practice, or of one patient or resource.

    `since`: ISO 8601, UTC when it has no offset; `limit`: 1-200; `cursor`: from the
    previous page.
    """
    caller = authorized(router, {Role.ADMIN})
    query = service.AuditQuery(patient_id, resource_id, since, limit, cursor)
    page = service.list_audit(caller, query)
    return AuditList(records=[AuditRecordOut.of(r) for r in page.records], cursor=page.cursor)
