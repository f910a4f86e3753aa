"""The local clock's schedule firer: each tick reads only the schedules that changed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from clinicflow.local.clock import Clock, ScheduleFirer


@dataclass
class FakeScheduler:
    """Scheduler's list/get/delete, counting the `GetSchedule` calls."""

    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)
    gets: int = 0

    def put(self, name: str, at: datetime, stamp: int) -> None:
        self.schedules[name] = {
            "Name": name,
            "GroupName": "reminders",
            "ScheduleExpression": f"at({at:%Y-%m-%dT%H:%M:%S})",
            "ScheduleExpressionTimezone": "UTC",
            "Target": {"Arn": "arn:aws:lambda:us-east-1:1:function:send", "Input": "{}"},
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
            "LastModificationDate": stamp,
        }

    def list_schedule_groups(self) -> dict[str, Any]:
        return {"ScheduleGroups": [{"Name": "reminders"}]}

    def list_schedules(self, GroupName: str) -> dict[str, Any]:
        keys = ("Name", "GroupName", "State", "LastModificationDate")
        return {"Schedules": [{k: s[k] for k in keys} for s in self.schedules.values()]}

    def get_schedule(self, GroupName: str, Name: str) -> dict[str, Any]:
        self.gets += 1
        return json.loads(json.dumps(self.schedules[Name]))

    def delete_schedule(self, GroupName: str, Name: str) -> None:
        del self.schedules[Name]


def test_ticks_read_a_schedule_again_only_when_it_changed():
    clock = Clock()
    scheduler = FakeScheduler()
    invoked: list[str] = []
    firer = ScheduleFirer(
        clock=clock,
        scheduler=scheduler,
        invoke_function=lambda name, payload: invoked.append(name),
        send_message=lambda arn, body: None,
    )
    soon = (clock.now() + timedelta(hours=1)).astimezone(UTC).replace(microsecond=0)
    scheduler.put("a", soon, stamp=1)
    scheduler.put("b", soon + timedelta(hours=1), stamp=1)
    for _ in range(3):
        assert firer.fire_due() == 0
    assert scheduler.gets == 2  # read once each, then served from the cache
    scheduler.put("b", soon + timedelta(minutes=30), stamp=2)  # moved: read again
    firer.fire_due()
    assert scheduler.gets == 3
    clock.advance(timedelta(minutes=91))
    assert firer.fire_due() == 2 and invoked == ["send", "send"]  # the moved time counts
    assert scheduler.schedules == {}  # ActionAfterCompletion: DELETE
    assert firer.fire_due() == 0
