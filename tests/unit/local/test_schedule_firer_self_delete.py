"""A one-time schedule whose target deletes it while running (as a waitlist hold does)."""

from __future__ import annotations

from datetime import UTC, timedelta

from clinicflow.local.clock import Clock, ScheduleFirer
from tests.unit.local.test_schedule_firer import FakeScheduler


class ResourceNotFoundException(Exception):  # botocore names it so; matched by name
    """What botocore raises for a schedule that is gone."""


class StrictScheduler(FakeScheduler):
    """Deleting a missing schedule fails, as on AWS."""

    def delete_schedule(self, GroupName: str, Name: str) -> None:
        if Name not in self.schedules:
            raise ResourceNotFoundException(Name)
        super().delete_schedule(GroupName, Name)


def test_a_target_that_deletes_its_own_schedule_does_not_break_the_tick():
    clock = Clock()
    scheduler = StrictScheduler()
    invoked: list[str] = []

    def target(name: str, payload: object) -> None:
        invoked.append(name)
        scheduler.delete_schedule("reminders", "hold")  # the handler disarms its own timer

    firer = ScheduleFirer(
        clock=clock,
        scheduler=scheduler,
        invoke_function=target,
        send_message=lambda arn, body: None,
    )
    due = (clock.now() + timedelta(minutes=5)).astimezone(UTC).replace(microsecond=0)
    scheduler.put("hold", due, stamp=1)
    scheduler.put("later", due + timedelta(hours=1), stamp=1)
    firer.fire_due()
    clock.advance(timedelta(minutes=6))
    assert firer.fire_due() == 1
    assert invoked == ["send"] and list(scheduler.schedules) == ["later"]
