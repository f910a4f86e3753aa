"""Waitlist: patients waiting for an earlier slot, and offers of freed slots with a hold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from clinicflow.platform.errors import ConflictError
from clinicflow.scheduling.model.config import Frozen, Id


class EntryStatus(StrEnum):
    """Where a waiting patient is."""

    WAITING = "waiting"
    BOOKED = "booked"
    REMOVED = "removed"


class WaitlistEntry(Frozen):
    """A patient waiting for a slot of a type (with given providers) in a date window.

    `replaces_appointment_id` names the later appointment the patient already holds and
    wants to improve on (`replaces_start` is its start): only earlier slots are offered, and
    accepting one moves the patient (the later appointment is cancelled atomically).
    """

    entry_id: str
    patient_id: str
    type_id: Id
    location_id: Id
    provider_ids: tuple[Id, ...] = ()
    earliest: date
    latest: date
    status: EntryStatus = EntryStatus.WAITING
    appointment_id: str | None = None
    replaces_appointment_id: str | None = None
    replaces_start: datetime | None = None
    created_at: datetime
    version: int = 1

    def wants(
        self,
        *,
        type_id: str,
        provider_id: str,
        location_id: str,
        day: date,
        start: datetime | None = None,
    ) -> bool:
        """True when a freed slot fits what the patient waits for (and improves on theirs)."""
        return (
            self.status is EntryStatus.WAITING
            and self.type_id == type_id
            and self.location_id == location_id
            and (not self.provider_ids or provider_id in self.provider_ids)
            and self.earliest <= day <= self.latest
            and (start is None or self.replaces_start is None or start < self.replaces_start)
        )


class OfferStatus(StrEnum):
    """An offer is open until one patient accepts it, its holds run out, or the slot goes."""

    OPEN = "open"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    GONE = "gone"


class Offer(Frozen):
    """A freed slot offered to some waiting patients at once, each round with a hold."""

    offer_id: str
    provider_id: Id
    location_id: Id
    type_id: Id
    room_id: Id | None = None
    start: datetime
    end: datetime
    time_zone: str
    entry_ids: tuple[str, ...]
    offered_before: tuple[str, ...] = ()
    declined: tuple[str, ...] = ()
    round: int = 1
    expires_at: datetime
    hold_seconds: Annotated[int, Field(ge=1, le=7 * 86400)]
    batch: Annotated[int, Field(ge=1, le=20)] = 1
    status: OfferStatus = OfferStatus.OPEN
    accepted_entry_id: str | None = None
    appointment_id: str | None = None
    version: int = 1

    def is_live(self, now: datetime) -> bool:
        """True while the offer can still be accepted."""
        return self.status is OfferStatus.OPEN and now < self.expires_at

    def hold_ran_out(self, now: datetime) -> bool:
        """True when the offer is still open but its hold is over (it must be closed)."""
        return self.status is OfferStatus.OPEN and now >= self.expires_at

    def everyone_offered(self) -> tuple[str, ...]:
        """Entries this slot has been offered to, in any round."""
        return (*self.offered_before, *self.entry_ids)


def next_in_line(
    entries: Iterable[WaitlistEntry],
    *,
    type_id: str,
    provider_id: str,
    location_id: str,
    day: date,
    start: datetime | None = None,
    exclude: Sequence[str] = (),
    count: int = 1,
) -> list[WaitlistEntry]:
    """The first `count` waiting patients (oldest first) who want this slot."""
    fitting = [
        e
        for e in entries
        if e.entry_id not in exclude
        and e.wants(
            type_id=type_id, provider_id=provider_id, location_id=location_id, day=day, start=start
        )
    ]
    return sorted(fitting, key=lambda e: (e.created_at, e.entry_id))[:count]


class OfferExpiredError(ConflictError):
    """The hold ran out before the acceptance arrived."""

    code = "offer_expired"

    def __init__(self) -> None:
        super().__init__("this offer's hold has expired; the slot was offered to the next patient")


class SlotGoneError(ConflictError):
    """Someone else took the slot first."""

    code = "slot_gone"

    def __init__(self) -> None:
        super().__init__("this slot has already been taken; it is no longer available")


class ReplacedAppointmentChangedError(ConflictError):
    """The later appointment a waitlist acceptance would give up changed meanwhile."""

    code = "replaced_appointment_changed"

    def __init__(self) -> None:
        super().__init__(
            "the appointment this patient would give up changed meanwhile; nothing was "
            "booked or cancelled - reload and try again"
        )
