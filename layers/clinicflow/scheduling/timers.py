"""Hold timers on EventBridge Scheduler: one one-time schedule per open waitlist offer.

The schedule fires when the hold runs out and invokes the waitlist-expiry function with
`{"practice_id", "offer_id"}` (ids only). Scheduler invokes with 60-second precision (a
schedule `at(10:00:30)` may run from 10:00:00), so the schedule is set for the first whole
minute at or after the hold's end: it never fires before the hold is over.

Configured by the template (`WAITLIST_HOLD_*`). Where no target is configured (unit and
handler tests outside the local stack) arming does nothing and holds end lazily, as they
also do whenever offers are read or answered.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta

from clinicflow.platform.schedules import OneTimeSchedules
from clinicflow.scheduling.model import Offer

PREFIX = "hold-"


def schedule_name(practice_id: str, offer_id: str) -> str:
    """The offer's schedule name: unique per practice and offer, ids hashed (<= 64 chars)."""
    digest = hashlib.sha256(f"{practice_id}\n{offer_id}".encode()).hexdigest()[:40]
    return PREFIX + digest


def fire_time(expires_at: datetime) -> datetime:
    """The first whole minute at or after `expires_at` (Scheduler's precision is a minute)."""
    floor = expires_at.replace(second=0, microsecond=0)
    return floor if floor == expires_at else floor + timedelta(minutes=1)


def payload(practice_id: str, offer_id: str) -> dict[str, str]:
    """What the schedule hands the expiry function."""
    return {"practice_id": practice_id, "offer_id": offer_id}


def _configured() -> OneTimeSchedules | None:
    env = os.environ
    target = env.get("WAITLIST_HOLD_TARGET_ARN", "")
    if not target:
        return None
    return OneTimeSchedules(
        group=env.get("WAITLIST_HOLD_SCHEDULE_GROUP", "clinicflow-waitlist-holds"),
        target_arn=target,
        role_arn=env.get("WAITLIST_HOLD_SCHEDULER_ROLE_ARN", ""),
        dlq_arn=env.get("WAITLIST_HOLD_DLQ_ARN", ""),
    )


class SchedulerHoldTimers:
    """HoldTimers on EventBridge Scheduler (given schedules, or the configured ones)."""

    def __init__(self, schedules: OneTimeSchedules | None = None) -> None:
        self._schedules = schedules
        self._looked_up = schedules is not None

    @property
    def schedules(self) -> OneTimeSchedules | None:
        """The schedules adapter; None when no target is configured."""
        if not self._looked_up:
            # The configuration is read on first use: the local stack sets it after import.
            self._schedules = _configured()
            self._looked_up = self._schedules is not None
        return self._schedules

    def arm(self, practice_id: str, offer: Offer) -> None:
        """Create (or move) the offer's schedule for the end of its hold."""
        if self.schedules is not None:
            self.schedules.put(
                schedule_name(practice_id, offer.offer_id),
                fire_time(offer.expires_at),
                payload(practice_id, offer.offer_id),
            )

    def disarm(self, practice_id: str, offer_id: str) -> None:
        """Delete the offer's schedule if it still exists."""
        if self.schedules is not None:
            self.schedules.delete(schedule_name(practice_id, offer_id))
