"""The current time for use cases that the local stack's clock must be able to move.

On AWS this is the wall clock. The local stack calls `use_clock` with its own clock, which
fires EventBridge Scheduler schedules and which tests advance: a handler a schedule invokes
then sees the same time that made the schedule due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _wall_clock() -> datetime:
    return datetime.now(UTC)


_clock: Callable[[], datetime] = _wall_clock


def utc_now() -> datetime:
    """The current time (UTC): the wall clock, or the clock given to `use_clock`."""
    return _clock()


def use_clock(clock: Callable[[], datetime] | None) -> None:
    """Read time from `clock` from now on; None: back to the wall clock."""
    global _clock
    _clock = clock or _wall_clock
