"""The local stack's clock: fires due EventBridge Scheduler schedules (the emulator never does).

Tests advance it; `now()` is real time plus the accumulated offset.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from clinicflow.local.schedule_expressions import due_times

logger = logging.getLogger("clinicflow.local.clock")


@dataclass
class Clock:
    """Wall-clock time that tests can move forward."""

    offset: timedelta = timedelta(0)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> datetime:
        """The stack's current time (UTC)."""
        with self._lock:
            return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward; returns the new time."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self.offset += delta
        return self.now()


def at_time(expression: str, timezone: str | None) -> datetime | None:
    """The UTC instant of a one-time `at(yyyy-mm-ddThh:mm:ss)` schedule expression."""
    if not expression.startswith("at(") or not expression.endswith(")"):
        return None
    local = datetime.fromisoformat(expression[3:-1])
    return local.replace(tzinfo=ZoneInfo(timezone or "UTC")).astimezone(UTC)


@dataclass
class ScheduleFirer:
    """Fires what is due: Scheduler schedules (at/rate/cron, in their time zone) and
    scheduled EventBridge rules (UTC), invoking the Lambda or sending to the SQS target."""

    clock: Clock
    scheduler: Any
    invoke_function: Callable[[str, dict[str, Any]], Any]
    send_message: Callable[[str, str], None]
    events: Any = None
    start_execution: Callable[[str, str, str], Any] | None = None
    fired: set[str] = field(default_factory=set)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    _checked: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # (group, name) → (LastModificationDate, definition): a tick reads only changed schedules
    _definitions: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = field(
        default_factory=dict, repr=False
    )

    def fire_due(self) -> int:
        """Fire every schedule due since the last check; returns how many fired."""
        with self._lock:
            now = self.clock.now()
            # The first check covers everything since the firer started: a clock moved
            # before the ticker's first tick must not skip what became due.
            after = self._checked or self.started
            listed = [(group, s) for group in self._groups() for s in self._schedules(group)]
            seen = {(group, s["Name"]) for group, s in listed}
            for gone in set(self._definitions) - seen:
                del self._definitions[gone]
            count = sum(self._fire_schedule(group, s, after, now) for group, s in listed)
            count += self._fire_rules(after, now)
            self._checked = now
            return count

    def _definition(self, group: str, summary: dict[str, Any]) -> dict[str, Any]:
        """The schedule's definition, read again only when its summary says it changed."""
        key, stamp = (group, summary["Name"]), summary.get("LastModificationDate")
        cached = self._definitions.get(key)
        if cached is not None and stamp is not None and cached[0] == stamp:
            return cached[1]
        schedule: dict[str, Any] = self.scheduler.get_schedule(GroupName=group, Name=key[1])
        self._definitions[key] = (stamp, schedule)
        return schedule

    def _fire_schedule(
        self, group: str, summary: dict[str, Any], after: datetime, now: datetime
    ) -> int:
        name = summary["Name"]
        schedule = self._definition(group, summary)
        if schedule.get("State") == "DISABLED":
            return 0
        expression = schedule["ScheduleExpression"]
        zone = schedule.get("ScheduleExpressionTimezone")
        when = at_time(expression, zone)
        if when is not None:  # one-time: fire once when due, however late the check
            times = [when] if when <= now else []
        else:
            times = due_times(expression, zone, after, now, anchor=self.started)
        fired = 0
        for moment in times:
            key = f"{group}/{name}@{moment.isoformat()}"
            if key in self.fired:
                continue
            self.fired.add(key)
            self._deliver(schedule["Target"], _run_name(name, moment))
            fired += 1
        if fired and when is not None and schedule.get("ActionAfterCompletion") == "DELETE":
            # The target may have deleted its own schedule meanwhile (AWS allows it too).
            try:
                self.scheduler.delete_schedule(GroupName=group, Name=name)
            except Exception as exc:
                if type(exc).__name__ != "ResourceNotFoundException":
                    raise
            self._definitions.pop((group, name), None)
        return fired

    def _fire_rules(self, after: datetime, now: datetime) -> int:
        if self.events is None:
            return 0
        fired = 0
        for rule in self.events.list_rules().get("Rules", []):
            expression = rule.get("ScheduleExpression")
            if not expression or rule.get("State") == "DISABLED":
                continue
            for moment in due_times(expression, "UTC", after, now, anchor=self.started):
                targets = self.events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
                for target in targets:
                    self._deliver(target, _run_name(rule["Name"], moment))
                fired += 1
        return fired

    def _groups(self) -> list[str]:
        groups = self.scheduler.list_schedule_groups().get("ScheduleGroups", [])
        return [g["Name"] for g in groups]

    def _schedules(self, group: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.scheduler.list_schedules(GroupName=group).get(
            "Schedules", []
        )
        return result

    def _deliver(self, target: dict[str, Any], run_name: str) -> None:
        """Deliver to one target; a failing target never stops the others (as on AWS)."""
        try:
            self._deliver_to(target, run_name)
        except Exception as exc:
            logger.warning(
                "schedule target failed",
                extra={
                    "service": str(target["Arn"]).split(":")[2],
                    "error_type": type(exc).__name__,
                },
            )

    def _deliver_to(self, target: dict[str, Any], run_name: str) -> None:
        arn = str(target["Arn"])
        payload = target.get("Input") or "{}"
        if ":lambda:" in arn:
            self.invoke_function(arn.rsplit(":", 1)[-1], json.loads(payload))
        elif ":sqs:" in arn:
            self.send_message(arn, payload)
        elif ":states:" in arn and self.start_execution is not None:
            self.start_execution(arn, payload, run_name)
        else:
            logger.warning(
                "schedule target not supported locally", extra={"service": arn.split(":")[2]}
            )


def _run_name(schedule: str, moment: datetime) -> str:
    """A unique, valid execution name per schedule and fire time (as Scheduler makes one)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", schedule)[:60]
    return f"{safe}-{moment:%Y%m%dT%H%M%S}"


@dataclass
class Ticker:
    """A daemon thread calling `tick` every `interval` seconds until stopped."""

    tick: Callable[[], object]
    interval: float = 1.0
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start ticking."""
        self._thread = threading.Thread(target=self._run, name="local-clock", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception as exc:  # keep ticking; the next tick retries
                logger.warning("clock tick failed", extra={"error_type": type(exc).__name__})

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
