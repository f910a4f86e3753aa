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
    """A patient waiting for a slot of a type (with given providers) in a date window."""

    entry_id: str
    patient_id: str
    type_id: Id
    location_id: Id
    provider_ids: tuple[Id, ...] = ()
    earliest: date
    latest: date
    status: EntryStatus = EntryStatus.WAITING
    appointment_id: str | None = None
    created_at: datetime
    version: int = 1

    def wants(self, *, type_id: str, provider_id: str, location_id: str, day: date) -> bool:
        """True when a freed slot fits what the patient waits for."""
        return (
            self.status is EntryStatus.WAITING
            and self.type_id == type_id
            and self.location_id == location_id
            and (not self.provider_ids or provider_id in self.provider_ids)
            and self.earliest <= day <= self.latest
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
    exclude: Sequence[str] = (),
    count: int = 1,
) -> list[WaitlistEntry]:
    """The first `count` waiting patients (oldest first) who want this slot."""
    fitting = [
        e
        for e in entries
        if e.entry_id not in exclude
        and e.wants(type_id=type_id, provider_id=provider_id, location_id=location_id, day=day)
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
