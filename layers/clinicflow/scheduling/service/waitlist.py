"""Waitlist use cases: wait for an earlier slot; offers of freed slots with a hold.

When an appointment is cancelled or moved, its slot is offered to the first `batch`
waiting patients who want it (oldest first), for `hold_seconds` (the practice's waitlist
policy). The first acceptance within the hold books the slot: the booking transaction
also updates the offer on its version, so two acceptances can never both win, and the
slot's lock items make sure nobody else holds the time either.

Hold expiry is evaluated lazily and race-free: whenever offers are listed, and when an
acceptance arrives after the hold, the expired offer is closed (conditional write on its
version) and the slot is offered to the next patients in line. Until the reminders issue
sends offers by SMS, staff see them through `GET /waitlist/offers`, which runs that sweep.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller
from clinicflow.scheduling.model import (
    Appointment,
    EntryStatus,
    Offer,
    OfferExpiredError,
    OfferStatus,
    SlotGoneError,
    SlotTakenError,
    WaitlistEntry,
    next_in_line,
    parse,
)
from clinicflow.scheduling.service import booking
from clinicflow.scheduling.service.availability import active_location, active_type
from clinicflow.scheduling.service.ports import Ports, default_ports, utc_now

RESOURCE = "waitlist_entry"


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def add_entry(
    caller: Caller, data: dict[str, Any], *, ports: Ports | None = None, now: datetime | None = None
) -> WaitlistEntry:
    """Put a patient on the waitlist for a type at a location within a date window."""
    ports = ports or default_ports()
    now = now or utc_now()
    entry: WaitlistEntry = parse(
        WaitlistEntry,
        {**data, "entry_id": _new_id("wait"), "created_at": now, "status": "waiting"},
    )
    if entry.latest < entry.earliest:
        raise ValidationError(FieldError("latest", "must not be before earliest"))
    active_type(ports.store.config(caller.practice_id), entry.type_id)
    active_location(ports, caller.practice_id, entry.location_id)
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


def offer_freed_slot(
    practice_id: str, freed: Appointment, *, ports: Ports | None = None, now: datetime | None = None
) -> Offer | None:
    """Offer the time `freed` held to the next waiting patients (None when nobody waits)."""
    ports = ports or default_ports()
    now = now or utc_now()
    policy = ports.store.config(practice_id).waitlist
    chosen = next_in_line(
        ports.store.waiting(practice_id),
        type_id=freed.type_id,
        provider_id=freed.provider_id,
        location_id=freed.location_id,
        day=freed.start.astimezone(_zone(freed.time_zone)).date(),
        count=policy.batch,
    )
    if not chosen:
        return None
    offer = Offer(
        offer_id=_new_id("offer"),
        provider_id=freed.provider_id,
        location_id=freed.location_id,
        type_id=freed.type_id,
        room_id=freed.room_id,
        start=freed.start,
        end=freed.end,
        time_zone=freed.time_zone,
        entry_ids=tuple(e.entry_id for e in chosen),
        expires_at=now + timedelta(seconds=policy.hold_seconds),
        hold_seconds=policy.hold_seconds,
        batch=policy.batch,
    )
    ports.store.save_offer(practice_id, offer, previous_version=0)
    return offer


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _next_round(
    practice_id: str, offer: Offer, status: OfferStatus, ports: Ports, now: datetime
) -> Offer | None:
    """Close `offer` (if still unchanged) and offer its slot to the next patients in line."""
    closed = offer.model_copy(update={"status": status, "version": offer.version + 1})
    try:
        ports.store.save_offer(practice_id, closed, previous_version=offer.version)
    except ConflictError:
        return None  # someone else closed or accepted it first
    if offer.start <= now:
        return None
    chosen = next_in_line(
        ports.store.waiting(practice_id),
        type_id=offer.type_id,
        provider_id=offer.provider_id,
        location_id=offer.location_id,
        day=offer.start.astimezone(_zone(offer.time_zone)).date(),
        exclude=offer.everyone_offered(),
        count=offer.batch,
    )
    if not chosen:
        return None
    successor = offer.model_copy(
        update={
            "offer_id": _new_id("offer"),
            "entry_ids": tuple(e.entry_id for e in chosen),
            "offered_before": offer.everyone_offered(),
            "declined": (),
            "round": offer.round + 1,
            "expires_at": now + timedelta(seconds=offer.hold_seconds),
            "status": OfferStatus.OPEN,
            "version": 1,
        }
    )
    ports.store.save_offer(practice_id, successor, previous_version=0)
    return successor


def sweep(practice_id: str, *, ports: Ports | None = None, now: datetime | None = None) -> int:
    """Expire every open offer whose hold ran out and offer the next round; returns how many."""
    ports = ports or default_ports()
    now = now or utc_now()
    expired = 0
    for offer in ports.store.open_offers(practice_id):
        if now >= offer.expires_at:
            _next_round(practice_id, offer, OfferStatus.EXPIRED, ports, now)
            expired += 1
    return expired


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


def accept_offer(
    caller: Caller,
    offer_id: str,
    entry_id: str,
    *,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book the offered slot for the entry's patient: the first acceptance in time wins."""
    ports = ports or default_ports()
    now = now or utc_now()
    offer = _load_offer(ports, caller, offer_id, entry_id)
    if offer.status is not OfferStatus.OPEN:
        if offer.status is OfferStatus.EXPIRED:
            raise OfferExpiredError()
        raise SlotGoneError()
    if now >= offer.expires_at:
        _next_round(caller.practice_id, offer, OfferStatus.EXPIRED, ports, now)
        raise OfferExpiredError()
    if entry_id in offer.declined:
        raise ConflictError("this patient declined the offer")
    entry = ports.store.get_entry(caller.practice_id, entry_id)
    if entry is None or entry.status is not EntryStatus.WAITING:
        raise ConflictError("this patient is no longer on the waitlist")
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
        appointment = booking.book(caller, request, ports=ports, now=now, offer=(offer, accepted))
    except SlotTakenError:
        _next_round(caller.practice_id, offer, OfferStatus.GONE, ports, now)
        raise SlotGoneError() from None
    booked = entry.model_copy(
        update={
            "status": EntryStatus.BOOKED,
            "appointment_id": appointment.appointment_id,
            "version": entry.version + 1,
        }
    )
    ports.store.save_entry(caller.practice_id, booked, previous_version=entry.version, audit=None)
    return appointment


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
        _next_round(caller.practice_id, offer, OfferStatus.EXPIRED, ports, now)
        return updated.model_copy(update={"status": OfferStatus.EXPIRED})
    ports.store.save_offer(caller.practice_id, updated, previous_version=offer.version)
    return updated
