"""Waitlist holds with in-memory fakes: offers, the hold timer firing, idempotency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from clinicflow.platform.errors import ConflictError
from clinicflow.scheduling.model import (
    Appointment,
    Offer,
    OfferStatus,
    SchedulingConfig,
    WaitlistEntry,
    WaitlistPolicy,
)
from clinicflow.scheduling.service import holds
from clinicflow.scheduling.service.ports import Ports

NOW = datetime(2027, 1, 5, 15, tzinfo=UTC)
SLOT = datetime(2027, 1, 12, 16, tzinfo=UTC)  # 09:00 in Denver


@dataclass
class FakeStore:
    """The slice of SchedulingStore that offers use, with version conditions like DynamoDB's."""

    entries: list[WaitlistEntry] = field(default_factory=list)
    offers: dict[str, Offer] = field(default_factory=dict)
    policy: WaitlistPolicy = field(
        default_factory=lambda: WaitlistPolicy(hold_seconds=600, batch=1)
    )

    def config(self, practice_id: str) -> SchedulingConfig:
        return SchedulingConfig(waitlist=self.policy)

    def waiting(self, practice_id: str) -> list[WaitlistEntry]:
        return sorted(self.entries, key=lambda e: e.created_at)

    def save_offer(self, practice_id: str, offer: Offer, *, previous_version: int) -> None:
        current = self.offers.get(offer.offer_id)
        stored = current.version if current else 0
        if stored != previous_version:
            raise ConflictError("the offer changed; reload it")
        self.offers[offer.offer_id] = offer

    def get_offer(self, practice_id: str, offer_id: str) -> Offer | None:
        return self.offers.get(offer_id)

    def open_offers(self, practice_id: str) -> list[Offer]:
        return [o for o in self.offers.values() if o.status is OfferStatus.OPEN]


@dataclass
class FakeTimers:
    """Records armed hold timers like a schedule group would hold them."""

    armed: dict[str, datetime] = field(default_factory=dict)
    arms: int = 0
    broken: bool = False

    def arm(self, practice_id: str, offer: Offer) -> None:
        if self.broken:
            raise RuntimeError("scheduler unavailable")
        self.arms += 1
        self.armed[offer.offer_id] = offer.expires_at

    def disarm(self, practice_id: str, offer_id: str) -> None:
        self.armed.pop(offer_id, None)


def entry(n: int, **changes: Any) -> WaitlistEntry:
    return WaitlistEntry(
        entry_id=f"wait-{n}",
        patient_id=f"pat-{n}",
        type_id="visit",
        location_id="loc-denver",
        earliest=date(2027, 1, 11),
        latest=date(2027, 1, 29),
        created_at=NOW - timedelta(hours=10 - n),
        **changes,
    )


