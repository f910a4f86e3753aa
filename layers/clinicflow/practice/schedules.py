"""Per-practice nightly schedules: the eligibility batch and the billing cycle at a local hour.

One recurring EventBridge Scheduler schedule per practice and job, in the stack's nightly
group, named from the job and the practice id, `cron(0 H * * ? *)` in the practice's time
zone (Scheduler follows its daylight saving, so 02:00 stays 02:00 local). The target is the
job's function or state machine with `{"practice_id": ...}` as input: ids only, never PHI.

- The billing cycle's hour is the practice profile's `billing_hour`; saving the profile puts
  that schedule and moves the practice's other schedules to the profile's time zone.
- The eligibility batch's hour is the eligibility settings' `nightly_hour`; saving the settings
  puts the schedule (nightly checks on) or deletes it (off).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from clinicflow.platform.errors import FieldError, ValidationError
from clinicflow.platform.schedules import ScheduleGroup

logger = logging.getLogger("clinicflow.practice.schedules")

_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,48}$")
_CRON = re.compile(r"^cron\(0 (\d{1,2}) \* \* \? \*\)$")


class Job(StrEnum):
    """A nightly job a practice runs on its own schedule."""

    ELIGIBILITY = "eligibility"
    BILLING = "billing"


@dataclass(frozen=True)
class NightlySchedule:
    """What Scheduler needs for one practice's nightly job (the adapter adds the target)."""

    job: Job
    practice_id: str
    name: str
    expression: str
    time_zone: str

    @property
    def input(self) -> str:
        """The target's input: the practice, nothing else."""
        return json.dumps({"practice_id": self.practice_id}, sort_keys=True)


def schedule_name(job: Job, practice_id: str) -> str:
    """`<job>-<practice id>`, or a digest of the id when it is long or has other characters."""
    suffix = practice_id if _SAFE_ID.match(practice_id) else _digest(practice_id)
    return f"{job.value}-{suffix}"


def _digest(practice_id: str) -> str:
    return "p" + hashlib.sha256(practice_id.encode()).hexdigest()[:24]


def nightly_schedule(job: Job, practice_id: str, time_zone: str, hour: int) -> NightlySchedule:
    """The schedule running `job` daily at `hour`:00 local time in `time_zone`. Pure."""
    if not 0 <= hour <= 23:
        raise ValidationError([FieldError(f"{job.value}_hour", "must be an hour from 0 to 23")])
    return NightlySchedule(
        job=job,
        practice_id=practice_id,
        name=schedule_name(job, practice_id),
        expression=f"cron(0 {hour} * * ? *)",
        time_zone=time_zone,
    )


def hour_of(expression: str) -> int | None:
    """The local hour of a schedule this module wrote (None for any other expression)."""
    match = _CRON.match(expression)
    return int(match.group(1)) if match else None


class ScheduleStore(Protocol):
    """Where the practices' nightly schedules live (EventBridge Scheduler when deployed)."""

    def put(self, schedule: NightlySchedule) -> None:
        """Create the schedule, or update it in place."""
        ...

    def get(self, job: Job, practice_id: str) -> NightlySchedule | None:
        """The practice's schedule for `job`, if it has one."""
        ...

    def delete(self, job: Job, practice_id: str) -> None:
        """Delete the schedule if it exists."""
        ...


def set_job(
    practice_id: str,
    job: Job,
    hour: int | None,
    *,
    time_zone: str,
    store: ScheduleStore,
) -> NightlySchedule | None:
    """Run `job` nightly at `hour` for the practice (None: stop running it)."""
    if hour is None:
        store.delete(job, practice_id)
        logger.info(
            "nightly schedule removed", extra={"practice_id": practice_id, "job": job.value}
        )
        return None
    schedule = nightly_schedule(job, practice_id, time_zone, hour)
    store.put(schedule)
    logger.info(
        "nightly schedule set",
        extra={"practice_id": practice_id, "job": job.value, "hour": hour, "time_zone": time_zone},
    )
    return schedule


def move_to_zone(
    practice_id: str, time_zone: str, *, store: ScheduleStore, skip: Job | None = None
) -> None:
    """Keep each existing schedule of the practice at its local hour, in the new time zone."""
    for job in Job:
        current = store.get(job, practice_id) if job is not skip else None
        if current is None or current.time_zone == time_zone:
            continue
        hour = hour_of(current.expression)
        if hour is not None:
            set_job(practice_id, job, hour, time_zone=time_zone, store=store)


class SchedulerStore(ScheduleGroup):
    """ScheduleStore on EventBridge Scheduler: one group, one target per job, one role."""

    def __init__(
        self,
        *,
        group: str,
        targets: dict[Job, str],
        role_arn: str,
        dlq_arn: str = "",
        client: Any = None,
    ) -> None:
        super().__init__(group=group, role_arn=role_arn, dlq_arn=dlq_arn, client=client)
        self.targets = targets

    @classmethod
    def from_environment(cls) -> SchedulerStore | None:
        """The deployed store (template: NIGHTLY_*), or None where none is configured."""
        env = os.environ
        group = env.get("NIGHTLY_SCHEDULE_GROUP", "")
        if not group:
            return None
        return cls(
            group=group,
            targets={
                Job.ELIGIBILITY: env.get("NIGHTLY_ELIGIBILITY_TARGET_ARN", ""),
                Job.BILLING: env.get("NIGHTLY_BILLING_TARGET_ARN", ""),
            },
            role_arn=env.get("NIGHTLY_SCHEDULER_ROLE_ARN", ""),
            dlq_arn=env.get("NIGHTLY_SCHEDULE_DLQ_ARN", ""),
        )

    def _definition(self, schedule: NightlySchedule) -> dict[str, Any]:
        return {
            "Name": schedule.name,
            "GroupName": self.group,
            "Description": f"Nightly {schedule.job.value} of one practice, local time",
            "ScheduleExpression": schedule.expression,
            "ScheduleExpressionTimezone": schedule.time_zone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": self.target(self.targets[schedule.job], schedule.input, retries=2),
            "State": "ENABLED",
        }

    def put(self, schedule: NightlySchedule) -> None:
        """Update the schedule, or create it when it does not exist yet (idempotent)."""
        self.upsert(self._definition(schedule))

    def get(self, job: Job, practice_id: str) -> NightlySchedule | None:
        """The schedule as Scheduler holds it."""
        try:
            found = self.client.get_schedule(
                Name=schedule_name(job, practice_id), GroupName=self.group
            )
        except self.client.exceptions.ResourceNotFoundException:
            return None
        return NightlySchedule(
            job=job,
            practice_id=practice_id,
            name=str(found["Name"]),
            expression=str(found["ScheduleExpression"]),
            time_zone=str(found.get("ScheduleExpressionTimezone") or "UTC"),
        )

    def delete(self, job: Job, practice_id: str) -> None:
        """Delete the schedule if it exists."""
        self.delete_named(schedule_name(job, practice_id))


def default_store() -> ScheduleStore | None:
    """The deployed store, or None where the stack configures no nightly group (then saving
    a profile or settings changes no schedule, as in handler tests without Scheduler)."""
    return SchedulerStore.from_environment()


def fallback_time_zone() -> str:
    """The zone of a practice that has not saved its profile yet (template PracticeTimeZone)."""
    return os.environ.get("PRACTICE_TIME_ZONE") or "America/New_York"
