"""Backoff schedule and the circuit breaker's state machine (pure, with a fake clock)."""

from __future__ import annotations

import pytest

from clinicflow.clearinghouse.port import ClearinghouseUnavailableError
from clinicflow.clearinghouse.resilience import (
    Backoff,
    BreakerPolicy,
    BreakerState,
    BreakerStatus,
    CircuitBreaker,
    CircuitOpenError,
    MemoryBreakerStore,
    Permit,
    admit,
    failed,
    succeeded,
)

POLICY = BreakerPolicy(
    failure_threshold=3, window_seconds=60, cool_down_seconds=30, probe_lease_seconds=10
)


class Clock:
    def __init__(self, at: float = 1000.0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


# --- backoff ---------------------------------------------------------------------------


def test_backoff_ceilings_grow_exponentially_up_to_the_cap() -> None:
    b = Backoff(base=0.25, factor=2, cap=2)
    assert [b.ceiling(n) for n in range(6)] == [0.25, 0.5, 1, 2, 2, 2]


def test_backoff_is_full_jitter_between_zero_and_the_ceiling() -> None:
    b = Backoff(base=1, factor=2, cap=8)
    assert list(b.schedule(4, rand=lambda: 0.0)) == [0, 0, 0, 0]
    assert list(b.schedule(4, rand=lambda: 0.5)) == [0.5, 1, 2, 4]
    assert list(b.schedule(5, rand=lambda: 0.999))[-1] < 8


# --- pure transitions ------------------------------------------------------------------


def test_closed_admits_and_counts_failures_in_a_window() -> None:
    s = BreakerState()
    assert admit(s, 0, POLICY) == (Permit.CALL, s)
    s = failed(s, 100, POLICY)
    s = failed(s, 110, POLICY)
    assert (s.status, s.failures) == (BreakerStatus.CLOSED, 2)
    s = failed(s, 200, POLICY)  # outside the 60 s window: counting starts again
    assert (s.status, s.failures, s.window_start) == (BreakerStatus.CLOSED, 1, 200)


def test_threshold_failures_open_the_breaker() -> None:
    s = BreakerState()
    for t in (100, 101, 102):
        s = failed(s, t, POLICY)
    assert s.status is BreakerStatus.OPEN and s.opened_at == 102


def test_open_refuses_until_the_cool_down_then_offers_one_probe() -> None:
    s = BreakerState(status=BreakerStatus.OPEN, opened_at=100, failures=3)
    assert admit(s, 129, POLICY)[0] is Permit.REFUSE
    permit, probing = admit(s, 130, POLICY)
    assert permit is Permit.PROBE
    assert probing.status is BreakerStatus.HALF_OPEN and probing.probe_until == 140
    assert admit(probing, 135, POLICY)[0] is Permit.REFUSE  # someone else holds the probe
    assert admit(probing, 141, POLICY)[0] is Permit.PROBE  # the prober crashed: take over


def test_probe_success_closes_probe_failure_reopens() -> None:
    half = BreakerState(status=BreakerStatus.HALF_OPEN, probe_until=140, failures=3, version=4)
    closed = succeeded(half)
    assert closed.status is BreakerStatus.CLOSED and closed.failures == 0
    reopened = failed(half, 150, POLICY)
    assert reopened.status is BreakerStatus.OPEN and reopened.opened_at == 150


def test_success_without_failures_writes_nothing() -> None:
    s = BreakerState(version=3)
    assert succeeded(s) is s


# --- the breaker over a shared store ---------------------------------------------------


def test_breaker_opens_fails_fast_and_recovers_through_one_probe() -> None:
    clock = Clock()
    store = MemoryBreakerStore()
    one, two = CircuitBreaker(store, POLICY, clock), CircuitBreaker(store, POLICY, clock)
    for _ in range(3):
        assert one.acquire("h/P1") is Permit.CALL
        one.record_failure("h/P1")
    with pytest.raises(CircuitOpenError) as raised:
        two.acquire("h/P1")  # another instance sees the shared state
    assert isinstance(raised.value, ClearinghouseUnavailableError)
    assert two.acquire("h/OTHER") is Permit.CALL  # per payer
    clock.at += 30
    assert one.acquire("h/P1") is Permit.PROBE
    with pytest.raises(CircuitOpenError):
        two.acquire("h/P1")  # only one probe at a time
    one.record_success("h/P1")
    assert two.acquire("h/P1") is Permit.CALL
    assert store.load("h/P1").status is BreakerStatus.CLOSED


def test_a_failed_probe_reopens_for_another_cool_down() -> None:
    clock = Clock()
    store = MemoryBreakerStore()
    breaker = CircuitBreaker(store, POLICY, clock)
    for _ in range(3):
        breaker.record_failure("k")
    clock.at += 31
    assert breaker.acquire("k") is Permit.PROBE
    breaker.record_failure("k")
    with pytest.raises(CircuitOpenError):
        breaker.acquire("k")
    clock.at += 31
    assert breaker.acquire("k") is Permit.PROBE


def test_conditional_writes_let_only_one_racer_take_the_probe() -> None:
    store = MemoryBreakerStore()
    store.states["k"] = BreakerState(status=BreakerStatus.OPEN, opened_at=0, version=5)
    state = store.load("k")
    _, probing = admit(state, 100, POLICY)
    assert store.save("k", probing, expected_version=5)
    assert not store.save("k", probing, expected_version=5)  # the second racer loses
