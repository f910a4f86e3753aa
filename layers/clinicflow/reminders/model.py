"""Reminder rules, pure: the policy, which reminders an appointment gets and when, names.

Each reminder is one one-time schedule named after the appointment and the reminder's kind
(ids only, no PHI). Its input carries the practice, the appointment, the kind and the
appointment version at which the visit's time was last set: a firing for any other version
is stale and sends nothing, and a conditional write on (appointment, kind, version) lets one
firing at most send.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from clinicflow.messaging.model import DEFAULT_QUIET_HOURS, Channel, QuietHours, sms_send_time

ACTIVE_STATUSES = frozenset({"booked", "confirmed"})
SEND_DELAY = timedelta(minutes=1)  # a reminder already due is sent this long after booking
MAX_NAME = 64
MAX_QUIET = timedelta(hours=16)  # texts keep a daytime window of at least 8 hours
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class ReminderRule(BaseModel):
    """One reminder: a channel, so many hours before the visit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    hours_before: Annotated[int, Field(ge=1, le=336)]

    @property
    def kind(self) -> str:
        """The reminder's kind, e.g. `sms-24h` (unique within an appointment)."""
        return f"{self.channel.value}-{self.hours_before}h"


DEFAULT_RULES = (
    ReminderRule(channel=Channel.EMAIL, hours_before=72),
    ReminderRule(channel=Channel.SMS, hours_before=24),
)
Rules = Annotated[tuple[ReminderRule, ...], Field(max_length=6)]


def _local_time(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError("must be a local time HH:MM on the 24-hour clock, e.g. 21:00")
    return value


LocalTime = Annotated[str, AfterValidator(_local_time)]


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class QuietHoursPolicy(BaseModel):
    """No SMS from `start` to `end` (wall clock at the visit's location; the window may cross
    midnight), and none that would arrive less than `min_lead_minutes` before the visit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: LocalTime = "21:00"
    end: LocalTime = "08:00"
    min_lead_minutes: Annotated[int, Field(ge=0, le=1440)] = 120

    @model_validator(mode="after")
    def _sensible_window(self) -> QuietHoursPolicy:
        length = (_minutes(self.end) - _minutes(self.start)) % (24 * 60)
        if length == 0:
            raise ValueError("end must differ from start")
        if timedelta(minutes=length) > MAX_QUIET:
            raise ValueError("may last at most 16 hours (from start to end)")
        return self

    def window(self) -> QuietHours:
        """The domain rule these settings describe."""
        return QuietHours(
            start=time.fromisoformat(self.start),
            end=time.fromisoformat(self.end),
            min_lead=timedelta(minutes=self.min_lead_minutes),
        )


class ReminderPolicy(BaseModel):
    """A practice's reminders: its default rules and overrides per appointment type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: Rules = DEFAULT_RULES
    by_type: Annotated[dict[str, Rules], Field(max_length=200)] = {}
    quiet_hours: QuietHoursPolicy = QuietHoursPolicy()
    version: int = 0

    @model_validator(mode="after")
    def _unique_kinds(self) -> ReminderPolicy:
        for rules in (self.rules, *self.by_type.values()):
            kinds = [r.kind for r in rules]
            if len(set(kinds)) != len(kinds):
                raise ValueError("each channel and hours_before may appear once per list")
        return self

    def rules_for(self, type_id: str) -> tuple[ReminderRule, ...]:
        """The rules of an appointment type (its override, else the practice's)."""
        return self.by_type.get(type_id, self.rules)


@dataclass(frozen=True)
class AppointmentFacts:
    """What reminders need to know about an appointment (from scheduling's record)."""

    practice_id: str
    appointment_id: str
    patient_id: str
    location_id: str
    type_id: str
    time_zone: str
    start: datetime
    status: str
    version: int

    @property
    def active(self) -> bool:
        """True while the visit is still to happen (booked or confirmed)."""
        return self.status in ACTIVE_STATUSES

    def timing(self) -> tuple[Any, ...]:
        """What a reminder depends on: when, where, for whom, what type."""
        return (self.start, self.location_id, self.time_zone, self.patient_id, self.type_id)

    @classmethod
    def from_record(cls, practice_id: str, doc: dict[str, Any]) -> AppointmentFacts:
        """From scheduling's stored appointment (a JSON-like dict)."""
        start = doc["start"]
        return cls(
            practice_id=practice_id,
            appointment_id=str(doc["appointment_id"]),
            patient_id=str(doc["patient_id"]),
            location_id=str(doc["location_id"]),
            type_id=str(doc["type_id"]),
            time_zone=str(doc["time_zone"]),
            start=start if isinstance(start, datetime) else datetime.fromisoformat(str(start)),
            status=str(doc["status"]),
            version=int(doc.get("version", 1)),
        )


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder to schedule: its kind, channel and when it goes out (UTC)."""

    kind: str
    channel: Channel
    send_at: datetime


@dataclass(frozen=True)
class Plan:
    """An appointment's reminders as scheduled, and the version that timed them."""

    appointment_id: str
    patient_id: str
    timing_version: int
    start: datetime
    reminders: tuple[PlannedReminder, ...] = ()
    skipped: tuple[str, ...] = ()
    kinds_ever: tuple[str, ...] = field(default=())
    cancelled: bool = False

    def reminder(self, kind: str) -> PlannedReminder | None:
        """The planned reminder of a kind."""
        return next((r for r in self.reminders if r.kind == kind), None)


def plan_reminders(
    appointment: AppointmentFacts,
    rules: tuple[ReminderRule, ...],
    now: datetime,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
) -> tuple[list[PlannedReminder], list[str]]:
    """When each reminder goes out, and the kinds skipped (too late, or quiet hours).

    A reminder already due goes out shortly after booking, if the visit is still the minimum
    lead away; an SMS never goes out in the location's quiet hours.
    """
    zone = ZoneInfo(appointment.time_zone)
    planned: list[PlannedReminder] = []
    skipped: list[str] = []
    for rule in rules:
        due = max(appointment.start - timedelta(hours=rule.hours_before), now + SEND_DELAY)
        send_at: datetime | None = due
        if rule.channel is Channel.SMS:
            send_at = sms_send_time(due, appointment.start, zone, quiet)
        if send_at is None or appointment.start - send_at < quiet.min_lead:
            skipped.append(rule.kind)
            continue
        planned.append(PlannedReminder(rule.kind, rule.channel, send_at))
    return planned, skipped


def schedule_name(appointment_id: str, kind: str, *, deferred: bool = False) -> str:
    """The schedule's name: ids and the kind only (letters, digits, `-`, `_`, `.`)."""
    name = f"{appointment_id}.{kind}" + (".q" if deferred else "")
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:24]
    return f"r.{digest}.{kind}" + (".q" if deferred else "")


def schedule_input(
    practice_id: str, appointment_id: str, kind: str, version: int
) -> dict[str, Any]:
    """The schedule's input: ids, the kind and the timing version - nothing else."""
    return {
        "practice_id": practice_id,
        "appointment_id": appointment_id,
        "kind": kind,
        "version": version,
    }
