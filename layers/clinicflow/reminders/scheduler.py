"""EventBridge Scheduler adapter: one one-time schedule per reminder, deleted after it runs.

Schedules live in the stack's reminder group, target the send function through the
scheduler role, retry for an hour and then land in the reminders' dead-letter queue.
The mechanics are the shared `clinicflow.platform.schedules.OneTimeSchedules`.
"""

from __future__ import annotations

import os
from typing import Any

from clinicflow.platform.schedules import OneTimeSchedules


class EventBridgeSchedules(OneTimeSchedules):
    """Create/update/delete reminder schedules (idempotent), configured from the environment."""

    def __init__(self, client: Any = None) -> None:
        env = os.environ
        super().__init__(
            group=env.get("REMINDER_SCHEDULE_GROUP", "clinicflow-reminders"),
            target_arn=env.get("REMINDER_TARGET_ARN", ""),
            role_arn=env.get("REMINDER_SCHEDULER_ROLE_ARN", ""),
            dlq_arn=env.get("REMINDER_DLQ_ARN", ""),
            client=client,
        )
