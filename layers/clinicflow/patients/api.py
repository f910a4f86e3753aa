"""Patients HTTP API: routes, request/response schemas, role checks.

No PHI ever travels in a URL: search criteria and search cursors go in POST bodies, and
`GET /patients` takes only a status, a limit and an opaque cursor of ids and timestamps.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from clinicflow.patients import service
from clinicflow.patients.model import (
    Address,
    Consent,
    Email,
    EmergencyContact,
    GenderIdentity,
    Guarantor,
    HumanName,
    Language,
    Mrn,
    PatientData,
    PatientSearch,
    PatientStatus,
    PhoneNumber,
    Sex,
)
from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository
from clinicflow.platform.http import authorized
from clinicflow.platform.idempotency import idempotent
from clinicflow.platform.identity import ALL_ROLES, Role

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

READ_ROLES = ALL_ROLES
WRITE_ROLES = frozenset({Role.FRONT_DESK, Role.BILLER, Role.ADMIN})
DEACTIVATE_ROLES = frozenset({Role.FRONT_DESK, Role.ADMIN})

_repo = DynamoPatientRepository()
_audit = DynamoAuditLog()


class PatientCreateRequest(PatientData):
    """A new patient; `confirm_duplicate` creates it even when a likely duplicate exists."""

    confirm_duplicate: bool = False


class PatientPatchRequest(BaseModel):
    """A partial update: given fields replace stored ones, null clears an optional field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: Annotated[int, Field(ge=1)]
    mrn: Mrn | None = None
    name: HumanName | None = None
    preferred_name: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    dob: date | None = None
    sex: Sex | None = None
    gender_identity: GenderIdentity | None = None
    pronouns: Annotated[str, Field(min_length=1, max_length=30)] | None = None
    address: Address | None = None
    phones: list[PhoneNumber] | None = None
    email: Email | None = None
    preferred_language: Language | None = None
    sms_consent: Consent | None = None
    email_consent: Consent | None = None
    emergency_contact: EmergencyContact | None = None
    guarantor: Guarantor | None = None
    status: PatientStatus | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the request sets (explicit nulls included), without `version`."""
        return {k: getattr(self, k) for k in self.model_fields_set if k != "version"}


class PatientSearchRequest(PatientSearch):
    """Search criteria with paging."""

    limit: Annotated[int, Field(ge=1, le=100)] = 25
    cursor: Annotated[str, Field(max_length=2000)] | None = None


def _page(page: service.Page) -> dict[str, Any]:
    return {
        "items": [p.summary().model_dump(mode="json") for p in page.items],
        "cursor": page.cursor,
    }


@router.get("/patients")
def list_patients(
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    status: Annotated[PatientStatus | None, Query()] = None,
) -> dict[str, Any]:
    """The most recently updated patients (summaries), newest first."""
    caller = authorized(router, READ_ROLES)
    page = service.list_recent_patients(
        caller, repo=_repo, audit=_audit, status=status, limit=limit, cursor=cursor
    )
    return _page(page)


@router.post("/patients", status_code=201, middlewares=[idempotent])
def create_patient(body: PatientCreateRequest) -> dict[str, Any]:
    """Register a patient (409 with candidates when a likely duplicate exists)."""
    caller = authorized(router, WRITE_ROLES)
    data = PatientData.model_validate(body.model_dump(exclude={"confirm_duplicate"}))
    patient = service.create_patient(
        caller, data, repo=_repo, confirm_duplicate=body.confirm_duplicate
    )
    return patient.model_dump(mode="json")


@router.post("/patients/search")
def search_patients(body: PatientSearchRequest) -> dict[str, Any]:
    """Search by last-name prefix (+ first-name prefix), DOB, MRN or phone."""
    caller = authorized(router, READ_ROLES)
    criteria = PatientSearch.model_validate(body.model_dump(exclude={"limit", "cursor"}))
    page = service.search_patients(
        caller, criteria, repo=_repo, audit=_audit, limit=body.limit, cursor=body.cursor
    )
    return _page(page)


@router.get("/patients/<patient_id>")
def get_patient(patient_id: str) -> dict[str, Any]:
    """One patient of the caller's practice."""
    caller = authorized(router, READ_ROLES)
    return service.get_patient(caller, patient_id, repo=_repo, audit=_audit).model_dump(mode="json")


@router.patch("/patients/<patient_id>")
def update_patient(patient_id: str, body: PatientPatchRequest) -> dict[str, Any]:
    """Change some fields; `version` must be the version the caller read (else 409)."""
    caller = authorized(router, WRITE_ROLES)
    patient = service.update_patient(
        caller, patient_id, body.changes(), expected_version=body.version, repo=_repo
    )
    return patient.model_dump(mode="json")


@router.delete("/patients/<patient_id>")
def deactivate_patient(patient_id: str) -> dict[str, Any]:
    """Mark the patient inactive (the record is kept)."""
    caller = authorized(router, DEACTIVATE_ROLES)
    return service.deactivate_patient(caller, patient_id, repo=_repo).model_dump(mode="json")
