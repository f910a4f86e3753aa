"""Reminder use cases: follow appointment changes, fire a reminder exactly once, the policy.

`on_appointment_changed(old, new)` is called for every change of an appointment (by the
DynamoDB stream consumer of the main table, so scheduling needs no hook): booking plans and
schedules the reminders, a reschedule moves them, a cancellation deletes them. A recurring
series' occurrences are appointments, so each gets its own.

`fire_reminder(payload)` is what a schedule invokes. It sends nothing when the payload is stale
(the visit was moved or cancelled since), and a conditional write on (appointment, kind,
timing version) lets only one firing send, however often or late the schedule fires.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.messaging import service as messaging
from clinicflow.messaging import templates
from clinicflow.messaging.model import (
    Channel,
    MessageRecord,
    MessageStatus,
    SkipReason,
    in_quiet_hours,
    sms_send_time,
)
from clinicflow.messaging.service import Recipient
from clinicflow.platform.errors import FieldError, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.reminders.model import (
    AppointmentFacts,
    Plan,
    ReminderPolicy,
    plan_reminders,
    schedule_input,
    schedule_name,
)

logger = logging.getLogger("clinicflow.reminders")
POLICY_ROLES = frozenset({Role.ADMIN})


class ReminderStore(Protocol):
    """Plans, send gates, patients' upcoming appointments, the policy."""

    def get_plan(self, practice_id: str, appointment_id: str) -> Plan | None:
        """The appointment's plan."""
        ...

    def save_plan(self, practice_id: str, plan: Plan) -> bool:
        """Store a plan unless a newer timing version is stored."""
        ...

    def claim(
        self, practice_id: str, appointment_id: str, kind: str, version: int, at: datetime
    ) -> bool:
        """Win the right to send (appointment, kind, version)."""
        ...

    def settle(
        self,
        practice_id: str,
        appointment_id: str,
        kind: str,
        version: int,
        *,
        outcome: str,
        message_id: str,
    ) -> None:
        """Record what the winning send did."""
        ...

    def release(self, practice_id: str, appointment_id: str, kind: str, version: int) -> None:
        """Give a claim back after a failed send."""
        ...

    def sync_upcoming(
        self, practice_id: str, old: AppointmentFacts | None, new: AppointmentFacts | None
    ) -> None:
        """Keep a patient's upcoming appointments in step."""
        ...

    def upcoming(self, practice_id: str, patient_id: str, after: datetime) -> list[tuple[str, str]]:
        """(appointment id, status) of a patient's active appointments after a time."""
        ...

    def policy(self, practice_id: str) -> ReminderPolicy:
        """The practice's policy."""
        ...

    def save_policy(
        self, practice_id: str, policy: ReminderPolicy, *, previous_version: int, audit: AuditRecord
    ) -> None:
        """Store the policy on its version."""
        ...


class Schedules(Protocol):
    """One-time schedules (EventBridge Scheduler)."""

    def put(self, name: str, at: datetime, payload: dict[str, Any]) -> None:
        """Create or move a schedule."""
        ...

    def delete(self, name: str) -> None:
        """Delete a schedule if it exists."""
        ...


class Appointments(Protocol):
    """Scheduling, through its service."""

    def get(self, practice_id: str, appointment_id: str) -> AppointmentFacts | None:
        """One appointment."""
        ...

    def confirm(self, practice_id: str, appointment_id: str) -> AppointmentFacts | None:
        """Confirm an appointment (None when it can no longer be confirmed)."""
        ...


class Patients(Protocol):
    """Patients, through their service."""

    def recipient(self, practice_id: str, patient_id: str) -> Recipient | None:
        """A patient as a message recipient."""
        ...

    def by_mobile(self, practice_id: str, number: str) -> list[Recipient]:
        """Active patients with this mobile number."""
        ...

    def set_sms_consent(
        self, practice_id: str, patient_id: str, granted: bool, at: datetime
    ) -> None:
        """Record an SMS keyword opt-out (or opt-in) on the patient's consent."""
        ...


class Places(Protocol):
    """Practice and location names, through the practice service."""

    def location_name(self, practice_id: str, location_id: str) -> str:
        """A location's name."""
        ...

    def practice_name(self, practice_id: str) -> str:
        """The practice's name ('' when unknown)."""
        ...


@dataclass
class Ports:
    """Everything reminders use; tests pass fakes, handlers the defaults."""

    store: ReminderStore
    schedules: Schedules
    appointments: Appointments
    patients: Patients
    places: Places
    messaging: messaging.Ports


_ports: Ports | None = None


