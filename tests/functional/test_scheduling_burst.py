"""Under load, against DynamoDB Local through the service layer.

- A burst of 1,000 random bookings, reschedules and cancels from 12 threads across 8
  providers and 2 rooms, then a full table scan: no two appointments holding time overlap
  on a provider or a room (other than recorded overbooks), and the lock items match.
- The number of DynamoDB calls a slot search makes: one calendar Query per provider.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from pynamodb.connection.base import Connection

from clinicflow.platform.errors import ClinicFlowError
from clinicflow.platform.identity import Role
from clinicflow.scheduling.model import Appointment, CancelReason, SchedulingConfig
from clinicflow.scheduling.service import availability, booking
from clinicflow.scheduling.service.ports import Ports, ServiceDirectory
from clinicflow.scheduling.store import DynamoAuditLog, DynamoSchedulingStore
from tests.functional.test_scheduling_handler import make_clinic

DENVER_DAY = date(2027, 2, 1)


def _scan_appointments(tables: Any) -> tuple[list[Appointment], list[dict[str, Any]]]:
    from boto3.dynamodb.types import TypeDeserializer

    client = boto3.client("dynamodb", endpoint_url=tables.endpoint)
    des = TypeDeserializer()
    appts: list[Appointment] = []
    locks: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName="clinicflow-local-main-table"):
        for raw in page["Items"]:
            item = {k: des.deserialize(v) for k, v in raw.items()}
            if item.get("entity") == "appointment":
                appts.append(Appointment.model_validate(_plain(item["doc"])))
            elif "#LOCK#" in item["PK"]:
                locks.append(item)
    return appts, locks


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    return value


def overlaps_found(appointments: list[Appointment]) -> list[tuple[str, str, str]]:
    """Pairs of time-holding, non-overbook appointments sharing a provider or a room."""
    held: dict[tuple[str, str], list[Appointment]] = defaultdict(list)
    for a in appointments:
        if a.holds_time and not a.overbook:
            held[("P", a.provider_id)].append(a)
            if a.room_id:
                held[("R", a.room_id)].append(a)
    bad = []
    for (kind, _), items in held.items():
        items.sort(key=lambda a: a.footprint[0])
        for prev, nxt in itertools.pairwise(items):
            if nxt.footprint[0] < prev.footprint[1]:
                bad.append((kind, prev.appointment_id, nxt.appointment_id))
    return bad


class CachedDirectory(ServiceDirectory):
    """Providers and locations do not change during the burst: read each once."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    def _get(self, key: tuple[str, ...], load: Any) -> Any:
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = load()
        with self._lock:
            self._cache[key] = value
        return value

    def provider(self, practice_id: str, provider_id: str) -> Any:
        return self._get(
            ("p", practice_id, provider_id),
            lambda: super(CachedDirectory, self).provider(practice_id, provider_id),
        )

    def location(self, practice_id: str, location_id: str) -> Any:
        return self._get(
            ("l", practice_id, location_id),
            lambda: super(CachedDirectory, self).location(practice_id, location_id),
        )


class ConfigOnceStore(DynamoSchedulingStore):
    """The real store; the calendar configuration does not change during the burst, so it is
    read once (reschedules would read it again each time: test overhead, not what is proved)."""

    def __init__(self) -> None:
        self._config: dict[str, SchedulingConfig] = {}

    def config(self, practice_id: str) -> SchedulingConfig:
        if practice_id not in self._config:
            self._config[practice_id] = super().config(practice_id)
        return self._config[practice_id]


def test_burst_of_random_bookings_leaves_no_overlap(tables: Any) -> None:
    clinic = make_clinic("burst", providers=8, patients=8, rooms=2)
    caller = clinic.caller(Role.FRONT_DESK)
    ports = Ports(ConfigOnceStore(), CachedDirectory(), DynamoAuditLog())
    config = ports.store.config("burst")
    rng = random.Random(7)
    booked: list[str] = []
    lock = threading.Lock()
    outcomes: Counter[str] = Counter()
    plan = []
    for _ in range(1000):
        plan.append((rng.random(), rng.randrange(10**9)))

    def start_at(r: random.Random) -> datetime:
        day = DENVER_DAY + timedelta(days=r.randrange(4))
        minute = 8 * 60 + 5 * r.randrange(96)  # 08:00-15:55 on the 5-minute grid
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        return local.replace(tzinfo=__import__("zoneinfo").ZoneInfo("America/Denver"))

    def one(choice: float, seed: int) -> None:
        r = random.Random(seed)
        with lock:
            existing = list(booked)
        try:
            if choice < 0.6 or not existing:
                kind = r.choice(["visit", "visit", "procedure"])
                a = booking.book(
                    caller,
                    booking.BookingRequest(
                        patient_id=r.choice(clinic.patients),
                        provider_id=r.choice(clinic.providers),
                        location_id="loc-denver",
                        type_id=kind,
                        start=start_at(r),
                        overbook=r.random() < 0.03,
                    ),
                    ports=ports,
                    config=config,
                )
                with lock:
                    booked.append(a.appointment_id)
                outcomes["booked" + ("-overbook" if a.overbook else "")] += 1
            elif choice < 0.85:
                booking.reschedule(
                    caller,
                    r.choice(existing),
                    start=start_at(r),
                    provider_id=r.choice(clinic.providers),
                    ports=ports,
                )
                outcomes["rescheduled"] += 1
            else:
                victim = r.choice(existing)
                with lock:
                    if victim in booked:
                        booked.remove(victim)  # later picks only choose live appointments
                booking.cancel(caller, victim, reason=CancelReason.OTHER, ports=ports)
                outcomes["cancelled"] += 1
        except ClinicFlowError as exc:
            outcomes[f"refused:{exc.code}"] += 1

    started = time.perf_counter()
    threads = []
    chunks = [plan[i::12] for i in range(12)]
    for chunk in chunks:
        t = threading.Thread(target=lambda c=chunk: [one(*p) for p in c])
        threads.append(t)
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.perf_counter() - started
    assert sum(outcomes.values()) == 1000, outcomes
    assert (
        outcomes["booked"] > 100 and outcomes["rescheduled"] > 20 and outcomes["cancelled"] > 20
    ), outcomes
    assert outcomes["refused:slot_taken"] > 50, outcomes  # the burst really collided
    appointments, locks = _scan_appointments(tables)
    assert len(appointments) >= outcomes["booked"]
    assert overlaps_found(appointments) == []
    # every lock belongs to a time-holding, non-overbook appointment that covers its block
    by_id = {a.appointment_id: a for a in appointments}
    expected = {
        f"burst#LOCK#{k}#{res}#{block}" for a in appointments for k, res, block in a.lock_keys()
    }
    assert {lk["PK"] for lk in locks} == expected
    assert all(by_id[lk["appointment_id"]].holds_time for lk in locks)
    overbooks = [a for a in appointments if a.overbook]
    assert all(a.history[0].reason == "overbook" for a in overbooks)
    print(f"\nburst: {dict(outcomes)} in {elapsed:.1f}s")