def freed() -> Appointment:
    return Appointment(
        appointment_id="appt-freed",
        patient_id="pat-0",
        provider_id="prov-a",
        location_id="loc-denver",
        time_zone="America/Denver",
        type_id="visit",
        start=SLOT,
        end=SLOT + timedelta(minutes=30),
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.fixture
def world() -> tuple[FakeStore, FakeTimers, Ports]:
    store, timers = FakeStore(entries=[entry(1), entry(2), entry(3)]), FakeTimers()
    ports = Ports(store, directory=None, audit=None, timers=timers)  # type: ignore[arg-type]
    return store, timers, ports


def test_an_offer_arms_a_timer_for_the_end_of_its_hold(world):
    _store, timers, ports = world
    offer = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert offer is not None and offer.entry_ids == ("wait-1",)
    assert timers.armed == {offer.offer_id: NOW + timedelta(seconds=600)}


def test_the_timer_firing_expires_the_offer_and_offers_the_next_patient(world):
    store, timers, ports = world
    first = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert first is not None
    later = NOW + timedelta(seconds=601)
    assert holds.expire_offer("p", first.offer_id, ports=ports, now=later) == "expired"
    assert store.offers[first.offer_id].status is OfferStatus.EXPIRED
    (successor,) = store.open_offers("p")
    assert successor.entry_ids == ("wait-2",) and successor.round == 2
    assert successor.offered_before == ("wait-1",)
    assert timers.armed == {successor.offer_id: later + timedelta(seconds=600)}


def test_a_second_firing_changes_nothing(world):
    store, timers, ports = world
    first = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert first is not None
    later = NOW + timedelta(seconds=601)
    holds.expire_offer("p", first.offer_id, ports=ports, now=later)
    offers, arms = dict(store.offers), timers.arms
    assert holds.expire_offer("p", first.offer_id, ports=ports, now=later) == "expired"
    assert store.offers == offers and timers.arms == arms


def test_a_retried_firing_makes_the_next_round_a_crash_left_out(world):
    store, _timers, ports = world
    first = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert first is not None
    # the first run closed the offer and stopped before offering the slot on
    store.offers[first.offer_id] = first.model_copy(
        update={"status": OfferStatus.EXPIRED, "version": 2}
    )
    later = NOW + timedelta(seconds=700)
    assert holds.expire_offer("p", first.offer_id, ports=ports, now=later) == "expired"
    (successor,) = store.open_offers("p")
    assert successor.entry_ids == ("wait-2",)


def test_a_firing_after_acceptance_does_nothing(world):
    store, _timers, ports = world
    first = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert first is not None
    accepted = first.model_copy(
        update={"status": OfferStatus.ACCEPTED, "accepted_entry_id": "wait-1", "version": 2}
    )
    store.offers[first.offer_id] = accepted
    later = NOW + timedelta(seconds=601)
    assert holds.expire_offer("p", first.offer_id, ports=ports, now=later) == "closed"
    assert store.offers == {first.offer_id: accepted}


def test_a_firing_before_the_hold_ends_leaves_the_offer_open(world):
    store, _timers, ports = world
    first = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert first is not None
    early = NOW + timedelta(seconds=599)
    assert holds.expire_offer("p", first.offer_id, ports=ports, now=early) == "not_due"
    assert store.offers[first.offer_id].status is OfferStatus.OPEN


def test_an_unknown_offer_is_reported(world):
    _, _, ports = world
    assert holds.expire_offer("p", "offer-0000000000000000", ports=ports, now=NOW) == "unknown"


def test_rounds_offer_n_patients_at_a_time(world):
    store, _timers, ports = world
    store.entries.append(entry(4))
    store.policy = WaitlistPolicy(hold_seconds=300, batch=2)
    first = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert first is not None and first.entry_ids == ("wait-1", "wait-2")
    holds.expire_offer("p", first.offer_id, ports=ports, now=NOW + timedelta(seconds=300))
    (successor,) = store.open_offers("p")
    assert successor.entry_ids == ("wait-3", "wait-4")


def test_nobody_left_to_offer_ends_the_chain(world):
    store, timers, ports = world
    store.entries = [entry(1)]
    first = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert first is not None
    holds.expire_offer("p", first.offer_id, ports=ports, now=NOW + timedelta(seconds=601))
    assert store.open_offers("p") == [] and timers.armed == {}


def test_a_timer_that_cannot_be_set_leaves_the_hold_to_the_lazy_sweep(world):
    store, timers, ports = world
    timers.broken = True
    first = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert first is not None and store.offers[first.offer_id].status is OfferStatus.OPEN
    assert holds.sweep("p", ports=ports, now=NOW + timedelta(seconds=601)) == 1
    assert store.offers[first.offer_id].status is OfferStatus.EXPIRED


def test_a_patient_improving_on_an_appointment_is_offered_only_earlier_slots(world):
    store, _timers, ports = world
    store.entries = [
        entry(1, replaces_appointment_id="appt-late", replaces_start=SLOT),  # same time: no
        entry(2, replaces_appointment_id="appt-later", replaces_start=SLOT + timedelta(days=3)),
    ]
    offer = holds.offer_freed_slot("p", freed(), ports=ports, now=NOW)
    assert offer is not None and offer.entry_ids == ("wait-2",)


def test_successor_ids_are_stable_and_valid():
    first = holds.new_offer_id()
    offer = Offer(
        offer_id=first,
        provider_id="prov-a",
        location_id="loc-denver",
        type_id="visit",
        start=SLOT,
        end=SLOT + timedelta(minutes=30),
        time_zone="America/Denver",
        entry_ids=("wait-1",),
        expires_at=NOW,
        hold_seconds=600,
    )
    assert holds.successor_id(offer) == holds.successor_id(offer) != first
    assert len(holds.successor_id(offer)) == len(first)
