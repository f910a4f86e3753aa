"""Appointments: the status machine, the history (wait times come from it), lock blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from clinicflow.platform.errors import ConflictError
from clinicflow.scheduling.model.config import BLOCK_MINUTES, Frozen, Id


class Status(StrEnum):
    """Where an appointment is in the visit."""

    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    ROOMED = "roomed"
    SEEN = "seen"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.BOOKED: frozenset(
        {Status.CONFIRMED, Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW}
    ),
    Status.CONFIRMED: frozenset({Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW}),
    Status.CHECKED_IN: frozenset({Status.ROOMED, Status.SEEN, Status.CANCELLED}),
    Status.ROOMED: frozenset({Status.SEEN}),
    Status.SEEN: frozenset({Status.CHECKED_OUT}),
    Status.CHECKED_OUT: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
}
# Statuses that no longer hold the provider's (and room's) time: their locks are released.
RELEASED = frozenset({Status.CANCELLED, Status.NO_SHOW})
# Statuses from which the time may still be moved.
MOVABLE = frozenset({Status.BOOKED, Status.CONFIRMED})


class CancelReason(StrEnum):
    """Why an appointment was cancelled (a code, so no free text is needed)."""

    PATIENT_REQUEST = "patient_request"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    PRACTICE_CLOSED = "practice_closed"
    WEATHER = "weather"
    DUPLICATE = "duplicate"
    MOVED_TO_EARLIER_SLOT = "moved_to_earlier_slot"  # the patient took a waitlist offer
    OTHER = "other"


class InvalidTransitionError(ConflictError):
    """The status change is not allowed from the current status."""

    code = "invalid_transition"

    def __init__(self, current: Status, wanted: Status) -> None:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
        super().__init__(
            f"an appointment that is {current.value} cannot become {wanted.value} "
            f"(allowed next: {allowed})",
            details={"status": current.value},
        )


class StaleAppointmentError(ConflictError):
    """The appointment changed since it was read."""

    def __init__(self, current_version: int) -> None:
        super().__init__(
            "the appointment was changed by someone else; reload it and retry",
            details={"current_version": current_version},
        )


class StatusChange(Frozen):
    """One entry of the history: the status entered, when, by whom."""

    status: Status
    at: datetime
    by: str
    reason: str = ""


class Appointment(Frozen):
    """One visit of a patient with a provider (and maybe a room), stored in UTC."""

    appointment_id: Annotated[str, Field(pattern=r"^[a-z0-9-]{2,60}$")]
    patient_id: str
    provider_id: Id
    location_id: Id
    time_zone: str
    type_id: Id
    room_id: Id | None = None
    start: datetime
    end: datetime
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    status: Status = Status.BOOKED
    history: tuple[StatusChange, ...] = ()
    overbook: bool = False
    series_id: str | None = None
    occurrence: int | None = None
    cancel_reason: CancelReason | None = None
    cancel_note: Annotated[str, Field(max_length=200)] = ""
    offer_id: str | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    updated_by: str = ""

    @property
    def holds_time(self) -> bool:
        """True while the appointment occupies its provider and room."""
        return self.status not in RELEASED

    @property
    def duration_minutes(self) -> int:
        """Minutes of the visit itself (buffers excluded)."""
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def footprint(self) -> tuple[datetime, datetime]:
        """The time held, buffers included (UTC)."""
        return (
            self.start - timedelta(minutes=self.buffer_before_minutes),
            self.end + timedelta(minutes=self.buffer_after_minutes),
        )

    def lock_keys(self) -> list[tuple[str, str, str]]:
        """(kind, resource id, block) of every lock this appointment holds: 'P'rovider, 'R'oom.

        Overbooks and released appointments hold none.
        """
        if self.overbook or not self.holds_time:
            return []
        start, end = self.footprint
        keys = [("P", self.provider_id, b) for b in blocks(start, end)]
        if self.room_id:
            keys += [("R", self.room_id, b) for b in blocks(start, end)]
        return keys

    def moved_to(self, status: Status, *, at: datetime, by: str, reason: str = "") -> Appointment:
        """This appointment in a new status (InvalidTransitionError when not allowed)."""
        if status not in TRANSITIONS[self.status]:
            raise InvalidTransitionError(self.status, status)
        change = StatusChange(status=status, at=at, by=by, reason=reason)
        return self.model_copy(
            update={
                "status": status,
                "history": (*self.history, change),
                "version": self.version + 1,
                "updated_at": at,
                "updated_by": by,
            }
        )

    def waits(self) -> dict[str, int]:
        """Minutes between visit milestones (from the history): the practice's wait times."""
        seen: dict[Status, datetime] = {}
        for change in self.history:
            seen.setdefault(change.status, change.at)
        pairs = {
            "check_in_to_roomed": (Status.CHECKED_IN, Status.ROOMED),
            "roomed_to_seen": (Status.ROOMED, Status.SEEN),
            "check_in_to_seen": (Status.CHECKED_IN, Status.SEEN),
            "check_in_to_check_out": (Status.CHECKED_IN, Status.CHECKED_OUT),
        }
        return {
            name: int((seen[b] - seen[a]).total_seconds() // 60)
            for name, (a, b) in pairs.items()
            if a in seen and b in seen
        }


def block_floor(moment: datetime) -> datetime:
    """The start of the 5-minute UTC block containing `moment`."""
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return moment - timedelta(minutes=moment.minute % BLOCK_MINUTES)


def blocks(start: datetime, end: datetime) -> list[str]:
    """Ids (`YYYYMMDDTHHMM`, UTC) of every 5-minute block overlapping [start, end)."""
    out = []
    cursor = block_floor(start)
    while cursor < end:
        out.append(cursor.strftime("%Y%m%dT%H%M"))
        cursor += timedelta(minutes=BLOCK_MINUTES)
    return out


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    """True when two half-open intervals share time."""
    return a[0] < b[1] and b[0] < a[1]


class SlotTakenError(ConflictError):
    """The provider or room already holds (part of) the time asked for.

    `resource` is "provider" or "room"; the service adds a readable message and the
    nearest free slots before it reaches the caller.
    """

    code = "slot_taken"

    def __init__(self, resource: str, message: str = "", details: dict[str, object] | None = None):
        self.resource = resource
        super().__init__(
            message or f"that time is no longer free for the {resource}",
            details={"conflict": resource, **(details or {})},
        )


class AppointmentExistsError(ConflictError):
    """An appointment with this id already exists (a retried request)."""

    code = "appointment_exists"

    def __init__(self) -> None:
        super().__init__("this appointment already exists")
