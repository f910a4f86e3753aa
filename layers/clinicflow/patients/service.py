"""Patient use cases: create, read, update, deactivate, search, list recent.

Storage and audit come in as ports (the Protocols below). Every write hands its audit
record to the repository, which commits it in the same transaction as the change; every
read appends one audit record per patient returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.patients.model import (
    EDITABLE_FIELDS,
    ConsentChange,
    MrnTakenError,
    Patient,
    PatientData,
    PatientSearch,
    PatientStatus,
    PossibleDuplicateError,
    StaleVersionError,
    check_patient,
    duplicate_key,
    format_mrn,
    is_record_id,
    parse,
    utc_now,
)
from clinicflow.platform.errors import FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller

RESOURCE = "patient"
MAX_LIMIT = 100
_MRN_ATTEMPTS = 5


@dataclass(frozen=True)
class Page:
    """One page of patients and the cursor of the next page (None at the end)."""

    items: list[Patient]
    cursor: str | None


class PatientRepository(Protocol):
    """Where patients live. Writes are atomic with their audit record and index entries."""

    def get(self, practice_id: str, patient_id: str) -> Patient | None:
        """The patient, or None when the practice has no such patient."""
        ...

    def find_duplicates(self, practice_id: str, key: str) -> list[Patient]:
        """Patients whose duplicate key equals `key`."""
        ...

    def next_mrn(self, practice_id: str) -> int:
        """The next number of the practice's MRN sequence."""
        ...

    def add(
        self, practice_id: str, patient: Patient, audit: AuditRecord, *, allow_duplicate: bool
    ) -> None:
        """Store a new patient; MrnTakenError, or PossibleDuplicateError unless allowed."""
        ...

    def replace(
        self, practice_id: str, before: Patient, after: Patient, audit: AuditRecord
    ) -> None:
        """Store `after` if still at `before.version` (else StaleVersionError)."""
        ...

    def search(
        self, practice_id: str, criteria: PatientSearch, *, limit: int, cursor: str | None
    ) -> Page:
        """Patients meeting every criterion, in index order."""
        ...

    def list_recent(
        self, practice_id: str, *, status: PatientStatus | None, limit: int, cursor: str | None
    ) -> Page:
        """Patients, most recently updated first."""
        ...


class AuditLog(Protocol):
    """Append-only audit trail for reads."""

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append the records."""
        ...


def new_id() -> str:
    """A new record id (32 hex digits; FHIR id compatible)."""
    return uuid.uuid4().hex


def create_patient(
    caller: Caller,
    data: PatientData,
    *,
    repo: PatientRepository,
    confirm_duplicate: bool = False,
    now: datetime | None = None,
) -> Patient:
    """Register a patient. A likely duplicate answers PossibleDuplicateError unless confirmed."""
    check_patient(data)
    practice = caller.practice_id
    key = duplicate_key(data.name.last, data.name.first, data.dob)
    if not confirm_duplicate:
        _refuse_duplicates(repo.find_duplicates(practice, key))
    at = now or utc_now()
    patient_id = new_id()
    for _ in range(_MRN_ATTEMPTS):
        mrn = data.mrn or format_mrn(repo.next_mrn(practice))
        patient = Patient(
            **data.model_dump(exclude={"mrn"}),
            id=patient_id,
            mrn=mrn,
            created_at=at,
            updated_at=at,
        )
        audit = AuditRecord.of(caller, Action.CREATE, RESOURCE, patient_id, patient_id=patient_id)
        try:
            repo.add(practice, patient, audit, allow_duplicate=confirm_duplicate)
        except MrnTakenError:
            if data.mrn:
                raise
            continue  # a generated MRN collided with one entered by hand: take the next
        except PossibleDuplicateError:
            _refuse_duplicates(repo.find_duplicates(practice, key))
            raise
        return patient
    raise MrnTakenError()


def _refuse_duplicates(candidates: list[Patient]) -> None:
    if candidates:
        raise PossibleDuplicateError([p.summary() for p in candidates])


def _load(caller: Caller, patient_id: str, repo: PatientRepository) -> Patient:
    patient = repo.get(caller.practice_id, patient_id) if is_record_id(patient_id) else None
    if patient is None:
        raise NotFoundError("patient not found")
    return patient


def get_patient(
    caller: Caller, patient_id: str, *, repo: PatientRepository, audit: AuditLog
) -> Patient:
    """Read one patient of the caller's practice (NotFoundError for any other)."""
    patient = _load(caller, patient_id, repo)
    audit.append([AuditRecord.of(caller, Action.READ, RESOURCE, patient.id, patient_id=patient.id)])
    return patient


