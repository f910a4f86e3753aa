"""Offers of freed slots and the end of their holds.

A freed slot is offered to the first `batch` waiting patients who want it (oldest first)
for `hold_seconds` (the practice's waitlist policy). Each open offer has a hold timer (an
EventBridge Scheduler one-time schedule, `ports.timers`) that invokes `expire_offer` when
the hold runs out: the offer is closed with a conditional write on its version and the
slot is offered to the next patients in line.

Race-free and idempotent: closing is conditional (an acceptance and an expiry never both
win), and the next round's offer has an id derived from the closed one, written only if
absent, so a timer that fires twice, late, or after a lazy sweep changes nothing more.
Holds are also ended lazily (`sweep`, when offers are listed or answered), so a timer that
could not be set never leaves a slot held forever.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from clinicflow.platform.errors import ConflictError
from clinicflow.scheduling.model import Appointment, Offer, OfferStatus, next_in_line
from clinicflow.scheduling.service.ports import Ports, default_ports, utc_now

logger = logging.getLogger("clinicflow.scheduling")


def new_offer_id() -> str:
    """A new offer id (`offer-` + 16 hex digits)."""
    return f"offer-{secrets.token_hex(8)}"


def successor_id(offer: Offer) -> str:
    """The id of the offer that follows `offer` (the same, however often it is derived)."""
    return "offer-" + hashlib.sha256(f"next\n{offer.offer_id}".encode()).hexdigest()[:16]


def _arm(practice_id: str, offer: Offer, ports: Ports) -> None:
    """Set the offer's hold timer; a failure leaves the lazy sweep to end the hold."""
    try:
        ports.timers.arm(practice_id, offer)
    except Exception as exc:
        logger.warning("hold timer not set", extra={"error_type": type(exc).__name__})


def disarm(practice_id: str, offer_id: str, ports: Ports) -> None:
    """Drop an offer's hold timer; if that fails, its firing finds the offer closed."""
    try:
        ports.timers.disarm(practice_id, offer_id)
    except Exception as exc:
        logger.warning("hold timer not deleted", extra={"error_type": type(exc).__name__})


def offer_freed_slot(
    practice_id: str, freed: Appointment, *, ports: Ports | None = None, now: datetime | None = None
) -> Offer | None:
    """Offer the time `freed` held to the next waiting patients (None when nobody waits)."""
    ports = ports or default_ports()
    now = now or utc_now()
    waiting = ports.store.waiting(practice_id)
    if not waiting:
        return None  # the common case: no policy to read
    policy = ports.store.config(practice_id).waitlist
    chosen = next_in_line(
        waiting,
        type_id=freed.type_id,
        provider_id=freed.provider_id,
        location_id=freed.location_id,
        day=freed.start.astimezone(ZoneInfo(freed.time_zone)).date(),
        start=freed.start,
        count=policy.batch,
    )
    if not chosen:
        return None
    offer = Offer(
        offer_id=new_offer_id(),
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
    _arm(practice_id, offer, ports)
    return offer


def offer_next(practice_id: str, closed: Offer, ports: Ports, now: datetime) -> Offer | None:
    """Offer a closed offer's slot to the next patients in line (at most once per offer)."""
    if closed.start <= now:
        return None
    chosen = next_in_line(
        ports.store.waiting(practice_id),
        type_id=closed.type_id,
        provider_id=closed.provider_id,
        location_id=closed.location_id,
        day=closed.start.astimezone(ZoneInfo(closed.time_zone)).date(),
        start=closed.start,
        exclude=closed.everyone_offered(),
        count=closed.batch,
    )
    if not chosen:
        return None
    successor = closed.model_copy(
        update={
            "offer_id": successor_id(closed),
            "entry_ids": tuple(e.entry_id for e in chosen),
            "offered_before": closed.everyone_offered(),
            "declined": (),
            "round": closed.round + 1,
            "expires_at": now + timedelta(seconds=closed.hold_seconds),
            "status": OfferStatus.OPEN,
            "accepted_entry_id": None,
            "appointment_id": None,
            "version": 1,
        }
    )
    try:
        ports.store.save_offer(practice_id, successor, previous_version=0)
    except ConflictError:
        return None  # offered already (a repeated expiry)
    _arm(practice_id, successor, ports)
    return successor


def next_round(
    practice_id: str, offer: Offer, status: OfferStatus, ports: Ports, now: datetime
) -> Offer | None:
    """Close `offer` (if still unchanged) and offer its slot to the next patients in line."""
    closed = offer.model_copy(update={"status": status, "version": offer.version + 1})
    try:
        ports.store.save_offer(practice_id, closed, previous_version=offer.version)
    except ConflictError:
        return None  # someone else closed or accepted it first
    disarm(practice_id, offer.offer_id, ports)
    return offer_next(practice_id, closed, ports, now)


def expire_offer(
    practice_id: str, offer_id: str, *, ports: Ports | None = None, now: datetime | None = None
) -> str:
    """A hold timer fired: close the offer if its hold is over and offer the next round.

    Returns what happened: `expired`, `closed` (accepted or gone: nothing to do),
    `not_due` (the hold was extended), `unknown` (no such offer).
    """
    ports = ports or default_ports()
    now = now or utc_now()
    offer = ports.store.get_offer(practice_id, offer_id)
    if offer is None:
        return "unknown"
    if offer.status is OfferStatus.OPEN:
        if not offer.hold_ran_out(now):
            return "not_due"
        next_round(practice_id, offer, OfferStatus.EXPIRED, ports, now)
        return "expired"
    if offer.status is OfferStatus.EXPIRED:
        # A repeated or retried firing: the next round exists already (or is made now).
        offer_next(practice_id, offer, ports, now)
        return "expired"
    return "closed"


def sweep(practice_id: str, *, ports: Ports | None = None, now: datetime | None = None) -> int:
    """Expire every open offer whose hold ran out and offer the next round; returns how many."""
    ports = ports or default_ports()
    now = now or utc_now()
    expired = 0
    for offer in ports.store.open_offers(practice_id):
        if offer.hold_ran_out(now):
            next_round(practice_id, offer, OfferStatus.EXPIRED, ports, now)
            expired += 1
    return expired
