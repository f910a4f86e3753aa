"""Appointment flags: what the nightly check found for each upcoming visit. Pure.

A flag item is kept per appointment (the latest outcome); the calendar shows the problems.
Flags carry ids, codes and plain-words messages only: no names, dates of birth or member ids.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from clinicflow.eligibility.model import EligibilityCheck, EligibilityStatus


class FlagKind(StrEnum):
    """The outcome of an appointment's check."""

    OK = "ok"
    INACTIVE = "inactive"
    AAA_ERROR = "aaa_error"
    NO_COVERAGE = "no_coverage"
    PAYER_UNAVAILABLE = "payer_unavailable"
    UNKNOWN = "unknown"
    NOT_CHECKABLE = "not_checkable"


PROBLEMS = frozenset(FlagKind) - {FlagKind.OK}
_BY_STATUS = {
    EligibilityStatus.ACTIVE: FlagKind.OK,
    EligibilityStatus.INACTIVE: FlagKind.INACTIVE,
    EligibilityStatus.REJECTED: FlagKind.AAA_ERROR,
    EligibilityStatus.PAYER_UNAVAILABLE: FlagKind.PAYER_UNAVAILABLE,
    EligibilityStatus.UNKNOWN: FlagKind.UNKNOWN,
}
_MESSAGES = {
    FlagKind.OK: "Coverage is active.",
    FlagKind.INACTIVE: "The payer says the coverage is not active: check the insurance "
    "with the patient before the visit.",
    FlagKind.AAA_ERROR: "The payer rejected the check: see the check's messages.",
    FlagKind.NO_COVERAGE: "The patient has no primary coverage on file.",
    FlagKind.PAYER_UNAVAILABLE: "The payer did not answer: check again before the visit.",
    FlagKind.UNKNOWN: "The payer's answer did not say whether the coverage is active.",
    FlagKind.NOT_CHECKABLE: "The coverage's payer cannot be checked in real time.",
}


class AppointmentFlag(BaseModel):
    """The latest nightly outcome for one appointment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    appointment_id: str
    patient_id: str
    appointment_start: datetime
    service_date: date
    kind: FlagKind
    problem: bool
    message: str
    checked_at: datetime
    coverage_id: str | None = None
    payer_id: str | None = None
    check_id: str | None = None
    actions: list[str] = Field(default_factory=list, description="what to do (AAA actions)")


def flag_of(
    *,
    appointment_id: str,
    patient_id: str,
    appointment_start: datetime,
    service_date: date,
    checked_at: datetime,
    kind: FlagKind | None = None,
    check: EligibilityCheck | None = None,
    coverage_id: str | None = None,
    payer_id: str | None = None,
) -> AppointmentFlag:
    """The flag for a visit: from its check, or from an outcome without one (`kind`)."""
    if check is not None:
        kind = _BY_STATUS[check.result.status]
        coverage_id, payer_id = check.coverage_id, check.payer_id
    assert kind is not None
    actions = list(dict.fromkeys(p.action for p in check.result.problems)) if check else []
    return AppointmentFlag(
        appointment_id=appointment_id,
        patient_id=patient_id,
        appointment_start=appointment_start,
        service_date=service_date,
        kind=kind,
        problem=kind in PROBLEMS,
        message=_MESSAGES[kind],
        checked_at=checked_at,
        coverage_id=coverage_id,
        payer_id=payer_id,
        check_id=check.id if check else None,
        actions=actions,
    )
