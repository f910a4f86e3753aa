"""Waitlist use cases: wait for an earlier slot; answer offers of freed slots.

Offers and the end of their holds live in `holds.py`. The first acceptance within the hold
books the slot: the booking transaction also updates the offer on its version, so two
acceptances (or an acceptance and the hold's expiry) can never both win, and the slot's
lock items make sure nobody else holds the time either.

A patient who already holds a later appointment names it (`replaces_appointment_id`):
only earlier slots are offered to them, and accepting one books it and cancels the later
appointment in the same transaction - never both held, never neither.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller
from clinicflow.scheduling.model import (
    MOVABLE,
    RELEASED,
    Appointment,
    CancelReason,
    EntryStatus,
    Offer,
    OfferExpiredError,
    OfferStatus,
    ReplacedAppointmentChangedError,
    SlotGoneError,
    SlotTakenError,
    Status,
    WaitlistEntry,
    parse,
)
from clinicflow.scheduling.service import booking, holds
from clinicflow.scheduling.service.availability import active_location, active_type
from clinicflow.scheduling.service.holds import offer_freed_slot, sweep
from clinicflow.scheduling.service.ports import Ports, default_ports, utc_now

__all__ = [
    "OfferView",
    "accept_offer",
    "add_entry",
    "decline_offer",
    "list_entries",
    "list_offers",
    "offer_freed_slot",
    "remove_entry",
    "sweep",
]

logger = logging.getLogger("clinicflow.scheduling")
RESOURCE = "waitlist_entry"
MOVED_NOTE = "moved to earlier slot from waitlist"
REPLACES = "replaces_appointment_id"


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def _patients_appointment(
    ports: Ports, caller: Caller, patient_id: str, appointment_id: str
) -> Appointment:
    """The patient's appointment with this id (422 naming the field otherwise)."""
    found = ports.store.get(caller.practice_id, appointment_id)
    if found is None or found.patient_id != patient_id:
        raise ValidationError(FieldError(REPLACES, "no appointment of this patient with this id"))
    return found


def add_entry(
    caller: Caller, data: dict[str, Any], *, ports: Ports | None = None, now: datetime | None = None
) -> WaitlistEntry:
    """Put a patient on the waitlist for a type at a location within a date window."""
    ports = ports or default_ports()
    now = now or utc_now()
    entry: WaitlistEntry = parse(
        WaitlistEntry,
        {
            **data,
            "entry_id": _new_id("wait"),
            "created_at": now,
            "status": "waiting",
            "replaces_start": None,
        },
    )
    if entry.latest < entry.earliest:
        raise ValidationError(FieldError("latest", "must not be before earliest"))
    active_type(ports.store.config(caller.practice_id), entry.type_id)
    active_location(ports, caller.practice_id, entry.location_id)
    if entry.replaces_appointment_id:
        later = _patients_appointment(
            ports, caller, entry.patient_id, entry.replaces_appointment_id
        )
        if later.status not in MOVABLE:
            raise ValidationError(FieldError(REPLACES, "the appointment is no longer booked"))
        if entry.latest > later.start.astimezone(ZoneInfo(later.time_zone)).date():
            raise ValidationError(
                FieldError("latest", "must not be after the day of the appointment it replaces")
            )
        entry = entry.model_copy(update={"replaces_start": later.start})
    audit = AuditRecord.of(
        caller, Action.CREATE, RESOURCE, entry.entry_id, patient_id=entry.patient_id
    )
    ports.store.save_entry(caller.practice_id, entry, previous_version=0, audit=audit)
    return entry


def list_entries(caller: Caller, *, ports: Ports | None = None) -> list[WaitlistEntry]:
    """Patients still waiting, oldest first (each read audited)."""
    ports = ports or default_ports()
    entries = ports.store.waiting(caller.practice_id)
    if entries:
        ports.audit.append(
            [
                AuditRecord.of(caller, Action.READ, RESOURCE, e.entry_id, patient_id=e.patient_id)
                for e in entries
            ]
        )
    return entries


def remove_entry(caller: Caller, entry_id: str, *, ports: Ports | None = None) -> WaitlistEntry:
    """Take a patient off the waitlist (kept on record)."""
    ports = ports or default_ports()
    entry = ports.store.get_entry(caller.practice_id, entry_id)
    if entry is None:
        raise NotFoundError("waitlist entry not found")
    if entry.status is not EntryStatus.WAITING:
        return entry
    after = entry.model_copy(update={"status": EntryStatus.REMOVED, "version": entry.version + 1})
    audit = AuditRecord.of(caller, Action.DELETE, RESOURCE, entry_id, patient_id=entry.patient_id)
    ports.store.save_entry(caller.practice_id, after, previous_version=entry.version, audit=audit)
    return after


@dataclass(frozen=True)
class OfferView:
    """An offer with the patients it is for (entry id → patient id)."""

    offer: Offer
    patients: dict[str, str]


def list_offers(
    caller: Caller, *, ports: Ports | None = None, now: datetime | None = None, limit: int = 50
) -> list[OfferView]:
    """Recent offers, newest first, after sweeping expired holds (patient reads audited)."""
    ports = ports or default_ports()
    now = now or utc_now()
    sweep(caller.practice_id, ports=ports, now=now)
    offers = ports.store.recent_offers(caller.practice_id, limit)
    views = []
    records = []
    for offer in offers:
        patients = {}
        for entry_id in offer.entry_ids:
            entry = ports.store.get_entry(caller.practice_id, entry_id)
            if entry is not None:
                patients[entry_id] = entry.patient_id
                records.append(
                    AuditRecord.of(
                        caller, Action.READ, RESOURCE, entry_id, patient_id=entry.patient_id
                    )
                )
        views.append(OfferView(offer, patients))
    if records:
        ports.audit.append(records)
    return views


