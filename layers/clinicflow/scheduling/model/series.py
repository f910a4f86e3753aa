"""Recurring series: weekly or every N weeks, by count or until a date, in local wall time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from clinicflow.platform.errors import FieldError, ValidationError
from clinicflow.scheduling.model.config import Frozen, Id

MAX_OCCURRENCES = 52


class Recurrence(Frozen):
    """Every `interval_weeks` weeks, `count` times or until `until` (inclusive)."""

    interval_weeks: Annotated[int, Field(ge=1, le=12)] = 1
    count: Annotated[int, Field(ge=1, le=MAX_OCCURRENCES)] | None = None
    until: date | None = None

    def check(self) -> None:
        """Exactly one of count and until."""
        if (self.count is None) == (self.until is None):
            raise ValidationError(FieldError("recurrence", "give exactly one of count and until"))


def occurrence_starts(first_local: datetime, zone: ZoneInfo, rule: Recurrence) -> list[datetime]:
    """UTC starts of every occurrence: the same local wall time each time (DST-safe).

    `first_local` is naive wall-clock time at the location. At most 52 occurrences.
    """
    rule.check()
    out: list[datetime] = []
    step = timedelta(weeks=rule.interval_weeks)
    local = first_local
    while len(out) < (rule.count or MAX_OCCURRENCES):
        if rule.until is not None and local.date() > rule.until:
            break
        out.append(local.replace(tzinfo=zone).astimezone(UTC))
        local += step
    if rule.until is not None and len(out) == MAX_OCCURRENCES and local.date() <= rule.until:
        raise ValidationError(
            FieldError("recurrence.until", f"a series has at most {MAX_OCCURRENCES} occurrences")
        )
    return out


class Scope(StrEnum):
    """Which occurrences a series change applies to."""

    ONE = "one"
    FOLLOWING = "following"
    ALL = "all"


def targeted(numbers: list[int], scope: Scope, occurrence: int) -> list[int]:
    """Occurrence numbers a change with `scope` at `occurrence` touches."""
    if scope is Scope.ONE:
        return [n for n in numbers if n == occurrence]
    if scope is Scope.FOLLOWING:
        return [n for n in numbers if n >= occurrence]
    return list(numbers)


class Series(Frozen):
    """A recurring booking: one appointment per occurrence (`<series_id>-<nnn>`)."""

    series_id: Annotated[str, Field(pattern=r"^ser-[a-z0-9]{6,40}$")]
    patient_id: str
    provider_id: Id
    location_id: Id
    type_id: Id
    room_id: Id | None = None
    first_local: datetime
    time_zone: str
    recurrence: Recurrence
    occurrences: int
    created_at: datetime
    created_by: str

    def appointment_id(self, number: int) -> str:
        """The id of occurrence `number` (1-based): deterministic, so retries are idempotent."""
        return f"{self.series_id}-{number:03d}"
