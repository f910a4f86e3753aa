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
    EligibilityClearinghouse,
)
from clinicflow.clearinghouse.sandbox import SANDBOX_ID
from clinicflow.eligibility import codec
from clinicflow.eligibility.corrections import corrections_for
from clinicflow.eligibility.model import (
    CHECK_ID,
    MAX_SERVICE_TYPES,
    Correction,
    EligibilityCheck,
    EligibilityNotAvailableError,
    EligibilityResult,
    Subject,
    payer_unavailable,
    raw_key,
    service_type_problem,
)
from clinicflow.eligibility.policy import EligibilitySettings, fingerprint, reusable
from clinicflow.platform.errors import (
    FieldError,
    NotFoundError,
    Problems,
    ValidationError,
)
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


class CheckHistory(CheckRepository, Protocol):
    """Checks per coverage (newest first) and versioned updates of a check."""

    def for_coverage(
        self,
        practice_id: str,
        coverage_id: str,
        *,
        since: datetime | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> tuple[list[EligibilityCheck], str | None]:
        """A page of the coverage's checks, newest first, and the next page's cursor."""
        ...

    def replace(
        self,
        practice_id: str,
        before: EligibilityCheck,
        after: EligibilityCheck,
        audit: AuditRecord,
    ) -> None:
        """Store `after` if the stored check is still at `before.revision` (ConflictError)."""
        ...


class SettingsRepository(Protocol):
    """A practice's eligibility settings."""

    def get(self, practice_id: str) -> EligibilitySettings:
        """The settings, or the defaults when never set."""
        ...


class EndpointConnections(Protocol):
    """Adapters for payers reached directly at a CAQH CORE endpoint (the route's URL)."""

    def endpoint(self, url: str) -> EligibilityClearinghouse | None:
        """The adapter for the endpoint, or None when real-time endpoints are not configured."""
        ...


class IdentityWriter(Protocol):
    """Applies corrections to the coverage (and patient) through their owners' services."""

    def apply(
        self, caller: Caller, patient_id: str, coverage_id: str, corrections: Sequence[Correction]
    ) -> None:
        """Write the returned values; ConflictError when a record changed since the check."""
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


@dataclass(frozen=True)
class CheckOutcome:
    """A check and whether it is a stored answer reused from the cache."""

    check: EligibilityCheck
    cached: bool


def _adapter(
    subject: Subject,
    clearinghouses: ClearinghouseDirectory,
    endpoints: EndpointConnections | None,
) -> EligibilityClearinghouse:
    route = subject.payer
    if route.clearinghouse_id:
        adapter = clearinghouses.get(route.clearinghouse_id)
        if adapter is None:
            raise EligibilityNotAvailableError(
                "no real-time eligibility connection is configured for the payer's clearinghouse"
            )
        return adapter
    if route.endpoint_url:
        direct = endpoints.endpoint(route.endpoint_url) if endpoints else None
        if direct is None:
            raise EligibilityNotAvailableError(
                "real-time connections to payer endpoints are not configured"
            )
        return direct
    raise EligibilityNotAvailableError(
        "the payer has no eligibility route in the practice's payer directory"
    )


def check_eligibility(
    caller: Caller,
    request: CheckRequest,
    *,
    subjects: SubjectLookup,
    clearinghouses: ClearinghouseDirectory,
    documents: DocumentStore,
    checks: CheckHistory,
    audit: AuditLog,
    settings: EligibilitySettings,
    force: bool = False,
    endpoints: EndpointConnections | None = None,
    test_usage: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    new_id: Callable[[], str] = new_check_id,
) -> CheckOutcome:
    """A stored answer to the same question within the practice's cache time, else a new check.

    `force` always asks the payer. A reused answer is a read (audited as such).
    """
    service_types = _service_types(request.service_types)
    subject = subjects.subject(caller, request.patient_id, request.coverage_id)
    key = fingerprint(subject, request.service_date, service_types)
    if not force and settings.cache_hours > 0:
        at = now()
        recent, _ = checks.for_coverage(
            caller.practice_id, subject.coverage_id, since=at - settings.cache_for, limit=25
        )
        hit = reusable(recent, key=key, now=at, settings=settings)
        if hit is not None:
            audit.append(
                [AuditRecord.of(caller, Action.READ, RESOURCE, hit.id, patient_id=hit.patient_id)]
            )
            return CheckOutcome(hit, cached=True)
    check = _exchange(
        caller, request, subject, service_types, key,
        adapter=_adapter(subject, clearinghouses, endpoints), documents=documents,
        checks=checks, test_usage=test_usage, now=now, new_id=new_id,
    )  # fmt: skip
    return CheckOutcome(check, cached=False)


def run_check(
    caller: Caller,
    request: CheckRequest,
    *,
    subjects: SubjectLookup,
    clearinghouses: ClearinghouseDirectory,
    documents: DocumentStore,
    checks: CheckRepository,
    endpoints: EndpointConnections | None = None,
    test_usage: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    new_id: Callable[[], str] = new_check_id,
) -> EligibilityCheck:
    """Ask the coverage's payer in real time, keep both raw files, save and return the check."""
    service_types = _service_types(request.service_types)
    subject = subjects.subject(caller, request.patient_id, request.coverage_id)
    key = fingerprint(subject, request.service_date, service_types)
    return _exchange(
        caller, request, subject, service_types, key,
        adapter=_adapter(subject, clearinghouses, endpoints), documents=documents,
        checks=checks, test_usage=test_usage, now=now, new_id=new_id,
    )  # fmt: skip


def _exchange(
    caller: Caller,
    request: CheckRequest,
    subject: Subject,
    service_types: list[str],
    key: str,
    *,
    adapter: EligibilityClearinghouse,
    documents: DocumentStore,
    checks: CheckRepository,
    test_usage: bool,
    now: Callable[[], datetime],
    new_id: Callable[[], str],
) -> EligibilityCheck:
    route = subject.payer
    check_id = new_id()
    started = now()
    raw_270 = codec.build_request(
        subject,
        service_types,
        request.service_date,
        check_id,
        receiver_id=route.clearinghouse_id or route.payer_id,
        test=test_usage or route.clearinghouse_id == SANDBOX_ID,
        now=started,
    )
    practice_id = caller.practice_id
    documents.put(raw_key(practice_id, check_id, "270"), raw_270.encode(), X12_CONTENT_TYPE)
    result: EligibilityResult
    has_response = False
    corrections: list[Correction] = []
    try:
        raw_271 = adapter.exchange_270(route.clearinghouse_payer_id or route.payer_id, raw_270)
    except ClearinghouseTimeoutError:
        result = payer_unavailable("the payer did not answer in time", timed_out=True)
    except ClearinghouseError:
        result = payer_unavailable("the payer or clearinghouse is unavailable", timed_out=False)
    else:
        has_response = True
        documents.put(raw_key(practice_id, check_id, "271"), raw_271.encode(), X12_CONTENT_TYPE)
        result, returned = codec.read_exchange(raw_271, service_types)
        corrections = corrections_for(subject, returned)
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
        corrections=corrections,
        fingerprint=key,
    )
    audit = AuditRecord.of(caller, Action.CREATE, RESOURCE, check_id, patient_id=check.patient_id)
    checks.save(practice_id, check, audit)
    return check


def load_check(caller: Caller, check_id: str, checks: CheckRepository) -> EligibilityCheck:
    """A check of the caller's practice, or NotFoundError (no read audit: callers do)."""
    check = checks.get(caller.practice_id, check_id) if CHECK_ID.match(check_id) else None
    if check is None:
        raise NotFoundError("eligibility check not found")
    return check


def get_check(
    caller: Caller, check_id: str, *, checks: CheckRepository, audit: AuditLog
) -> EligibilityCheck:
    """One check of the caller's practice (NotFoundError for any other)."""
    check = load_check(caller, check_id, checks)
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
    check = load_check(caller, check_id, checks)
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