def default_ports() -> Ports:
    """DynamoDB, EventBridge Scheduler and the other slices' services (created once)."""
    global _ports
    if _ports is None:
        from clinicflow.reminders.adapters import (
            ServiceAppointments,
            ServicePatients,
            ServicePlaces,
        )
        from clinicflow.reminders.scheduler import EventBridgeSchedules
        from clinicflow.reminders.store import DynamoReminderStore

        _ports = Ports(
            DynamoReminderStore(),
            EventBridgeSchedules(),
            ServiceAppointments(),
            ServicePatients(),
            ServicePlaces(),
            messaging.default_ports(),
        )
    return _ports


def utc_now() -> datetime:
    """The current time (UTC), from messaging's clock (see `messaging.service.use_clock`)."""
    return messaging.utc_now()


# --- following appointment changes ---------------------------------------------------------


def _delete_all(plan: Plan | None, kinds: Sequence[str], appointment_id: str, ports: Ports) -> None:
    every = set(kinds) | set(plan.kinds_ever if plan else ())
    for kind in sorted(every):
        ports.schedules.delete(schedule_name(appointment_id, kind))
        ports.schedules.delete(schedule_name(appointment_id, kind, deferred=True))


def on_appointment_changed(
    practice_id: str,
    old: AppointmentFacts | None,
    new: AppointmentFacts | None,
    *,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> str:
    """Schedule, move or delete an appointment's reminders; returns what was done."""
    ports = ports or default_ports()
    now = now or utc_now()
    current = new or old
    if current is None:
        return "ignored"
    ports.store.sync_upcoming(practice_id, old, new)
    plan = ports.store.get_plan(practice_id, current.appointment_id)
    policy = ports.store.policy(practice_id)
    if new is None or not new.active or new.start <= now:
        if plan is not None and plan.timing_version > current.version:
            return "stale"
        kinds = [r.kind for r in policy.rules_for(current.type_id)]
        _delete_all(plan, kinds, current.appointment_id, ports)
        if plan is not None and not plan.cancelled:
            ports.store.save_plan(
                practice_id,
                Plan(
                    appointment_id=plan.appointment_id,
                    patient_id=plan.patient_id,
                    timing_version=current.version,
                    start=current.start,
                    kinds_ever=plan.kinds_ever,
                    cancelled=True,
                ),
            )
        return "deleted"
    timing_same = old is not None and old.timing() == new.timing()
    if plan is not None and not plan.cancelled and timing_same:
        return "unchanged"  # a status change (e.g. confirmed): the reminders stand
    if plan is not None and plan.timing_version >= new.version and plan.start == new.start:
        return "unchanged"  # a replayed stream record
    quiet = policy.quiet_hours.window()
    planned, skipped = plan_reminders(new, policy.rules_for(new.type_id), now, quiet)
    kinds_ever = tuple(sorted({*(plan.kinds_ever if plan else ()), *(r.kind for r in planned)}))
    fresh = Plan(
        appointment_id=new.appointment_id,
        patient_id=new.patient_id,
        timing_version=new.version,
        start=new.start,
        reminders=tuple(planned),
        skipped=tuple(skipped),
        kinds_ever=kinds_ever,
    )
    if not ports.store.save_plan(practice_id, fresh):
        return "stale"
    for reminder in planned:
        payload = schedule_input(practice_id, new.appointment_id, reminder.kind, new.version)
        ports.schedules.put(
            schedule_name(new.appointment_id, reminder.kind), reminder.send_at, payload
        )
    wanted = {r.kind for r in planned}
    for kind in kinds_ever:
        ports.schedules.delete(schedule_name(new.appointment_id, kind, deferred=True))
        if kind not in wanted:
            ports.schedules.delete(schedule_name(new.appointment_id, kind))
    return "scheduled" if plan is None else "moved"


# --- firing ----------------------------------------------------------------------------


def _fields(facts: AppointmentFacts, recipient: Recipient, ports: Ports) -> templates.Fields:
    return templates.Fields(
        first_name=recipient.first_name,
        when=facts.start.astimezone(ZoneInfo(facts.time_zone)),
        location_name=ports.places.location_name(facts.practice_id, facts.location_id),
        practice_name=ports.places.practice_name(facts.practice_id),
    )


def fire_reminder(
    payload: dict[str, Any], *, ports: Ports | None = None, now: datetime | None = None
) -> str:
    """Send one reminder if it is still current and nobody sent it; returns the outcome."""
    ports = ports or default_ports()
    now = now or utc_now()
    try:
        practice_id = str(payload["practice_id"])
        appointment_id = str(payload["appointment_id"])
        kind = str(payload["kind"])
        version = int(payload["version"])
    except (KeyError, TypeError, ValueError):
        return "invalid"
    plan = ports.store.get_plan(practice_id, appointment_id)
    if plan is None or plan.cancelled or plan.timing_version != version:
        return "stale"
    reminder = plan.reminder(kind)
    if reminder is None:
        return "stale"
    facts = ports.appointments.get(practice_id, appointment_id)
    if facts is None or not facts.active:
        return "inactive"
    if facts.start != plan.start:
        return "stale"  # moved; the stream consumer is about to reschedule
    if facts.start <= now:
        return "past"
    window = ports.store.policy(practice_id).quiet_hours.window()
    if reminder.channel is Channel.SMS:
        zone = ZoneInfo(facts.time_zone)
        quiet = in_quiet_hours(now, zone, window)
        send_at = sms_send_time(now, facts.start, zone, window)
        if send_at is None:
            reason = SkipReason.QUIET_HOURS if quiet else SkipReason.TOO_LATE
            return _skip(
                facts, plan, reminder.channel, kind, version, reason=reason, ports=ports, now=now
            )
        if quiet:  # a late firing landed in quiet hours: go out when they end instead
            ports.schedules.put(
                schedule_name(appointment_id, kind, deferred=True), send_at, payload
            )
            return "deferred"
    elif facts.start - now < window.min_lead:
        return _skip(
            facts,
            plan,
            reminder.channel,
            kind,
            version,
            reason=SkipReason.TOO_LATE,
            ports=ports,
            now=now,
        )
    if not ports.store.claim(practice_id, appointment_id, kind, version, now):
        return "duplicate"
    try:
        record = _send(facts, plan, reminder.channel, ports, now)
    except Exception:
        ports.store.release(practice_id, appointment_id, kind, version)
        raise
    ports.store.settle(
        practice_id,
        appointment_id,
        kind,
        version,
        outcome=record.status.value,
        message_id=record.message_id,
    )
    return "sent" if record.status is not MessageStatus.SKIPPED else f"skipped:{record.reason}"


def _skip(
    facts: AppointmentFacts,
    plan: Plan,
    channel: Channel,
    kind: str,
    version: int,
    *,
    reason: SkipReason,
    ports: Ports,
    now: datetime,
) -> str:
    """Record once, on the appointment, that a reminder could not go out in time."""
    practice_id = facts.practice_id
    if not ports.store.claim(practice_id, plan.appointment_id, kind, version, now):
        return "duplicate"
    record = messaging.record_skipped(
        practice_id,
        channel,
        f"reminder-{channel.value}",
        reason,
        patient_id=facts.patient_id,
        appointment_id=facts.appointment_id,
        ports=ports.messaging,
    )
    ports.store.settle(
        practice_id,
        plan.appointment_id,
        kind,
        version,
        outcome="skipped",
        message_id=record.message_id,
    )
    return f"skipped:{reason.value}"


def _send(
    facts: AppointmentFacts, plan: Plan, channel: Channel, ports: Ports, now: datetime
) -> MessageRecord:
    practice_id = facts.practice_id
    recipient = ports.patients.recipient(practice_id, facts.patient_id)
    if recipient is None:
        recipient = Recipient(facts.patient_id, "", "en", None, None, None, None)
    fields = _fields(facts, recipient, ports)
    if channel is Channel.SMS:
        body = templates.sms(templates.Kind.REMINDER, fields, recipient.language)
        return messaging.send_sms(
            practice_id,
            recipient,
            f"reminder-{channel.value}",
            body,
            appointment_id=facts.appointment_id,
            ports=ports.messaging,
            now=now,
        )
    email = templates.reminder_email(fields, recipient.language)
    return messaging.send_email(
        practice_id,
        recipient,
        f"reminder-{channel.value}",
        email,
        appointment_id=facts.appointment_id,
        ports=ports.messaging,
        now=now,
    )


# --- the policy ------------------------------------------------------------------------


def get_policy(caller: Caller, *, ports: Ports | None = None) -> ReminderPolicy:
    """The practice's reminder policy (any staff member may read it: it holds no PHI)."""
    ports = ports or default_ports()
    return ports.store.policy(caller.practice_id)


def put_policy(
    caller: Caller, policy: ReminderPolicy, *, expected_version: int, ports: Ports | None = None
) -> ReminderPolicy:
    """Replace the practice's reminder policy (admins); it applies to appointments booked or
    moved from now on."""
    caller.require(POLICY_ROLES)
    ports = ports or default_ports()
    current = ports.store.policy(caller.practice_id)
    if current.version != expected_version:
        raise ValidationError(FieldError("version", "is stale; reload the policy"))
    audit = AuditRecord.of(caller, Action.UPDATE, "reminder-policy", caller.practice_id)
    ports.store.save_policy(
        caller.practice_id, policy, previous_version=current.version, audit=audit
    )
    return policy.model_copy(update={"version": current.version + 1})
