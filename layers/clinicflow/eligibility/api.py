"""Eligibility HTTP API: run a real-time check, read it, download its raw 270/271."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from clinicflow.clearinghouse.directory import default_directory
from clinicflow.coverages.store import DynamoCoverageRepository
from clinicflow.eligibility import service
from clinicflow.eligibility.adapters import SliceSubjects
from clinicflow.eligibility.model import GENERAL_SERVICE_TYPE, MAX_SERVICE_TYPES, EligibilityCheck
from clinicflow.eligibility.store import DynamoCheckRepository, S3DocumentStore
from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository
from clinicflow.platform.config import settings
from clinicflow.platform.http import current_caller
from clinicflow.platform.identity import ALL_ROLES

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

CHECK_ROLES = ALL_ROLES  # front desk, billers, providers and admins all verify coverage
READ_ROLES = ALL_ROLES

_audit = DynamoAuditLog()
_checks = DynamoCheckRepository()
_documents = S3DocumentStore()
_clearinghouses = default_directory()
_subjects = SliceSubjects(
    patient_repo=DynamoPatientRepository(),
    coverage_repo=DynamoCoverageRepository(),
    audit=_audit,
)

ServiceTypeCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,2}$")]
RecordId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class CheckRequestBody(BaseModel):
    """A real-time check of one coverage of a patient, for a date and service types."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    patient_id: RecordId
    coverage_id: RecordId
    service_date: date
    service_type_codes: Annotated[
        list[ServiceTypeCode], Field(min_length=1, max_length=MAX_SERVICE_TYPES)
    ] = [GENERAL_SERVICE_TYPE]


def _out(check: EligibilityCheck) -> dict[str, Any]:
    body = check.model_dump(mode="json")
    body["active"] = check.result.active
    body["coordination_of_benefits"] = check.result.coordination_of_benefits
    base = f"/eligibility/checks/{check.id}/raw"
    body["raw"] = {"270": f"{base}/270", "271": f"{base}/271" if check.has_response else None}
    return body


@router.post("/eligibility/checks", status_code=201)
def run_check(body: CheckRequestBody) -> dict[str, Any]:
    """Ask the payer now; the answer is stored and returned (raw 270/271 kept in S3)."""
    caller = current_caller(router)
    caller.require(CHECK_ROLES)
    request = service.CheckRequest(
        patient_id=body.patient_id,
        coverage_id=body.coverage_id,
        service_date=body.service_date,
        service_types=body.service_type_codes,
    )
    check = service.run_check(
        caller,
        request,
        subjects=_subjects,
        clearinghouses=_clearinghouses,
        documents=_documents,
        checks=_checks,
        test_usage=settings().is_local,
    )
    return _out(check)


@router.get("/eligibility/checks/<check_id>")
def get_check(check_id: str) -> dict[str, Any]:
    """One stored check."""
    caller = current_caller(router)
    caller.require(READ_ROLES)
    return _out(service.get_check(caller, check_id, checks=_checks, audit=_audit))


@router.get("/eligibility/checks/<check_id>/raw/<kind>")
def get_raw(check_id: str, kind: str, inline: Annotated[bool, Query()] = False) -> dict[str, Any]:
    """A presigned URL for the raw 270 or 271 (`?inline=true` adds the text)."""
    caller = current_caller(router)
    caller.require(READ_ROLES)
    raw = service.raw_file(
        caller,
        check_id,
        kind,
        checks=_checks,
        documents=_documents,
        audit=_audit,
        inline=inline,
    )
    out: dict[str, Any] = {"kind": raw.kind, "url": raw.url, "expires_in": raw.expires_in}
    if raw.text is not None:
        out["text"] = raw.text
    return out