def _load_offer(ports: Ports, caller: Caller, offer_id: str, entry_id: str) -> Offer:
    offer = ports.store.get_offer(caller.practice_id, offer_id)
    if offer is None:
        raise NotFoundError("offer not found")
    if entry_id not in offer.entry_ids:
        raise ValidationError(FieldError("entry_id", "this offer was not made to this entry"))
    return offer


def _replacing(
    ports: Ports,
    caller: Caller,
    *,
    entry: WaitlistEntry,
    offer: Offer,
    named: str | None,
    now: datetime,
) -> tuple[Appointment, Appointment, AuditRecord] | None:
    """The later appointment an acceptance gives up: (as read, cancelled, its audit record)."""
    if named and entry.replaces_appointment_id and named != entry.replaces_appointment_id:
        raise ValidationError(FieldError(REPLACES, "the entry already names another appointment"))
    appointment_id = entry.replaces_appointment_id or named
    if not appointment_id:
        return None
    later = _patients_appointment(ports, caller, entry.patient_id, appointment_id)
    if later.status in RELEASED:
        return None  # already given up: nothing left to cancel
    if later.status not in MOVABLE:
        raise ReplacedAppointmentChangedError()
    if offer.start >= later.start:
        raise ConflictError("the offered slot is not earlier than the appointment it would replace")
    cancelled = later.moved_to(
        Status.CANCELLED, at=now, by=caller.username, reason=MOVED_NOTE
    ).model_copy(
        update={"cancel_reason": CancelReason.MOVED_TO_EARLIER_SLOT, "cancel_note": MOVED_NOTE}
    )
    audit = AuditRecord.of(
        caller, Action.UPDATE, "appointment", later.appointment_id, patient_id=later.patient_id
    )
    return later, cancelled, audit


def accept_offer(
    caller: Caller,
    offer_id: str,
    entry_id: str,
    *,
    replaces_appointment_id: str | None = None,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book the offered slot for the entry's patient: the first acceptance in time wins.

    When the entry (or `replaces_appointment_id`) names the patient's later appointment,
    it is cancelled in the booking's transaction and its slot offered in turn.
    """
    ports = ports or default_ports()
    now = now or utc_now()
    offer = _load_offer(ports, caller, offer_id, entry_id)
    if offer.status is not OfferStatus.OPEN:
        if offer.status is OfferStatus.EXPIRED:
            raise OfferExpiredError()
        raise SlotGoneError()
    if offer.hold_ran_out(now):
        holds.next_round(caller.practice_id, offer, OfferStatus.EXPIRED, ports, now)
        raise OfferExpiredError()
    if entry_id in offer.declined:
        raise ConflictError("this patient declined the offer")
    entry = ports.store.get_entry(caller.practice_id, entry_id)
    if entry is None or entry.status is not EntryStatus.WAITING:
        raise ConflictError("this patient is no longer on the waitlist")
    replacing = _replacing(
        ports, caller, entry=entry, offer=offer, named=replaces_appointment_id, now=now
    )
    appointment_id = booking.new_appointment_id()
    accepted = offer.model_copy(
        update={
            "status": OfferStatus.ACCEPTED,
            "accepted_entry_id": entry_id,
            "appointment_id": appointment_id,
            "version": offer.version + 1,
        }
    )
    request = booking.BookingRequest(
        patient_id=entry.patient_id,
        provider_id=offer.provider_id,
        location_id=offer.location_id,
        type_id=offer.type_id,
        start=offer.start,
        room_id=offer.room_id,
        appointment_id=appointment_id,
    )
    try:
        appointment = booking.book(
            caller, request, ports=ports, now=now, offer=(offer, accepted), replacing=replacing
        )
    except SlotTakenError:
        holds.next_round(caller.practice_id, offer, OfferStatus.GONE, ports, now)
        raise SlotGoneError() from None
    holds.disarm(caller.practice_id, offer.offer_id, ports)
    booked = entry.model_copy(
        update={
            "status": EntryStatus.BOOKED,
            "appointment_id": appointment.appointment_id,
            REPLACES: replacing[0].appointment_id if replacing else entry.replaces_appointment_id,
            "version": entry.version + 1,
        }
    )
    ports.store.save_entry(caller.practice_id, booked, previous_version=entry.version, audit=None)
    if replacing is not None:
        _offer_quietly(caller.practice_id, replacing[0], ports, now)
    return appointment


def _offer_quietly(practice_id: str, freed: Appointment, ports: Ports, now: datetime) -> None:
    """Offer the given-up slot to the waitlist; never fails the acceptance that freed it."""
    try:
        offer_freed_slot(practice_id, freed, ports=ports, now=now)
    except Exception as exc:  # the move stands; the slot stays free for anyone to book
        logger.warning("waitlist offer failed", extra={"error_type": type(exc).__name__})


def decline_offer(
    caller: Caller,
    offer_id: str,
    entry_id: str,
    *,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> Offer:
    """Record a refusal; when everyone in the round declined, the next round starts now."""
    ports = ports or default_ports()
    now = now or utc_now()
    offer = _load_offer(ports, caller, offer_id, entry_id)
    if not offer.is_live(now):
        return offer
    declined = tuple(dict.fromkeys((*offer.declined, entry_id)))
    updated = offer.model_copy(update={"declined": declined, "version": offer.version + 1})
    if set(declined) >= set(offer.entry_ids):
        holds.next_round(caller.practice_id, offer, OfferStatus.EXPIRED, ports, now)
        return updated.model_copy(update={"status": OfferStatus.EXPIRED})
    ports.store.save_offer(caller.practice_id, updated, previous_version=offer.version)
    return updated