class CallCounter:
    """Counts DynamoDB operations (all pynamodb calls go through Connection.dispatch)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.queries: list[dict[str, Any]] = []
        self._original = Connection.dispatch

    def __enter__(self) -> CallCounter:
        counter = self
        original = self._original

        def dispatch(
            conn: Connection, operation_name: str, operation_kwargs: dict[str, Any]
        ) -> Any:
            counter.calls[operation_name] += 1
            if operation_name == "Query":
                counter.queries.append(operation_kwargs)
            return original(conn, operation_name, operation_kwargs)

        Connection.dispatch = dispatch  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        Connection.dispatch = self._original  # type: ignore[method-assign]


def test_slot_search_for_20_providers_over_30_days_is_one_query_per_provider(tables: Any) -> None:
    clinic = make_clinic("calls", providers=20, patients=1, rooms=2)
    caller = clinic.caller(Role.FRONT_DESK)
    for i, provider in enumerate(clinic.providers[:5]):
        booking.book(
            caller,
            booking.BookingRequest(
                patient_id=clinic.patients[0],
                provider_id=provider,
                location_id="loc-denver",
                type_id="procedure",
                start=datetime(2027, 2, 2, 16 + i, tzinfo=UTC),
            ),
        )
    query = availability.SlotQuery(
        type_id="visit",
        location_id="loc-denver",
        first_day=date(2027, 2, 1),
        last_day=date(2027, 3, 2),
        limit=1000,
    )
    with CallCounter() as counter:
        result = availability.search_slots(caller, query)
    assert len(result.providers_searched) == 20 and result.slots
    calendar_queries = [q for q in counter.queries if "#CAL#" in str(q)]
    assert len(calendar_queries) == 20
    assert counter.calls["Query"] <= 20 + 2  # + the configuration and the provider list
    assert counter.calls["GetItem"] <= 1  # the location
    assert set(counter.calls) <= {"Query", "GetItem"}
    with CallCounter() as counter:
        availability.search_slots(
            caller, query.__class__(**{**query.__dict__, "type_id": "procedure"})
        )
    assert counter.calls["Query"] <= 20 + 3  # + the location's room calendar
    # a booking: reads, then exactly one write round trip
    with CallCounter() as counter:
        booking.book(
            caller,
            booking.BookingRequest(
                patient_id=clinic.patients[0],
                provider_id=clinic.providers[7],
                location_id="loc-denver",
                type_id="procedure",
                start=datetime(2027, 2, 3, 17, tzinfo=UTC),
            ),
        )
    assert counter.calls["TransactWriteItems"] == 1
    assert sum(counter.calls.values()) <= 6, counter.calls


class BarrierStore(DynamoSchedulingStore):
    """The real store; every booking waits for the others right before its transaction."""

    def __init__(self, barrier: threading.Barrier) -> None:
        self.barrier = barrier

    def book(self, *args: Any, **kwargs: Any) -> None:
        self.barrier.wait(timeout=30)
        super().book(*args, **kwargs)


def test_32_threads_writing_the_same_slot_at_once_exactly_one_wins(tables: Any) -> None:
    clinic = make_clinic("race", providers=1, patients=4, rooms=1)
    caller = clinic.caller(Role.FRONT_DESK)
    ports = Ports(BarrierStore(threading.Barrier(32)), ServiceDirectory(), DynamoAuditLog())
    results: list[str] = []
    lock = threading.Lock()

    def race(i: int) -> None:
        try:
            booking.book(
                caller,
                booking.BookingRequest(
                    patient_id=clinic.patients[i % 4],
                    provider_id=clinic.providers[0],
                    location_id="loc-denver",
                    type_id="procedure",
                    start=datetime(2027, 2, 9, 17, tzinfo=UTC),
                ),
                ports=ports,
            )
            outcome = "won"
        except ClinicFlowError as exc:
            outcome = exc.code
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results.count("won") == 1, Counter(results)
    assert set(results) <= {"won", "slot_taken", "conflict"}
    appointments, _ = _scan_appointments(tables)
    assert len([a for a in appointments if a.provider_id == clinic.providers[0]]) == 1
