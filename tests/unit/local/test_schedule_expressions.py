"""EventBridge schedule expressions as the local clock evaluates them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clinicflow.local.schedule_expressions import ScheduleExpressionError, due_times

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_nightly_cron_keeps_its_local_hour_across_both_dst_changes():
    # 03:00 in New York: 08:00 UTC in winter, 07:00 UTC in summer.
    spring = due_times(
        "cron(0 3 * * ? *)", "America/New_York", _utc(2026, 3, 7), _utc(2026, 3, 10), ANCHOR
    )
    assert spring == [_utc(2026, 3, 7, 8), _utc(2026, 3, 8, 7), _utc(2026, 3, 9, 7)]
    autumn = due_times(
        "cron(0 3 * * ? *)", "America/New_York", _utc(2026, 10, 31), _utc(2026, 11, 3), ANCHOR
    )
    assert autumn == [_utc(2026, 10, 31, 7), _utc(2026, 11, 1, 8), _utc(2026, 11, 2, 8)]


def test_cron_lists_ranges_steps_and_day_names():
    times = due_times(
        "cron(*/30 9-10 ? * MON-FRI *)",
        "UTC",
        _utc(2026, 11, 27, 8),
        _utc(2026, 11, 30, 11),
        ANCHOR,
    )  # Fri 27th, then Mon 30th
    assert [t.strftime("%a %H:%M") for t in times] == [
        "Fri 09:00",
        "Fri 09:30",
        "Fri 10:00",
        "Fri 10:30",
        "Mon 09:00",
        "Mon 09:30",
        "Mon 10:00",
        "Mon 10:30",
    ]


def test_rate_fires_on_its_period_from_the_anchor():
    times = due_times(
        "rate(15 minutes)",
        None,
        ANCHOR + timedelta(minutes=20),
        ANCHOR + timedelta(minutes=61),
        ANCHOR,
    )
    assert times == [ANCHOR + timedelta(minutes=m) for m in (30, 45, 60)]


def test_one_time_schedule_fires_only_inside_the_window():
    assert due_times(
        "at(2026-05-01T09:00:00)", "Europe/Paris", _utc(2026, 5, 1), _utc(2026, 5, 2), ANCHOR
    ) == [_utc(2026, 5, 1, 7)]
    assert (
        due_times("at(2026-05-01T09:00:00)", None, _utc(2026, 5, 2), _utc(2026, 5, 3), ANCHOR) == []
    )


@pytest.mark.parametrize("bad", ["cron(0 3 * *)", "cron(0 99 * * ? *)", "rate(5 weeks)", "daily"])
def test_unsupported_expressions_are_refused(bad):
    with pytest.raises(ScheduleExpressionError):
        due_times(bad, None, ANCHOR, ANCHOR + timedelta(days=1), ANCHOR)
