"""Hold timer naming and timing (EventBridge Scheduler has a one-minute precision)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from clinicflow.scheduling.events import handle_hold_fire
from clinicflow.scheduling.timers import SchedulerHoldTimers, fire_time, schedule_name


@pytest.mark.parametrize(
    ("expires", "fires"),
    [
        (datetime(2027, 1, 5, 10, 0, 0, tzinfo=UTC), datetime(2027, 1, 5, 10, 0, tzinfo=UTC)),
        (datetime(2027, 1, 5, 10, 0, 1, tzinfo=UTC), datetime(2027, 1, 5, 10, 1, tzinfo=UTC)),
        (datetime(2027, 1, 5, 10, 0, 0, 5, tzinfo=UTC), datetime(2027, 1, 5, 10, 1, tzinfo=UTC)),
        (datetime(2027, 1, 5, 23, 59, 30, tzinfo=UTC), datetime(2027, 1, 6, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_timer_never_fires_before_the_hold_ends(expires, fires):
    assert fire_time(expires) == fires
    assert fire_time(expires) >= expires and fire_time(expires).second == 0


def test_schedule_names_are_valid_and_differ_by_practice():
    name = schedule_name("sunrise", "offer-0123456789abcdef")
    assert re.fullmatch(r"[0-9A-Za-z_.-]{1,64}", name)
    assert name == schedule_name("sunrise", "offer-0123456789abcdef")
    assert name != schedule_name("lakeside", "offer-0123456789abcdef")
    assert "sunrise" not in name and "offer" not in name


def test_without_a_configured_target_timers_do_nothing(monkeypatch):
    monkeypatch.delenv("WAITLIST_HOLD_TARGET_ARN", raising=False)
    timers = SchedulerHoldTimers()
    assert timers.schedules is None
    timers.disarm("sunrise", "offer-0123456789abcdef")  # no AWS call, no error


@pytest.mark.parametrize(
    "event",
    [{}, {"practice_id": "sunrise"}, {"practice_id": "sun rise", "offer_id": "offer-0"}],
)
def test_a_malformed_timer_input_is_dropped(event):
    assert handle_hold_fire(event) == {"outcome": "invalid"}
