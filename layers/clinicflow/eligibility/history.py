"""Use cases on stored checks: a coverage's history, and applying a check's corrections.

Corrections are written only when staff ask, field by field, through the owners' services
(coverages, patients) with their version checks; the check records who applied what, when.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.eligibility.corrections import CORRECTABLE_FIELDS
from clinicflow.eligibility.model import EligibilityCheck
from clinicflow.eligibility.service import (
    RESOURCE,
    AuditLog,
    CheckHistory,
    IdentityWriter,
    SubjectLookup,
    load_check,
)
from clinicflow.platform.errors import ConflictError, FieldError, Problems, ValidationError
from clinicflow.platform.identity import Caller


@dataclass(frozen=True)
class HistoryPage:
    """A page of a coverage's checks, newest first."""

    checks: list[EligibilityCheck]
    cursor: str | None


def coverage_history(
    caller: Caller,
    patient_id: str,
    coverage_id: str,
    *,
    subjects: SubjectLookup,
    checks: CheckHistory,
    audit: AuditLog,
    limit: int = 20,
    cursor: str | None = None,
) -> HistoryPage:
    """The checks of one coverage of a patient (404 unless both are the caller's practice's)."""
    if not 1 <= limit <= 100:
        raise ValidationError(FieldError("limit", "must be 1 to 100"))
    subjects.subject(caller, patient_id, coverage_id)  # 404s, and audits the coverage read
    found, next_cursor = checks.for_coverage(
        caller.practice_id, coverage_id, limit=limit, cursor=cursor
    )
    mine = [c for c in found if c.patient_id == patient_id]
    if mine:
        audit.append(
            [
                AuditRecord.of(caller, Action.READ, RESOURCE, c.id, patient_id=c.patient_id)
                for c in mine
            ]
        )
    return HistoryPage(mine, next_cursor)


def apply_corrections(
    caller: Caller,
    check_id: str,
    fields: Sequence[str],
    *,
    checks: CheckHistory,
    writer: IdentityWriter,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> EligibilityCheck:
    """Apply the chosen corrections of a check to the coverage/patient, and mark them applied.

    Each field must be a correction of this check not applied yet. The records are changed
    through their owners' services (version-checked, audited); a record that no longer
    holds the value that was sent answers 409 and nothing is written.
    """
    wanted = list(dict.fromkeys(fields))
    problems = Problems()
    if not wanted:
        problems.add("fields", "give at least one field to apply")
    check = load_check(caller, check_id, checks)
    pending = {c.field: c for c in check.corrections if c.applied_at is None}
    applied = {c.field for c in check.corrections if c.applied_at is not None}
    for i, name in enumerate(wanted):
        if name not in CORRECTABLE_FIELDS:
            problems.add(f"fields.{i}", "is not a correctable field")
        elif name in applied:
            problems.add(f"fields.{i}", "was already applied")
        elif name not in pending:
            problems.add(f"fields.{i}", "is not a correction of this check")
    problems.raise_if_any()
    chosen = [pending[name] for name in wanted]
    writer.apply(caller, check.patient_id, check.coverage_id, chosen)
    at = now()
    after = check.model_copy(
        update={
            "corrections": [
                c.model_copy(update={"applied_at": at, "applied_by": caller.username})
                if c.field in wanted
                else c
                for c in check.corrections
            ],
            "revision": check.revision + 1,
        }
    )
    record = AuditRecord.of(caller, Action.UPDATE, RESOURCE, check.id, patient_id=check.patient_id)
    try:
        checks.replace(caller.practice_id, check, after, record)
    except ConflictError:
        raise ConflictError("the check changed while its corrections were applied") from None
    return after
