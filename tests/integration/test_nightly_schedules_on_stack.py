"""Per-practice nightly schedules on the local stack: two practices, two zones, own local hour.

Profiles are saved through the practice service (as PUT /practice does; the stack's demo
users belong to Denver and Chicago practices), which puts each practice's billing schedule in
the nightly group. The local clock then fires each one at 03:00 in its own zone, starting a
billing cycle for that practice only. Other recurring schedules are paused meanwhile so the
clock's jump runs only what this test looks at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinicflow.local.stack import LocalStack
from clinicflow.practice import service
from clinicflow.practice.model import AddressInput, ProfileInput
from clinicflow.providers.service import system_caller
from tests.integration.test_reminders import pause_recurring_jobs, resume

pytestmark = pytest.mark.integration

GROUP = "clinicflow-local-nightly"
ZONES = {"east-nightly": "America/New_York", "west-nightly": "America/Los_Angeles"}


def _profile(time_zone: str, billing_hour: int) -> ProfileInput:
    return ProfileInput(
        legal_name="Synthetic Nightly Clinic",
        tax_id="36-4812077",
        group_npi="1234567893",
        taxonomy_code="207Q00000X",
        billing_address=AddressInput("100 Test Way", "Springfield", "IL", "627041234"),
        phone="+12175550142",
        time_zone=time_zone,
        billing_hour=billing_hour,
    )


@pytest.fixture
def practices(stack: LocalStack) -> Iterator[dict[str, str]]:
    """Two practices with profiles (billing at 03:00 local); only their schedules stay on."""
    paused = pause_recurring_jobs(stack)
    for practice_id, zone in ZONES.items():
        service.put_profile(system_caller(practice_id), _profile(zone, 3))
    yield ZONES
    scheduler = stack.client("scheduler")
    for practice_id in ZONES:
        scheduler.delete_schedule(GroupName=GROUP, Name=f"billing-{practice_id}")
    resume(stack, paused)


def _fired(stack: LocalStack, practice_id: str) -> list[datetime]:
    """When the practice's billing cycles were due (the run name carries the UTC instant)."""
    assert stack.template is not None
    machine = stack.template.arns["BillingCycleStateMachine"]
    runs = stack.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    prefix = f"billing-{practice_id}-"
    return sorted(
        datetime.strptime(r["name"][len(prefix) :] + "+0000", "%Y%m%dT%H%M%S%z")
        for r in runs
        if r["name"].startswith(prefix)
    )


def _next_local(stack: LocalStack, zone: str, hour: int) -> datetime:
    now = stack.clock.now().astimezone(ZoneInfo(zone))
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return target if target > now else target + timedelta(days=1)


def test_each_practice_runs_at_its_own_local_hour(
    stack: LocalStack, practices: dict[str, str]
) -> None:
    scheduler = stack.client("scheduler")
    for practice_id, zone in practices.items():
        found = scheduler.get_schedule(GroupName=GROUP, Name=f"billing-{practice_id}")
        assert found["ScheduleExpression"] == "cron(0 3 * * ? *)"
        assert found["ScheduleExpressionTimezone"] == zone
        assert json.loads(found["Target"]["Input"]) == {"practice_id": practice_id}

    east = _next_local(stack, "America/New_York", 3)
    west = _next_local(stack, "America/Los_Angeles", 3)
    first, second = sorted([("east-nightly", east), ("west-nightly", west)], key=lambda x: x[1])
    stack.advance_clock(first[1] - stack.clock.now() + timedelta(minutes=1))
    assert len(_fired(stack, first[0])) == 1
    assert _fired(stack, second[0]) == []
    stack.advance_clock(second[1] - stack.clock.now() + timedelta(minutes=1))

    for practice_id, zone in practices.items():
        (moment,) = _fired(stack, practice_id)
        local = moment.astimezone(ZoneInfo(zone))
        assert (local.hour, local.minute) == (3, 0), (practice_id, local)
    assert _fired(stack, "east-nightly")[0] != _fired(stack, "west-nightly")[0]


def test_a_changed_hour_moves_the_schedule(stack: LocalStack, practices: dict[str, str]) -> None:
    caller = system_caller("east-nightly")
    current = service.get_profile("east-nightly")
    service.put_profile(
        caller, _profile("America/New_York", 5), expected_version=current.stamp.version
    )
    found = stack.client("scheduler").get_schedule(GroupName=GROUP, Name="billing-east-nightly")
    assert found["ScheduleExpression"] == "cron(0 5 * * ? *)"
    assert found["ScheduleExpressionTimezone"] == "America/New_York"
