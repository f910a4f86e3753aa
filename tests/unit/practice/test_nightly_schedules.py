"""Per-practice nightly schedules: the cron spec, daylight saving, and the Scheduler adapter.

The spec is checked through the local stack's evaluator of Scheduler expressions (the same
rules AWS applies: cron fields in the schedule's time zone); the adapter against moto's
EventBridge Scheduler; the use cases with the in-memory practice repository.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from practice_fakes import FakePracticeRepo

from clinicflow.eligibility.policy import DEFAULT_NIGHTLY_HOUR
from clinicflow.local.schedule_expressions import due_times
from clinicflow.platform.errors import ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.practice import service
from clinicflow.practice.model import DEFAULT_BILLING_HOUR, AddressInput, ProfileInput
from clinicflow.practice.schedules import (
    Job,
    SchedulerStore,
    hour_of,
    nightly_schedule,
    schedule_name,
)

GROUP = "clinicflow-test-nightly"
ELIGIBILITY_ARN = (
    "arn:aws:lambda:us-east-1:123456789012:function:clinicflow-test-eligibility-nightly"
)
BILLING_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:clinicflow-test-billing-cycle"
ROLE = "arn:aws:iam::123456789012:role/clinicflow-test-nightly-scheduler"
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN = Caller("sunrise-admin", "sunrise", frozenset({Role.ADMIN}), "203.0.113.9")
STREET = AddressInput("1200 Sunrise Blvd", "Springfield", "IL", "627041234")


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _profile(time_zone: str, billing_hour: int = 2) -> ProfileInput:
    return ProfileInput(
        "Sunrise Family Medicine",
        "36-4812077",
        "1234567893",
        "207Q00000X",
        STREET,
        "2175550142",
        time_zone,
        billing_hour=billing_hour,
    )


def _fires(spec: Any, start: datetime, end: datetime) -> list[datetime]:
    return due_times(spec.expression, spec.time_zone, start, end, ANCHOR)


def test_the_local_hour_holds_across_both_daylight_saving_changes() -> None:
    spec = nightly_schedule(Job.ELIGIBILITY, "sunrise", "America/New_York", DEFAULT_NIGHTLY_HOUR)
    assert (spec.name, spec.expression, spec.time_zone) == (
        "eligibility-sunrise",
        "cron(0 3 * * ? *)",
        "America/New_York",
    )
    assert json.loads(spec.input) == {"practice_id": "sunrise"}
    # 03:00 New York is 08:00 UTC before 8 March 2026 and 07:00 UTC after it, every night.
    spring = _fires(spec, _utc(2026, 3, 6, 12), _utc(2026, 3, 11, 12))
    assert [(t.day, t.hour) for t in spring] == [(7, 8), (8, 7), (9, 7), (10, 7), (11, 7)]
    autumn = _fires(spec, _utc(2026, 10, 30, 12), _utc(2026, 11, 3, 12))
    assert [(t.day, t.hour) for t in autumn] == [(31, 7), (1, 8), (2, 8), (3, 8)]


def test_an_hour_that_does_not_exist_on_the_spring_night_is_skipped() -> None:
    # Why the default is 03:00: 02:00 does not exist on 8 March 2026 in New York, and
    # Scheduler skips a local time that does not exist.
    spec = nightly_schedule(Job.ELIGIBILITY, "sunrise", "America/New_York", 2)
    spring = _fires(spec, _utc(2026, 3, 6, 12), _utc(2026, 3, 10, 12))
    assert [(t.day, t.hour) for t in spring] == [(7, 7), (9, 6), (10, 6)]
    assert DEFAULT_BILLING_HOUR == DEFAULT_NIGHTLY_HOUR == 3


def test_two_zones_fire_at_their_own_local_hour() -> None:
    east = nightly_schedule(Job.BILLING, "east", "America/New_York", 2)
    west = nightly_schedule(Job.BILLING, "west", "America/Los_Angeles", 2)
    day = (_utc(2026, 7, 1, 12), _utc(2026, 7, 2, 12))
    assert _fires(east, *day) == [_utc(2026, 7, 2, 6)]
    assert _fires(west, *day) == [_utc(2026, 7, 2, 9)]


def test_an_hour_outside_the_day_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        nightly_schedule(Job.BILLING, "sunrise", "America/Denver", 24)
    assert "billing_hour" in str(err.value.errors)


def test_names_are_scheduler_safe_and_distinct_per_practice() -> None:
    assert schedule_name(Job.BILLING, "lakeside") == "billing-lakeside"
    odd = schedule_name(Job.ELIGIBILITY, "practice with spaces/" + "x" * 60)
    assert len(odd) <= 64 and odd.replace("-", "").isalnum()
    assert odd != schedule_name(Job.ELIGIBILITY, "practice with spaces/" + "y" * 60)
    assert hour_of("cron(0 23 * * ? *)") == 23 and hour_of("rate(1 day)") is None


@pytest.fixture
def scheduler() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("scheduler", region_name="us-east-1")
        client.create_schedule_group(Name=GROUP)
        yield client


@pytest.fixture
def store(scheduler: Any) -> SchedulerStore:
    return SchedulerStore(
        group=GROUP,
        targets={Job.ELIGIBILITY: ELIGIBILITY_ARN, Job.BILLING: BILLING_ARN},
        role_arn=ROLE,
        client=scheduler,
    )


def test_saving_the_profile_puts_the_billing_schedule_and_a_changed_hour_updates_it(
    scheduler: Any, store: SchedulerStore
) -> None:
    repo = FakePracticeRepo()
    service.put_profile(ADMIN, _profile("America/Denver"), repo=repo, schedules=store)
    first = scheduler.get_schedule(Name="billing-sunrise", GroupName=GROUP)
    assert first["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert first["ScheduleExpressionTimezone"] == "America/Denver"
    assert first["Target"]["Arn"] == BILLING_ARN and first["Target"]["RoleArn"] == ROLE
    assert json.loads(first["Target"]["Input"]) == {"practice_id": "sunrise"}

    service.put_profile(
        ADMIN, _profile("America/Denver", 4), expected_version=1, repo=repo, schedules=store
    )
    moved = scheduler.get_schedule(Name="billing-sunrise", GroupName=GROUP)
    assert moved["ScheduleExpression"] == "cron(0 4 * * ? *)"
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]
    assert names == ["billing-sunrise"]


def test_eligibility_schedule_follows_settings_and_the_profile_zone(
    scheduler: Any, store: SchedulerStore
) -> None:
    repo = FakePracticeRepo()
    service.put_profile(ADMIN, _profile("America/New_York"), repo=repo, schedules=store)
    service.schedule_nightly("sunrise", Job.ELIGIBILITY, 1, repo=repo, schedules=store)
    elig = scheduler.get_schedule(Name="eligibility-sunrise", GroupName=GROUP)
    assert (elig["ScheduleExpression"], elig["ScheduleExpressionTimezone"]) == (
        "cron(0 1 * * ? *)",
        "America/New_York",
    )
    assert elig["Target"]["Arn"] == ELIGIBILITY_ARN

    # The practice moves west: both schedules keep their local hour in the new zone.
    service.put_profile(
        ADMIN, _profile("America/Los_Angeles"), expected_version=1, repo=repo, schedules=store
    )
    elig = scheduler.get_schedule(Name="eligibility-sunrise", GroupName=GROUP)
    billing = scheduler.get_schedule(Name="billing-sunrise", GroupName=GROUP)
    assert elig["ScheduleExpressionTimezone"] == "America/Los_Angeles"
    assert elig["ScheduleExpression"] == "cron(0 1 * * ? *)"
    assert billing["ScheduleExpressionTimezone"] == "America/Los_Angeles"

    # Nightly checks off: the schedule goes (twice is harmless).
    service.schedule_nightly("sunrise", Job.ELIGIBILITY, None, repo=repo, schedules=store)
    service.schedule_nightly("sunrise", Job.ELIGIBILITY, None, repo=repo, schedules=store)
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]
    assert names == ["billing-sunrise"]


def test_a_practice_without_a_profile_uses_the_stack_zone_until_it_saves_one(
    store: SchedulerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRACTICE_TIME_ZONE", "America/Chicago")
    repo = FakePracticeRepo()
    spec = service.schedule_nightly("sunrise", Job.ELIGIBILITY, 3, repo=repo, schedules=store)
    assert spec is not None and spec.time_zone == "America/Chicago"
    service.put_profile(ADMIN, _profile("America/Denver"), repo=repo, schedules=store)
    moved = store.get(Job.ELIGIBILITY, "sunrise")
    assert moved is not None and moved.time_zone == "America/Denver"
    assert moved.expression == "cron(0 3 * * ? *)"


def test_an_invalid_profile_touches_no_schedule(scheduler: Any, store: SchedulerStore) -> None:
    repo = FakePracticeRepo()
    with pytest.raises(ValidationError) as err:
        service.put_profile(ADMIN, _profile("America/Denver", 25), repo=repo, schedules=store)
    assert [e.field for e in err.value.errors] == ["billing_hour"]
    assert scheduler.list_schedules(GroupName=GROUP)["Schedules"] == []
