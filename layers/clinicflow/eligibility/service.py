"""Eligibility use cases: run a real-time check, read a check, fetch its raw 270/271.

Order of a check, so nothing is ever lost: build the 270, store it, send it, store the 271
before reading it, then save the check and its audit record in one transaction. S3 keys and
error messages carry ids only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.clearinghouse.port import (
    ClearinghouseDirectory,
    ClearinghouseError,
    ClearinghouseTimeoutError,
)
from clinicflow.clearinghouse.sandbox import SANDBOX_ID
from clinicflow.eligibility import codec
from clinicflow.eligibility.model import (
    CHECK_ID,
    MAX_SERVICE_TYPES,
    EligibilityCheck,
    EligibilityNotAvailableError,
    EligibilityResult,
    Subject,
    payer_unavailable,
    raw_key,
    service_type_problem,
)
from clinicflow.platform.errors import FieldError, NotFoundError, Problems, ValidationError
from clinicflow.platform.identity import Caller

RESOURCE = "eligibility_check"
URL_TTL_SECONDS = 300
X12_CONTENT_TYPE = "application/edi-x12"
RawKind = Literal["270", "271"]


class SubjectLookup(Protocol):
    """Patient, coverage, practice and payer route of a check (owned by other slices)."""

    def subject(self, caller: Caller, patient_id: str, coverage_id: str) -> Subject:
        """Everything a 270 needs; NotFoundError when the patient or coverage is not found."""
        ...


class DocumentStore(Protocol):
    """Raw documents (encrypted at rest), under keys made of ids only."""

    def put(self, key: str, body: bytes, content_type: str) -> None:
        """Store the bytes (overwrite allowed only for a retry of the same key)."""
        ...

    def get(self, key: str) -> bytes:
        """The stored bytes; NotFoundError when absent."""
        ...

    def download_url(self, key: str, expires_in: int) -> str:
        """A presigned URL to GET the object."""
        ...


class CheckRepository(Protocol):
    """Where checks live; `save` commits the audit record in the same transaction."""

    def save(self, practice_id: str, check: EligibilityCheck, audit: AuditRecord) -> None:
        """Put a new check and its audit record, atomically."""
        ...

    def get(self, practice_id: str, check_id: str) -> EligibilityCheck | None:
        """The check, or None."""
        ...


class AuditLog(Protocol):
    """Append-only audit trail for reads."""

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append the records."""
        ...


@dataclass(frozen=True)
class CheckRequest:
    """What the front desk asks: this coverage, this date, these service types."""

    patient_id: str
    coverage_id: str
    service_date: date
    service_types: Sequence[str]


@dataclass(frozen=True)
class RawFile:
    """A raw 270 or 271: a presigned URL, and the text when asked for inline."""

    kind: RawKind
    url: str
    expires_in: int
    text: str | None = None


def new_check_id() -> str:
    """A new check id: 32 hex characters, no PHI."""
    return uuid.uuid4().hex


def _service_types(codes: Sequence[str]) -> list[str]:
    problems = Problems()
    cleaned = list(dict.fromkeys(c.strip().upper() for c in codes))
    if not cleaned:
        problems.add("service_type_codes", "give at least one service type code")
    if len(cleaned) > MAX_SERVICE_TYPES:
        problems.add("service_type_codes", f"give at most {MAX_SERVICE_TYPES} codes")
    for i, code in enumerate(cleaned):
        problem = service_type_problem(code)
        if problem:
            problems.add(f"service_type_codes.{i}", problem)
    problems.raise_if_any()
    return cleaned


def run_check(
    caller: Caller,
    request: CheckRequest,
    *,
    subjects: SubjectLookup,
    clearinghouses: ClearinghouseDirectory,
    documents: DocumentStore,
    checks: CheckRepository,
    test_usage: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    new_id: Callable[[], str] = new_check_id,
) -> EligibilityCheck:
    """Ask the coverage's payer in real time, keep both raw files, save and return the check."""
    service_types = _service_types(request.service_types)
    subject = subjects.subject(caller, request.patient_id, request.coverage_id)
    route = subject.payer
    if not route.clearinghouse_id:
        raise EligibilityNotAvailableError(
            "the payer has no eligibility route in the practice's payer directory"
        )
    adapter = clearinghouses.get(route.clearinghouse_id)
    if adapter is None:
        raise EligibilityNotAvailableError(
            "no real-time eligibility connection is configured for the payer's clearinghouse"
        )
    check_id = new_id()
    started = now()
    raw_270 = codec.build_request(
        subject,
        service_types,
        request.service_date,
        check_id,
        receiver_id=route.clearinghouse_id,
        test=test_usage or route.clearinghouse_id == SANDBOX_ID,
        now=started,
    )
    practice_id = caller.practice_id
    documents.put(raw_key(practice_id, check_id, "270"), raw_270.encode(), X12_CONTENT_TYPE)
    result: EligibilityResult
    has_response = False
    try:
        raw_271 = adapter.exchange_270(route.clearinghouse_payer_id or route.payer_id, raw_270)
    except ClearinghouseTimeoutError:
        result = payer_unavailable("the payer did not answer in time", timed_out=True)
    except ClearinghouseError:
        result = payer_unavailable("the payer or clearinghouse is unavailable", timed_out=False)
    else:
        has_response = True
        documents.put(raw_key(practice_id, check_id, "271"), raw_271.encode(), X12_CONTENT_TYPE)
        result = codec.read_response(raw_271, service_types)
    check = EligibilityCheck(
        id=check_id,
        patient_id=subject.patient_id,
        coverage_id=subject.coverage_id,
        payer_id=route.payer_id,
        service_date=request.service_date,
        service_types=service_types,
        requested_by=caller.username,
        requested_at=started,
        result=result,
        has_response=has_response,
    )
    audit = AuditRecord.of(caller, Action.CREATE, RESOURCE, check_id, patient_id=check.patient_id)
    checks.save(practice_id, check, audit)
    return check


def _load(caller: Caller, check_id: str, checks: CheckRepository) -> EligibilityCheck:
    check = checks.get(caller.practice_id, check_id) if CHECK_ID.match(check_id) else None
    if check is None:
        raise NotFoundError("eligibility check not found")
    return check


def get_check(
    caller: Caller, check_id: str, *, checks: CheckRepository, audit: AuditLog
) -> EligibilityCheck:
    """One check of the caller's practice (NotFoundError for any other)."""
    check = _load(caller, check_id, checks)
    audit.append(
        [AuditRecord.of(caller, Action.READ, RESOURCE, check_id, patient_id=check.patient_id)]
    )
    return check


def raw_file(
    caller: Caller,
    check_id: str,
    kind: str,
    *,
    checks: CheckRepository,
    documents: DocumentStore,
    audit: AuditLog,
    inline: bool = False,
) -> RawFile:
    """A presigned URL for the check's raw 270 or 271 (and its text when `inline`)."""
    if kind not in {"270", "271"}:
        raise ValidationError(FieldError("kind", "must be 270 or 271"))
    check = _load(caller, check_id, checks)
    if kind == "271" and not check.has_response:
        raise NotFoundError("the payer never answered this check: there is no 271")
    key = raw_key(caller.practice_id, check_id, kind)
    text = documents.get(key).decode("utf-8", errors="replace") if inline else None
    url = documents.download_url(key, URL_TTL_SECONDS)
    audit.append(
        [AuditRecord.of(caller, Action.EXPORT, RESOURCE, check_id, patient_id=check.patient_id)]
    )
    return RawFile(
        kind="270" if kind == "270" else "271", url=url, expires_in=URL_TTL_SECONDS, text=text
    )
