"""In-memory fakes of every port reminders and messaging use (no mocks)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from clinicflow.audit.model import AuditRecord
from clinicflow.messaging import service as messaging
from clinicflow.messaging.model import RANK, MessageRecord, MessageStatus
from clinicflow.messaging.service import Recipient
from clinicflow.messaging.tasks import Task, TaskStatus
from clinicflow.reminders import service
from clinicflow.reminders.model import AppointmentFacts, Plan, ReminderPolicy

PRACTICE = "sunrise"
NUMBER = "+18885550100"


@dataclass
class FakeConsent:
    """A consent decision (patients' Consent has the same `status`)."""

    status: str
    at: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    method: str = "written"


GRANTED = FakeConsent("granted")
WITHDRAWN = FakeConsent("withdrawn")


@dataclass
class FakeMessageStore:
    messages: dict[tuple[str, str], MessageRecord] = field(default_factory=dict)
    suppressions: set[tuple[str, str]] = field(default_factory=set)
    inbound: set[tuple[str, str]] = field(default_factory=set)
    routes: dict[str, str] = field(default_factory=lambda: {NUMBER: PRACTICE})
    settings: dict[str, tuple[dict[str, Any], int]] = field(
        default_factory=lambda: {PRACTICE: ({"sms_number": NUMBER}, 1)}
    )
    tasks: dict[tuple[str, str], Task] = field(default_factory=dict)

    def record(self, practice_id: str, message: MessageRecord) -> None:
        key = (practice_id, message.message_id)
        old = self.messages.get(key)
        if old is not None and RANK[old.status] > RANK[message.status]:
            message = replace(message, status=old.status, status_at=old.status_at)
        self.messages[key] = message

    def update_status(
        self, practice_id: str, message_id: str, status: MessageStatus, at: datetime, detail: str
    ) -> bool:
        key = (practice_id, message_id)
        old = self.messages.get(key)
        if old is not None and RANK[old.status] >= RANK[status]:
            return False
        base = old or MessageRecord(message_id, "sms", "", status, at)  # type: ignore[arg-type]
        self.messages[key] = replace(base, status=status, status_at=at, detail=detail)
        return True

    def messages_of(self, practice_id: str, appointment_id: str) -> list[MessageRecord]:
        return [
            m
            for (p, _), m in self.messages.items()
            if p == practice_id and m.appointment_id == appointment_id
        ]

    def suppressed(self, practice_id: str, address: str) -> bool:
        return (practice_id, address.lower()) in self.suppressions

    def suppress(self, practice_id: str, address: str, reason: str, at: datetime) -> None:
        self.suppressions.add((practice_id, address.lower()))

    def first_delivery(self, practice_id: str, inbound_id: str, at: datetime) -> bool:
        if (practice_id, inbound_id) in self.inbound:
            return False
        self.inbound.add((practice_id, inbound_id))
        return True

    def practice_of_number(self, number: str) -> str | None:
        return self.routes.get(number)

    def settings_doc(self, practice_id: str) -> tuple[dict[str, Any], int]:
        return self.settings.get(practice_id, ({}, 0))

    def save_settings(
        self,
        practice_id: str,
        doc: dict[str, Any],
        *,
        previous_version: int,
        old_number: str | None,
        new_number: str | None,
        audit: AuditRecord,
    ) -> None:
        self.settings[practice_id] = (doc, previous_version + 1)
        if old_number:
            self.routes.pop(old_number, None)
        if new_number:
            self.routes[new_number] = practice_id

    def add_task(self, practice_id: str, task: Task) -> None:
        self.tasks.setdefault((practice_id, task.task_id), task)

    def open_tasks(self, practice_id: str, limit: int) -> list[Task]:
        return [t for (p, _), t in self.tasks.items() if p == practice_id and t.status == "open"][
            :limit
        ]

    def get_task(self, practice_id: str, task_id: str) -> Task | None:
        return self.tasks.get((practice_id, task_id))

    def close_task(self, practice_id: str, task: Task, audit: AuditRecord) -> None:
        self.tasks[(practice_id, task.task_id)] = task.model_copy(
            update={"status": TaskStatus.DONE}
        )


@dataclass
class FakeSms:
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def send_text(self, *, to: str, origin: str, body: str, context: dict[str, str]) -> str:
        if self.fail:
            raise RuntimeError("throttled")
        self.sent.append({"to": to, "origin": origin, "body": body, "context": context})
        return f"sms-{len(self.sent)}"


@dataclass
class FakeEmail:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send_email(
        self, *, to: str, subject: str, text: str, html: str, tags: dict[str, str]
    ) -> str:
        self.sent.append({"to": to, "subject": subject, "text": text, "html": html, "tags": tags})
        return f"email-{len(self.sent)}"


@dataclass
class FakeAudit:
    records: list[AuditRecord] = field(default_factory=list)

    def append(self, records: Any) -> None:
        self.records.extend(records)


@dataclass
class FakeReminderStore:
    plans: dict[tuple[str, str], Plan] = field(default_factory=dict)
    gates: dict[tuple[str, str, str, int], str] = field(default_factory=dict)
    upcoming_rows: dict[tuple[str, str], dict[str, tuple[str, str]]] = field(default_factory=dict)
    policies: dict[str, ReminderPolicy] = field(default_factory=dict)

    def get_plan(self, practice_id: str, appointment_id: str) -> Plan | None:
        return self.plans.get((practice_id, appointment_id))

    def save_plan(self, practice_id: str, plan: Plan) -> bool:
        old = self.plans.get((practice_id, plan.appointment_id))
        if old is not None and old.timing_version > plan.timing_version:
            return False
        self.plans[(practice_id, plan.appointment_id)] = plan
        return True

    def claim(
        self, practice_id: str, appointment_id: str, kind: str, version: int, at: datetime
    ) -> bool:
        key = (practice_id, appointment_id, kind, version)
        if key in self.gates:
            return False
        self.gates[key] = "sending"
        return True

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
        self.gates[(practice_id, appointment_id, kind, version)] = outcome

    def release(self, practice_id: str, appointment_id: str, kind: str, version: int) -> None:
        self.gates.pop((practice_id, appointment_id, kind, version), None)

    def sync_upcoming(
        self, practice_id: str, old: AppointmentFacts | None, new: AppointmentFacts | None
    ) -> None:
        if old is not None:
            self.upcoming_rows.get((practice_id, old.patient_id), {}).pop(old.appointment_id, None)
        if new is not None and new.active:
            rows = self.upcoming_rows.setdefault((practice_id, new.patient_id), {})
            rows[new.appointment_id] = (new.start.isoformat(), new.status)

    def upcoming(self, practice_id: str, patient_id: str, after: datetime) -> list[tuple[str, str]]:
        rows = self.upcoming_rows.get((practice_id, patient_id), {})
        ordered = sorted(rows.items(), key=lambda kv: kv[1][0])
        return [(a, s) for a, (start, s) in ordered if start > after.isoformat()]

    def policy(self, practice_id: str) -> ReminderPolicy:
        return self.policies.get(practice_id, ReminderPolicy())

    def save_policy(
        self, practice_id: str, policy: ReminderPolicy, *, previous_version: int, audit: AuditRecord
    ) -> None:
        self.policies[practice_id] = policy.model_copy(update={"version": previous_version + 1})


@dataclass
class FakeSchedules:
    schedules: dict[str, tuple[datetime, dict[str, Any]]] = field(default_factory=dict)
    history: list[tuple[str, str]] = field(default_factory=list)

    def put(self, name: str, at: datetime, payload: dict[str, Any]) -> None:
        self.history.append(("put", name))
        self.schedules[name] = (at, dict(payload))

    def delete(self, name: str) -> None:
        if self.schedules.pop(name, None) is not None:
            self.history.append(("delete", name))


@dataclass
class FakeAppointments:
    rows: dict[tuple[str, str], AppointmentFacts] = field(default_factory=dict)
    confirmed: list[str] = field(default_factory=list)

    def get(self, practice_id: str, appointment_id: str) -> AppointmentFacts | None:
        return self.rows.get((practice_id, appointment_id))

    def confirm(self, practice_id: str, appointment_id: str) -> AppointmentFacts | None:
        facts = self.rows.get((practice_id, appointment_id))
        if facts is None or facts.status != "booked":
            return None
        done = replace(facts, status="confirmed", version=facts.version + 1)
        self.rows[(practice_id, appointment_id)] = done
        self.confirmed.append(appointment_id)
        return done


@dataclass
class FakePatients:
    rows: dict[tuple[str, str], Recipient] = field(default_factory=dict)
    consent_changes: list[tuple[str, bool]] = field(default_factory=list)

    def recipient(self, practice_id: str, patient_id: str) -> Recipient | None:
        return self.rows.get((practice_id, patient_id))

    def by_mobile(self, practice_id: str, number: str) -> list[Recipient]:
        return [r for (p, _), r in self.rows.items() if p == practice_id and r.mobile == number]

    def set_sms_consent(
        self, practice_id: str, patient_id: str, granted: bool, at: datetime
    ) -> None:
        self.consent_changes.append((patient_id, granted))
        r = self.rows[(practice_id, patient_id)]
        consent = FakeConsent("granted" if granted else "withdrawn", at, "sms-keyword")
        self.rows[(practice_id, patient_id)] = replace(r, sms_consent=consent)


class FakePlaces:
    def location_name(self, practice_id: str, location_id: str) -> str:
        return {"loc-main": "Sunrise Main Clinic", "loc-west": "Sunrise West"}.get(
            location_id, "Clinic"
        )

    def practice_name(self, practice_id: str) -> str:
        return "Sunrise Family Medicine"


@dataclass
class World:
    """Every fake, wired as reminders' ports."""

    store: FakeReminderStore = field(default_factory=FakeReminderStore)
    schedules: FakeSchedules = field(default_factory=FakeSchedules)
    appointments: FakeAppointments = field(default_factory=FakeAppointments)
    patients: FakePatients = field(default_factory=FakePatients)
    messages: FakeMessageStore = field(default_factory=FakeMessageStore)
    sms: FakeSms = field(default_factory=FakeSms)
    email: FakeEmail = field(default_factory=FakeEmail)
    audit: FakeAudit = field(default_factory=FakeAudit)

    @property
    def messaging(self) -> messaging.Ports:
        return messaging.Ports(self.messages, self.sms, self.email, self.audit)

    @property
    def ports(self) -> service.Ports:
        return service.Ports(
            self.store,
            self.schedules,
            self.appointments,
            self.patients,
            FakePlaces(),
            self.messaging,
        )

    def add_patient(
        self,
        patient_id: str = "pat-1",
        *,
        first_name: str = "Robin",
        language: str = "en",
        mobile: str | None = "+13035550142",
        email: str | None = "robin@example.org",
        sms: FakeConsent | None = GRANTED,
        mail: FakeConsent | None = GRANTED,
    ) -> Recipient:
        r = Recipient(patient_id, first_name, language, email, mobile, sms, mail)
        self.patients.rows[(PRACTICE, patient_id)] = r
        return r

    def book(
        self,
        start: datetime,
        *,
        appointment_id: str = "appt-1",
        patient_id: str = "pat-1",
        time_zone: str = "America/Denver",
        location_id: str = "loc-main",
        type_id: str = "type-visit",
        now: datetime,
    ) -> AppointmentFacts:
        facts = AppointmentFacts(
            PRACTICE,
            appointment_id,
            patient_id,
            location_id,
            type_id,
            time_zone,
            start,
            "booked",
            1,
        )
        self.appointments.rows[(PRACTICE, appointment_id)] = facts
        service.on_appointment_changed(PRACTICE, None, facts, ports=self.ports, now=now)
        return facts

    def change(self, before: AppointmentFacts, now: datetime, **changes: Any) -> AppointmentFacts:
        after = replace(before, version=before.version + 1, **changes)
        self.appointments.rows[(PRACTICE, before.appointment_id)] = after
        service.on_appointment_changed(PRACTICE, before, after, ports=self.ports, now=now)
        return after

    def fire(self, name: str, now: datetime) -> str:
        _, payload = self.schedules.schedules[name]
        return service.fire_reminder(payload, ports=self.ports, now=now)


def at(text: str) -> datetime:
    """A UTC instant from `YYYY-MM-DDTHH:MM`."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


HOUR = timedelta(hours=1)
