"""EventBridge Scheduler one-time schedules: `at(...)` in UTC, deleted after they run.

One adapter for every slice that needs "call this function at that time" (reminders,
waitlist holds): each gives its own group, target, scheduler role and dead-letter queue.
Inputs carry ids only, never PHI. Every call is idempotent.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any


class ScheduleGroup:
    """One EventBridge Scheduler group with its scheduler role and dead-letter queue: the
    target, upsert and delete that every schedule adapter of the project shares."""

    def __init__(self, *, group: str, role_arn: str, dlq_arn: str = "", client: Any = None) -> None:
        self._client = client
        self.group = group
        self.role_arn = role_arn
        self.dlq_arn = dlq_arn

    @property
    def client(self) -> Any:
        """The boto3 scheduler client (created on first use)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("scheduler")
        return self._client

    def target(self, arn: str, payload: str, *, retries: int) -> dict[str, Any]:
        """A schedule target: the role, retries for an hour, the dead-letter queue if any."""
        target: dict[str, Any] = {
            "Arn": arn,
            "RoleArn": self.role_arn,
            "Input": payload,
            "RetryPolicy": {"MaximumRetryAttempts": retries, "MaximumEventAgeInSeconds": 3600},
        }
        if self.dlq_arn:
            target["DeadLetterConfig"] = {"Arn": self.dlq_arn}
        return target

    def upsert(self, definition: dict[str, Any]) -> None:
        """Update the schedule, or create it when it does not exist yet (idempotent)."""
        errors = self.client.exceptions
        try:
            self.client.update_schedule(**definition)
        except errors.ResourceNotFoundException:
            try:
                self.client.create_schedule(**definition)
            except errors.ConflictException:  # created meanwhile by a concurrent call
                self.client.update_schedule(**definition)

    def delete_named(self, name: str) -> None:
        """Delete the schedule if it still exists."""
        with contextlib.suppress(self.client.exceptions.ResourceNotFoundException):
            self.client.delete_schedule(Name=name, GroupName=self.group)


class OneTimeSchedules(ScheduleGroup):
    """Create, move and delete one-time schedules in one group, all with one target."""

    def __init__(
        self,
        *,
        group: str,
        target_arn: str,
        role_arn: str,
        dlq_arn: str = "",
        client: Any = None,
    ) -> None:
        super().__init__(group=group, role_arn=role_arn, dlq_arn=dlq_arn, client=client)
        self.target_arn = target_arn

    def _definition(self, name: str, at: datetime, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "Name": name,
            "GroupName": self.group,
            "ScheduleExpression": f"at({at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": self.target(self.target_arn, json.dumps(payload, sort_keys=True), retries=10),
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
        }

    def put(self, name: str, at: datetime, payload: dict[str, Any]) -> None:
        """Create the schedule, or move it when it exists."""
        self.upsert(self._definition(name, at, payload))

    def delete(self, name: str) -> None:
        """Delete the schedule if it still exists."""
        self.delete_named(name)

    def exists(self, name: str) -> bool:
        """True when the schedule exists (tests, diagnostics)."""
        try:
            self.client.get_schedule(Name=name, GroupName=self.group)
        except self.client.exceptions.ResourceNotFoundException:
            return False
        return True
