"""Retries with exponential backoff and full jitter, and a circuit breaker shared by instances.

Pure rules plus a small store port: the breaker's state lives in DynamoDB
(`breaker_store.py`) so every Lambda instance sees the same state; each change is a write
conditioned on the version read, so two instances can't both take the half-open probe.

Breaker: CLOSED counts failures in a sliding window; `failure_threshold` failures within
`window_seconds` open it. OPEN refuses calls until `cool_down_seconds` have passed, then one
caller takes the probe (HALF_OPEN, with a lease so a crashed prober doesn't wedge it): a
success closes the breaker, a failure opens it again. See docs/adr (breaker and limiter).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from clinicflow.clearinghouse.port import ClearinghouseUnavailableError


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits U(0, min(cap, base * factor**n))."""

    base: float = 0.25
    factor: float = 2.0
    cap: float = 4.0

    def ceiling(self, retry: int) -> float:
        """The upper bound of the wait before retry number `retry` (0 = first retry)."""
        return float(min(self.cap, self.base * self.factor**retry))

    def delay(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """The wait before retry number `retry`."""
        return self.ceiling(retry) * rand()

    def schedule(self, retries: int, rand: Callable[[], float] = random.random) -> Iterator[float]:
        """The waits before each of `retries` retries."""
        for n in range(retries):
            yield self.delay(n, rand)


class BreakerStatus(StrEnum):
    """Where a breaker is."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerPolicy:
    """When a breaker opens and how long it stays open."""

    failure_threshold: int = 5
    window_seconds: float = 60.0
    cool_down_seconds: float = 30.0
    probe_lease_seconds: float = 30.0


@dataclass(frozen=True)
class BreakerState:
    """A breaker's stored state; `version` 0 means never stored."""

    status: BreakerStatus = BreakerStatus.CLOSED
    failures: int = 0
    window_start: float = 0.0
    opened_at: float = 0.0
    probe_until: float = 0.0
    version: int = 0


class Permit(StrEnum):
    """What a caller may do now."""

    CALL = "call"  # closed: go ahead
    PROBE = "probe"  # half-open: this caller is the one trial call
    REFUSE = "refuse"  # open (or someone else is probing): fail fast


def admit(state: BreakerState, now: float, policy: BreakerPolicy) -> tuple[Permit, BreakerState]:
    """The permit for a call now, and the state to store first (same object: nothing to store)."""
    if state.status is BreakerStatus.CLOSED:
        return Permit.CALL, state
    if state.status is BreakerStatus.OPEN:
        if now < state.opened_at + policy.cool_down_seconds:
            return Permit.REFUSE, state
    elif now < state.probe_until:  # half-open, probe lease still held by another caller
        return Permit.REFUSE, state
    probing = replace(
        state, status=BreakerStatus.HALF_OPEN, probe_until=now + policy.probe_lease_seconds
    )
    return Permit.PROBE, probing


def succeeded(state: BreakerState) -> BreakerState:
    """The state after a successful call (closed, counters reset)."""
    if state.status is BreakerStatus.CLOSED and state.failures == 0:
        return state
    return BreakerState(version=state.version)


def failed(state: BreakerState, now: float, policy: BreakerPolicy) -> BreakerState:
    """The state after a failed call (timeout, 5xx, connection refused)."""
    if state.status is BreakerStatus.HALF_OPEN:
        return replace(state, status=BreakerStatus.OPEN, opened_at=now, probe_until=0.0)
    if state.status is BreakerStatus.OPEN:
        return state
    fresh = now - state.window_start > policy.window_seconds
    failures = 1 if fresh else state.failures + 1
    window_start = now if fresh else state.window_start
    if failures >= policy.failure_threshold:
        return BreakerState(
            status=BreakerStatus.OPEN,
            failures=failures,
            window_start=window_start,
            opened_at=now,
            version=state.version,
        )
    return replace(state, failures=failures, window_start=window_start)


class BreakerStore(Protocol):
    """Where breaker states live (shared by every instance)."""

    def load(self, key: str) -> BreakerState:
        """The stored state (a fresh closed state when none)."""
        ...

    def save(self, key: str, state: BreakerState, *, expected_version: int) -> bool:
        """Store `state` (version + 1) if the stored version is `expected_version`; False if not."""
        ...


class CircuitOpenError(ClearinghouseUnavailableError):
    """The breaker for this payer is open: the call was not attempted."""

    code = "clearinghouse_circuit_open"


class CircuitBreaker:
    """A breaker per key (e.g. endpoint + payer id), its state in a shared store."""

    def __init__(
        self,
        store: BreakerStore,
        policy: BreakerPolicy | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.store = store
        self.policy = policy or BreakerPolicy()
        self.clock = clock or time.time

    def _change(
        self, key: str, step: Callable[[BreakerState], BreakerState], attempts: int = 3
    ) -> None:
        for _ in range(attempts):
            state = self.store.load(key)
            after = step(state)
            if after is state or self.store.save(key, after, expected_version=state.version):
                return

    def acquire(self, key: str) -> Permit:
        """CALL or PROBE, or raise CircuitOpenError (another instance may hold the probe)."""
        for _ in range(3):
            state = self.store.load(key)
            permit, after = admit(state, self.clock(), self.policy)
            if permit is Permit.REFUSE:
                break
            if after is state or self.store.save(key, after, expected_version=state.version):
                return permit
        raise CircuitOpenError(f"payer connection {key} is paused after repeated failures")

    def record_success(self, key: str) -> None:
        """Close the breaker (or keep it closed, resetting counted failures)."""
        self._change(key, succeeded)

    def record_failure(self, key: str) -> None:
        """Count a failure; may open the breaker."""
        self._change(key, lambda s: failed(s, self.clock(), self.policy))


class MemoryBreakerStore:
    """BreakerStore in a dict (tests, and the single-process sandbox)."""

    def __init__(self) -> None:
        self.states: dict[str, BreakerState] = {}

    def load(self, key: str) -> BreakerState:
        """The stored state, or a fresh one."""
        return self.states.get(key, BreakerState())

    def save(self, key: str, state: BreakerState, *, expected_version: int) -> bool:
        """Compare-and-set on the version."""
        if self.states.get(key, BreakerState()).version != expected_version:
            return False
        self.states[key] = replace(state, version=expected_version + 1)
        return True
