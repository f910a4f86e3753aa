"""Eligibility HTTP API: checks (cached unless forced), raw 270/271, history per coverage,
corrections applied on request, the practice's eligibility settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.clearinghouse.directory import default_directory
from clinicflow.clearinghouse.endpoints import default_endpoints
from clinicflow.coverages.store import DynamoCoverageRepository, DynamoPayerLookup
from clinicflow.eligibility import history, service
from clinicflow.eligibility.adapters import ServiceIdentityWriter, SliceSubjects
from clinicflow.eligibility.batch_store import DynamoFlagStore
from clinicflow.eligibility.corrections import CORRECTABLE_FIELDS
from clinicflow.eligibility.model import GENERAL_SERVICE_TYPE, MAX_SERVICE_TYPES, EligibilityCheck
from clinicflow.eligibility.policy import DEFAULT_NIGHTLY_HOUR, EligibilitySettings
from clinicflow.eligibility.store import (
    DynamoCheckRepository,
    DynamoSettingsRepository,
    S3DocumentStore,
)
from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository
from clinicflow.platform.config import settings
from clinicflow.platform.errors import FieldError, ValidationError
from clinicflow.platform.http import authorized
from clinicflow.platform.identity import ALL_ROLES, Role
from clinicflow.practice import service as practice

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

CHECK_ROLES = ALL_ROLES  # front desk, billers, providers and admins all verify coverage
READ_ROLES = ALL_ROLES
CORRECT_ROLES = frozenset({Role.FRONT_DESK, Role.BILLER, Role.ADMIN})  # who edits coverages
SETTINGS_ROLES = frozenset({Role.ADMIN})
FLAG_RESOURCE = "eligibility_flag"

_audit = DynamoAuditLog()
_checks = DynamoCheckRepository()
_documents = S3DocumentStore()
_clearinghouses = default_directory()
_endpoints = default_endpoints()
_settings = DynamoSettingsRepository()
_flags = DynamoFlagStore()
_subjects = SliceSubjects(
    patient_repo=DynamoPatientRepository(),
    coverage_repo=DynamoCoverageRepository(),
    audit=_audit,
)
_writer = ServiceIdentityWriter(
    patient_repo=DynamoPatientRepository(),
    coverage_repo=DynamoCoverageRepository(),
    payers=DynamoPayerLookup(),
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
    force: bool = Field(False, description="ask the payer even when a recent answer is stored")


class ApplyCorrectionsBody(BaseModel):
    """The corrections of a check to write to the coverage / patient."""

    model_config = ConfigDict(extra="forbid")

    fields: Annotated[list[str], Field(min_length=1, max_length=len(CORRECTABLE_FIELDS))]


class SettingsBody(BaseModel):
    """A practice's eligibility settings; `version` is the version the caller read (0: new)."""

    model_config = ConfigDict(extra="forbid")

    cache_hours: Annotated[int, Field(ge=0, le=168)] = 24
    nightly_enabled: bool = False
    nightly_days: Annotated[int, Field(ge=1, le=7)] = 3
    nightly_hour: Annotated[
        int, Field(ge=0, le=23, description="Practice-local hour of the nightly checks")
    ] = DEFAULT_NIGHTLY_HOUR
    payer_concurrency: Annotated[int, Field(ge=1, le=50)] = 5
    version: Annotated[int, Field(ge=0)]


def _out(check: EligibilityCheck, *, cached: bool | None = None) -> dict[str, Any]:
    body = check.model_dump(mode="json", exclude={"fingerprint"})
    if cached is not None:
        body["cached"] = cached
    body["active"] = check.result.active
    body["coordination_of_benefits"] = check.result.coordination_of_benefits
    base = f"/eligibility/checks/{check.id}/raw"
    body["raw"] = {"270": f"{base}/270", "271": f"{base}/271" if check.has_response else None}
    return body


@router.post("/eligibility/checks", status_code=201)
def run_check(body: CheckRequestBody) -> Response[Any]:
    """Ask the payer (201), or return the stored answer to the same question (200, cached).

    Answers are reused for the practice's cache time (settings), unless `force` is true.
    """
    caller = authorized(router, CHECK_ROLES)
    request = service.CheckRequest(
        patient_id=body.patient_id,
        coverage_id=body.coverage_id,
        service_date=body.service_date,
        service_types=body.service_type_codes,
    )
    outcome = service.check_eligibility(
        caller,
        request,
        subjects=_subjects,
        clearinghouses=_clearinghouses,
        endpoints=_endpoints,
        documents=_documents,
        checks=_checks,
        audit=_audit,
        settings=_settings.get(caller.practice_id),
        force=body.force,
        test_usage=settings().is_local,
    )
    return Response(
        status_code=200 if outcome.cached else 201,
        content_type=content_types.APPLICATION_JSON,
        body=_out(outcome.check, cached=outcome.cached),
    )