def update_patient(
    caller: Caller,
    patient_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int,
    repo: PatientRepository,
    now: datetime | None = None,
) -> Patient:
    """Apply a partial update (PATCH semantics: given fields replace, null clears)."""
    unknown = sorted(set(changes) - EDITABLE_FIELDS - {"status"})
    if unknown:
        raise ValidationError([_unknown(name) for name in unknown])
    before = _load(caller, patient_id, repo)
    if before.version != expected_version:
        raise StaleVersionError(before.version)
    merged = before.model_dump(mode="json")
    merged.update({k: _plain(v) for k, v in changes.items()})
    data: PatientData = parse(PatientData, {k: merged[k] for k in EDITABLE_FIELDS})
    check_patient(data)
    status = before.status
    if "status" in changes:
        try:
            status = PatientStatus(changes["status"])
        except ValueError:
            raise ValidationError(FieldError("status", "must be active or inactive")) from None
    history = list(before.consent_history)
    for channel in ("sms_consent", "email_consent"):
        old = getattr(before, channel)
        if old is not None and old != getattr(data, channel):
            history.append(ConsentChange(channel=channel, consent=old))
    after = Patient(
        **data.model_dump(exclude={"mrn"}),
        id=before.id,
        mrn=data.mrn or before.mrn,
        status=status,
        version=before.version + 1,
        created_at=before.created_at,
        updated_at=now or utc_now(),
        consent_history=history,
    )
    audit = AuditRecord.of(caller, Action.UPDATE, RESOURCE, before.id, patient_id=before.id)
    repo.replace(caller.practice_id, before, after, audit)
    return after


def _unknown(name: str) -> FieldError:
    return FieldError(name, "is not a patient field that can be changed")


def _plain(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def deactivate_patient(
    caller: Caller, patient_id: str, *, repo: PatientRepository, now: datetime | None = None
) -> Patient:
    """Mark the patient inactive; nothing is deleted. Idempotent."""
    before = _load(caller, patient_id, repo)
    if before.status is PatientStatus.INACTIVE:
        return before
    after = before.model_copy(
        update={
            "status": PatientStatus.INACTIVE,
            "version": before.version + 1,
            "updated_at": now or utc_now(),
        }
    )
    audit = AuditRecord.of(caller, Action.DELETE, RESOURCE, before.id, patient_id=before.id)
    repo.replace(caller.practice_id, before, after, audit)
    return after


def search_patients(
    caller: Caller,
    criteria: PatientSearch,
    *,
    repo: PatientRepository,
    audit: AuditLog,
    limit: int = 25,
    cursor: str | None = None,
) -> Page:
    """Find patients; one audit record per patient returned."""
    problems = criteria.problems()
    if problems:
        raise ValidationError(problems)
    page = repo.search(caller.practice_id, criteria, limit=_limit(limit), cursor=cursor)
    _audit_reads(caller, page.items, Action.SEARCH, audit)
    return page


def list_recent_patients(
    caller: Caller,
    *,
    repo: PatientRepository,
    audit: AuditLog,
    status: PatientStatus | None = None,
    limit: int = 25,
    cursor: str | None = None,
) -> Page:
    """The most recently updated patients; one audit record per patient returned."""
    page = repo.list_recent(caller.practice_id, status=status, limit=_limit(limit), cursor=cursor)
    _audit_reads(caller, page.items, Action.READ, audit)
    return page


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(FieldError("limit", f"must be 1 to {MAX_LIMIT}"))
    return limit


def _audit_reads(caller: Caller, patients: list[Patient], action: Action, audit: AuditLog) -> None:
    if patients:
        audit.append(
            [AuditRecord.of(caller, action, RESOURCE, p.id, patient_id=p.id) for p in patients]
        )
