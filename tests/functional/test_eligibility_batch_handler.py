"""The nightly batch's handlers and stores on DynamoDB Local: worker, planner, limiter, breaker.

Appointments come from a fake AppointmentSource (the scheduling adapter runs in the
integration test); coverages, checks, flags, leases and breakers are real items.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_eligibility_handler import PRACTICE, MemoryDocuments, _setup

from clinicflow.clearinghouse.breaker_store import DynamoBreakerStore
from clinicflow.clearinghouse.resilience import (
    BreakerPolicy,
    BreakerStatus,
    CircuitBreaker,
    CircuitOpenError,
    Permit,
)
from clinicflow.eligibility import jobs
from clinicflow.eligibility.batch import Visit
from clinicflow.eligibility.batch_store import DynamoFlagStore, DynamoPayerLimiter
from clinicflow.eligibility.policy import EligibilitySettings
from clinicflow.eligibility.store import DynamoSettingsRepository
from tests.functional.conftest import load_event, load_handler

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


class Source:
    def __init__(self, visits: list[Visit]) -> None:
        self.visits = visits

    def upcoming(self, practice_id: str, start: datetime, end: datetime) -> list[Visit]:
        return [v for v in self.visits if start <= v.start < end]

    def still_due(self, practice_id: str, appointment_id: str) -> bool:
        return True


class Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.deferred: list[tuple[str, int]] = []

    def send(self, bodies: Sequence[str]) -> None:
        self.bodies += bodies

    def defer(self, receipt_handle: str, seconds: int) -> None:
        self.deferred.append((receipt_handle, seconds))


@pytest.fixture
def batch(tables: Any, monkeypatch: pytest.MonkeyPatch) -> jobs.BatchPorts:
    ports = jobs.BatchPorts(source=Source([]), queue=Queue(), documents=MemoryDocuments())  # type: ignore[arg-type]
    monkeypatch.setattr(jobs, "_ports", ports)
    return ports


def _record(pid: str, appointment_id: str, message_id: str = "m-1") -> dict[str, Any]:
    (record,) = load_event("eligibility/worker_batch.json")["Records"]
    body = json.loads(record["body"]) | {
        "practice_id": PRACTICE,
        "patient_id": pid,
        "appointment_id": appointment_id,
        "start": START.isoformat(),
        "service_date": START.date().isoformat(),
    }
    return {**record, "messageId": message_id, "body": json.dumps(body)}


def worker(records: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = load_handler("eligibility_worker")({"Records": records}, None)
    return result


def test_worker_checks_flags_and_reuses_the_answer(invoke: Any, batch: jobs.BatchPorts) -> None:
    pid, cid = _setup(invoke, "SBX-INACTIVE-1")
    first = worker([_record(pid, "appt-a", "m-1")])
    assert first == {"batchItemFailures": []}
    flags, _ = DynamoFlagStore().between(
        PRACTICE, START - timedelta(hours=1), START + timedelta(hours=1)
    )
    (flag,) = flags
    assert (flag.kind.value, flag.problem, flag.coverage_id) == ("inactive", True, cid)
    assert flag.check_id
    # Redelivered (at least once): the cached answer is reused, the flag overwritten.
    assert worker([_record(pid, "appt-a", "m-2")]) == {"batchItemFailures": []}
    history, _ = batch.checks.for_coverage(PRACTICE, cid)
    assert len(history) == 1
    assert DynamoPayerLimiter().in_flight(PRACTICE, "MRDN1") == 0  # slots given back


def test_no_coverage_and_unreadable_messages(invoke: Any, batch: jobs.BatchPorts) -> None:
    patient = invoke("patients", "patients/create.json", practice_id=PRACTICE)
    pid = patient.body["id"]
    bad = {**_record(pid, "appt-x", "m-bad"), "body": "{not json"}
    result = worker([_record(pid, "appt-b", "m-ok"), bad])
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-bad"}]}
    flags, _ = DynamoFlagStore().between(
        PRACTICE, START - timedelta(hours=1), START + timedelta(hours=1)
    )
    assert [(f.appointment_id, f.kind.value) for f in flags] == [("appt-b", "no_coverage")]


def test_a_full_payer_defers_the_message(invoke: Any, batch: jobs.BatchPorts) -> None:
    pid, _ = _setup(invoke, "SBX-ACTIVE-1")
    DynamoSettingsRepository().put(
        PRACTICE, EligibilitySettings(payer_concurrency=1), previous_version=0
    )
    limiter = DynamoPayerLimiter()
    held = limiter.acquire(PRACTICE, "MRDN1", limit=1, lease_seconds=60)
    assert held
    result = worker([_record(pid, "appt-c", "m-3")])
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-3"}]}
    queue = batch.queue
    assert isinstance(queue, Queue)
    assert queue.deferred and 7 <= queue.deferred[0][1] <= 15
    limiter.release(PRACTICE, "MRDN1", held)
    assert worker([_record(pid, "appt-c", "m-3")]) == {"batchItemFailures": []}


def test_planner_enqueues_enabled_practices(invoke: Any, batch: jobs.BatchPorts) -> None:
    DynamoSettingsRepository().put(
        PRACTICE, EligibilitySettings(nightly_enabled=True, nightly_days=2), previous_version=0
    )
    batch.source = Source(
        [
            Visit("appt-1", "p1", START, START.date(), "98"),
            Visit("appt-2", "p2", START + timedelta(days=3), START.date(), "98"),
        ]
    )
    assert load_handler("eligibility_nightly")(load_event("eligibility/nightly.json"), None) == {
        "planned": 1
    }
    queue = batch.queue
    assert isinstance(queue, Queue)
    assert [json.loads(b)["appointment_id"] for b in queue.bodies] == ["appt-1"]


def test_limiter_never_exceeds_its_limit_under_contention(tables: Any) -> None:
    limiter = DynamoPayerLimiter()
    running = 0
    most = 0
    lock = threading.Lock()
    done = []

    def worker_thread() -> None:
        nonlocal running, most
        for _ in range(4):
            lease = None
            while lease is None:
                lease = limiter.acquire("prac-lim", "PAYER1", limit=3, lease_seconds=60)
                if lease is None:
                    time.sleep(0.005)
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.01)
            with lock:
                running -= 1
            limiter.release("prac-lim", "PAYER1", lease)
            done.append(1)

    threads = [threading.Thread(target=worker_thread) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 32 and most <= 3
    assert limiter.in_flight("prac-lim", "PAYER1") == 0


def test_an_expired_lease_frees_its_slot(tables: Any) -> None:
    now = [1000.0]
    limiter = DynamoPayerLimiter(clock=lambda: now[0])
    assert limiter.acquire("prac-lim", "P2", limit=1, lease_seconds=90)  # its worker crashes
    assert limiter.acquire("prac-lim", "P2", limit=1, lease_seconds=90) is None
    now[0] += 91
    assert limiter.acquire("prac-lim", "P2", limit=1, lease_seconds=90)
    assert limiter.in_flight("prac-lim", "P2") == 1


def test_breaker_state_is_shared_through_the_table(tables: Any) -> None:
    now = [1000.0]
    policy = BreakerPolicy(failure_threshold=2, cool_down_seconds=30)
    a = CircuitBreaker(DynamoBreakerStore(), policy, lambda: now[0])
    b = CircuitBreaker(DynamoBreakerStore(), policy, lambda: now[0])
    a.record_failure("core.example/P1")
    b.record_failure("core.example/P1")
    assert DynamoBreakerStore().load("core.example/P1").status is BreakerStatus.OPEN
    with pytest.raises(CircuitOpenError):
        a.acquire("core.example/P1")
    now[0] += 30
    assert b.acquire("core.example/P1") is Permit.PROBE
    with pytest.raises(CircuitOpenError):
        a.acquire("core.example/P1")
    b.record_success("core.example/P1")
    assert a.acquire("core.example/P1") is Permit.CALL