@router.get("/patients/<patient_id>/coverages/<coverage_id>/eligibility")
def coverage_history(
    patient_id: str,
    coverage_id: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    """The coverage's checks, newest first (`cursor` pages on)."""
    caller = authorized(router, READ_ROLES)
    page = history.coverage_history(
        caller,
        patient_id,
        coverage_id,
        subjects=_subjects,
        checks=_checks,
        audit=_audit,
        limit=limit,
        cursor=cursor,
    )
    return {"items": [_out(c) for c in page.checks], "cursor": page.cursor}


@router.post("/eligibility/checks/<check_id>/apply-corrections")
def apply_corrections(check_id: str, body: ApplyCorrectionsBody) -> dict[str, Any]:
    """Write chosen corrections (member id, names, birth dates) to the coverage / patient."""
    caller = authorized(router, CORRECT_ROLES)
    check = history.apply_corrections(caller, check_id, body.fields, checks=_checks, writer=_writer)
    return _out(check)


@router.get("/eligibility/settings")
def get_settings() -> dict[str, Any]:
    """The practice's eligibility settings (defaults until an admin sets them)."""
    caller = authorized(router, READ_ROLES)
    return _settings.get(caller.practice_id).model_dump(mode="json")


@router.put("/eligibility/settings")
def put_settings(body: SettingsBody) -> dict[str, Any]:
    """Set cache time, nightly checks and per-payer concurrency (admins; 409 on stale version)."""
    caller = authorized(router, SETTINGS_ROLES)
    value = EligibilitySettings(**body.model_dump(exclude={"version"}))
    stored = _settings.put(caller.practice_id, value, previous_version=body.version)
    hour = stored.nightly_hour if stored.nightly_enabled else None
    practice.schedule_nightly(caller.practice_id, practice.Job.ELIGIBILITY, hour)
    return stored.model_dump(mode="json")


@router.get("/eligibility/checks/<check_id>")
def get_check(check_id: str) -> dict[str, Any]:
    """One stored check."""
    caller = authorized(router, READ_ROLES)
    return _out(service.get_check(caller, check_id, checks=_checks, audit=_audit))


@router.get("/eligibility/checks/<check_id>/raw/<kind>")
def get_raw(check_id: str, kind: str, inline: Annotated[bool, Query()] = False) -> dict[str, Any]:
    """A presigned URL for the raw 270 or 271 (`?inline=true` adds the text)."""
    caller = authorized(router, READ_ROLES)
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


MAX_FLAG_DAYS = 31


def _instant(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(FieldError(name, "must be an ISO date or date-time")) from None
    if len(value) == 10:  # a date: its UTC midnight
        return datetime.combine(parsed.date(), time(0), tzinfo=UTC)
    if parsed.tzinfo is None:
        raise ValidationError(FieldError(name, "must carry a UTC offset")) from None
    return parsed.astimezone(UTC)


@router.get("/eligibility/flags")
def list_flags(
    from_: Annotated[str, Query(alias="from", min_length=10, max_length=40)],
    to: Annotated[str, Query(min_length=10, max_length=40)],
    problems_only: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    """Nightly-check flags of appointments starting in [from, to) (dates are UTC midnights).

    The calendar shows the problems (`problem: true`): inactive coverage, AAA errors, no
    coverage on file, payer unavailable.
    """
    caller = authorized(router, READ_ROLES)
    start, end = _instant(from_, "from"), _instant(to, "to")
    if not start < end or end - start > timedelta(days=MAX_FLAG_DAYS):
        raise ValidationError(FieldError("to", f"must be after from, at most {MAX_FLAG_DAYS} days"))
    found, next_cursor = _flags.between(
        caller.practice_id, start, end, problems_only=problems_only, limit=limit, cursor=cursor
    )
    if found:
        _audit.append(
            [
                AuditRecord.of(
                    caller, Action.READ, FLAG_RESOURCE, f.appointment_id, patient_id=f.patient_id
                )
                for f in found
            ]
        )
    return {"items": [f.model_dump(mode="json") for f in found], "cursor": next_cursor}
