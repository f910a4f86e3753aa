"""Messaging use cases: send (with consent, suppression and number checks), record delivery
statuses and SES feedback, settings, front-desk tasks, an appointment's messages.

Nothing is sent without a granted consent on the channel. Every message, sent or skipped, is
recorded (ids, kind, status - never the text) and, when it concerns an appointment, listed on
that appointment. Sends are audited as the system actor.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.messaging.model import (
    E164,
    Channel,
    ConsentView,
    MessageRecord,
    MessageStatus,
    MessagingSettings,
    SkipReason,
    consented,
    sms_event_status,
)
from clinicflow.messaging.tasks import MAX_NOTE, Task, TaskStatus
from clinicflow.messaging.templates import Email
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role

logger = logging.getLogger("clinicflow.messaging")
SYSTEM_ACTOR = "system:messaging"
TASK_ROLES = frozenset({Role.FRONT_DESK, Role.ADMIN})
SETTINGS_ROLES = frozenset({Role.ADMIN})
MESSAGE_READ_ROLES = frozenset({Role.FRONT_DESK, Role.ADMIN, Role.PROVIDER})


class SmsSender(Protocol):
    """Sends a text; returns the provider's message id."""

    def send_text(self, *, to: str, origin: str, body: str, context: dict[str, str]) -> str:
        """Send one SMS."""
        ...


class EmailSender(Protocol):
    """Sends an email; returns the provider's message id."""

    def send_email(
        self, *, to: str, subject: str, text: str, html: str, tags: dict[str, str]
    ) -> str:
        """Send one email."""
        ...


class MessageStore(Protocol):
    """Where messages, suppressions, settings and tasks live."""

    def record(self, practice_id: str, message: MessageRecord) -> None:
        """Record a message's facts (keeping a status that already arrived)."""
        ...

    def update_status(
        self, practice_id: str, message_id: str, status: MessageStatus, at: datetime, detail: str
    ) -> bool:
        """Raise a message's status (lower ranks ignored)."""
        ...

    def messages_of(self, practice_id: str, appointment_id: str) -> list[MessageRecord]:
        """Messages of an appointment."""
        ...

    def suppressed(self, practice_id: str, address: str) -> bool:
        """True when email to the address is stopped."""
        ...

    def suppress(self, practice_id: str, address: str, reason: str, at: datetime) -> None:
        """Stop email to an address."""
        ...

    def first_delivery(self, practice_id: str, inbound_id: str, at: datetime) -> bool:
        """True the first time an inbound message id is seen."""
        ...

    def practice_of_number(self, number: str) -> str | None:
        """The practice owning an origination number."""
        ...

    def settings_doc(self, practice_id: str) -> tuple[dict[str, Any], int]:
        """Settings document and version."""
        ...

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
        """Store settings (and the number's route) on their version."""
        ...

    def add_task(self, practice_id: str, task: Task) -> None:
        """Store a task (idempotent)."""
        ...

    def open_tasks(self, practice_id: str, limit: int) -> list[Task]:
        """Open tasks, oldest first."""
        ...

    def get_task(self, practice_id: str, task_id: str) -> Task | None:
        """One task."""
        ...

    def close_task(self, practice_id: str, task: Task, audit: AuditRecord) -> None:
        """Close a task."""
        ...


class AuditLog(Protocol):
    """Append-only audit trail."""

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append records."""
        ...


@dataclass
class Ports:
    """What messaging needs; tests pass fakes, handlers the defaults."""

    store: MessageStore
    sms: SmsSender
    email: EmailSender
    audit: AuditLog


_ports: Ports | None = None


def default_ports() -> Ports:
    """DynamoDB, End User Messaging SMS, SES and the audit table (created once)."""
    global _ports
    if _ports is None:
        from clinicflow.messaging.adapters import EndUserMessagingSmsSender, SesEmailSender
        from clinicflow.messaging.store import DynamoAuditLog, DynamoMessageStore

        _ports = Ports(
            DynamoMessageStore(), EndUserMessagingSmsSender(), SesEmailSender(), DynamoAuditLog()
        )
    return _ports


def _wall_clock() -> datetime:
    return datetime.now(UTC)


_clock: Callable[[], datetime] = _wall_clock


def utc_now() -> datetime:
    """The current time (UTC): the wall clock, or the clock given to `use_clock`."""
    return _clock()


def use_clock(clock: Callable[[], datetime] | None) -> None:
    """Read time from `clock` (the local stack's, which tests move forward); None: wall clock.

    Reminders and replies take every decision (quiet hours, lateness, next appointment) at
    this time, so that on the local stack they agree with the clock that fires the schedules.
    """
    global _clock
    _clock = clock or _wall_clock


def system_caller(practice_id: str, actor: str = SYSTEM_ACTOR) -> Caller:
    """The identity system work acts as (audit records name it)."""
    return Caller(username=actor, practice_id=practice_id, roles=frozenset({Role.ADMIN}))


@dataclass(frozen=True)
class Recipient:
    """A patient as messaging sees them: ids, first name, language, addresses, consents."""

    patient_id: str
    first_name: str
    language: str
    email: str | None
    mobile: str | None
    sms_consent: ConsentView | None
    email_consent: ConsentView | None


def _skipped(channel: Channel, kind: str, reason: SkipReason, **ids: str) -> MessageRecord:
    return MessageRecord(
        message_id=f"skip-{uuid.uuid4().hex[:20]}",
        channel=channel,
        kind=kind,
        status=MessageStatus.SKIPPED,
        at=utc_now(),
        reason=reason.value,
        patient_id=ids.get("patient_id", ""),
        appointment_id=ids.get("appointment_id", ""),
    )


def _finish(
    practice_id: str, record: MessageRecord, ports: Ports, actor: str = SYSTEM_ACTOR
) -> MessageRecord:
    ports.store.record(practice_id, record)
    if record.status is not MessageStatus.SKIPPED:
        caller = system_caller(practice_id, actor)
        ports.audit.append(
            [
                AuditRecord.of(
                    caller,
                    Action.CREATE,
                    f"message:{record.channel.value}",
                    record.message_id,
                    patient_id=record.patient_id,
                )
            ]
        )
    logger.info(
        "message recorded",
        extra={"channel": record.channel.value, "kind": record.kind, "status": record.status},
    )
    return record


def record_skipped(
    practice_id: str,
    channel: Channel,
    kind: str,
    reason: SkipReason,
    *,
    patient_id: str = "",
    appointment_id: str = "",
    ports: Ports | None = None,
) -> MessageRecord:
    """Record a message that was not sent, and why (e.g. quiet hours left no time)."""
    ports = ports or default_ports()
    record = _skipped(channel, kind, reason, patient_id=patient_id, appointment_id=appointment_id)
    return _finish(practice_id, record, ports)


def settings_of(practice_id: str, *, ports: Ports | None = None) -> MessagingSettings:
    """A practice's messaging settings (defaults when never set)."""
    ports = ports or default_ports()
    doc, version = ports.store.settings_doc(practice_id)
    return MessagingSettings(sms_number=doc.get("sms_number") or None, version=version)


def send_sms(
    practice_id: str,
    recipient: Recipient,
    kind: str,
    body: str,
    *,
    appointment_id: str = "",
    to: str | None = None,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> MessageRecord:
    """Text a patient (their mobile, or `to` for a reply), if they consented to SMS."""
    ports = ports or default_ports()
    ids = {"patient_id": recipient.patient_id, "appointment_id": appointment_id}
    number = to or recipient.mobile
    if not consented(recipient.sms_consent):
        return _finish(
            practice_id, _skipped(Channel.SMS, kind, SkipReason.NO_CONSENT, **ids), ports
        )
    if not number:
        return _finish(
            practice_id, _skipped(Channel.SMS, kind, SkipReason.NO_ADDRESS, **ids), ports
        )
    origin = settings_of(practice_id, ports=ports).sms_number
    if not origin:
        record = _skipped(Channel.SMS, kind, SkipReason.NO_SMS_NUMBER, **ids)
        return _finish(practice_id, record, ports)
    message_id = ports.sms.send_text(
        to=number,
        origin=origin,
        body=body,
        context={"practice_id": practice_id, "appointment_id": appointment_id},
    )
    record = MessageRecord(
        message_id=message_id,
        channel=Channel.SMS,
        kind=kind,
        status=MessageStatus.QUEUED,
        at=now or utc_now(),
        patient_id=recipient.patient_id,
        appointment_id=appointment_id,
    )
    return _finish(practice_id, record, ports)


def send_email(
    practice_id: str,
    recipient: Recipient,
    kind: str,
    email: Email,
    *,
    appointment_id: str = "",
    ports: Ports | None = None,
    now: datetime | None = None,
) -> MessageRecord:
    """Email a patient, if they consented and their address has not bounced or complained."""
    ports = ports or default_ports()
    ids = {"patient_id": recipient.patient_id, "appointment_id": appointment_id}
    if not consented(recipient.email_consent):
        record = _skipped(Channel.EMAIL, kind, SkipReason.NO_CONSENT, **ids)
        return _finish(practice_id, record, ports)
    if not recipient.email:
        record = _skipped(Channel.EMAIL, kind, SkipReason.NO_ADDRESS, **ids)
        return _finish(practice_id, record, ports)
    if ports.store.suppressed(practice_id, recipient.email):
        record = _skipped(Channel.EMAIL, kind, SkipReason.SUPPRESSED, **ids)
        return _finish(practice_id, record, ports)
    message_id = ports.email.send_email(
        to=recipient.email,
        subject=email.subject,
        text=email.text,
        html=email.html,
        tags={"practice_id": practice_id, "appointment_id": appointment_id},
    )
    record = MessageRecord(
        message_id=message_id,
        channel=Channel.EMAIL,
        kind=kind,
        status=MessageStatus.SENT,
        at=now or utc_now(),
        patient_id=recipient.patient_id,
        appointment_id=appointment_id,
    )
    return _finish(practice_id, record, ports)


# --- events from AWS -----------------------------------------------------------------------


def _event_time(millis: Any, fallback: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(millis) / 1000, UTC)
    except (TypeError, ValueError):
        return fallback


def record_sms_event(event: dict[str, Any], *, ports: Ports | None = None) -> bool:
    """Record one End User Messaging SMS event (delivery status); False when ignored."""
    ports = ports or default_ports()
    status = sms_event_status(str(event.get("eventType", "")))
    practice_id = str((event.get("context") or {}).get("practice_id") or "")
    message_id = str(event.get("messageId") or "")
    if status is None or not practice_id or not message_id:
        return False
    at = _event_time(event.get("eventTimestamp"), utc_now())
    detail = str(event.get("eventType", ""))
    return ports.store.update_status(practice_id, message_id, status, at, detail)


def _tag(mail: dict[str, Any], name: str) -> str:
    value = (mail.get("tags") or {}).get(name) or [""]
    return str(value[0] if isinstance(value, list) else value)


def _iso_time(value: Any, fallback: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def record_email_event(event: dict[str, Any], *, ports: Ports | None = None) -> bool:
    """Record one SES event (Delivery, Bounce, Complaint, Reject) at the time SES reports:
    permanent bounces and complaints stop further email to the address."""
    ports = ports or default_ports()
    kind = str(event.get("eventType") or event.get("notificationType") or "")
    mail = event.get("mail") or {}
    practice_id = _tag(mail, "practice_id")
    message_id = str(mail.get("messageId") or "")
    if not practice_id or not message_id:
        return False
    details = event.get(kind.lower()) or {}
    now = _iso_time(details.get("timestamp") if isinstance(details, dict) else None, utc_now())
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        permanent = bounce.get("bounceType") == "Permanent"
        if permanent:
            for r in bounce.get("bouncedRecipients") or []:
                ports.store.suppress(practice_id, str(r.get("emailAddress", "")), "bounce", now)
        status = MessageStatus.BOUNCED if permanent else MessageStatus.FAILED
        detail = f"bounce:{bounce.get('bounceType', '')}"
    elif kind == "Complaint":
        for r in (event.get("complaint") or {}).get("complainedRecipients") or []:
            ports.store.suppress(practice_id, str(r.get("emailAddress", "")), "complaint", now)
        status, detail = MessageStatus.COMPLAINED, "complaint"
    elif kind == "Delivery":
        status, detail = MessageStatus.DELIVERED, "delivery"
    elif kind == "Reject":
        status, detail = MessageStatus.FAILED, "reject"
    else:
        return False
    return ports.store.update_status(practice_id, message_id, status, now, detail)


# --- settings ------------------------------------------------------------------------------


def put_settings(
    caller: Caller,
    *,
    sms_number: str | None,
    expected_version: int,
    ports: Ports | None = None,
) -> MessagingSettings:
    """Set the practice's SMS origination number (admins). A number serves one practice."""
    caller.require(SETTINGS_ROLES)
    ports = ports or default_ports()
    if sms_number is not None and not E164.match(sms_number):
        raise ValidationError(FieldError("sms_number", "must be an E.164 number such as +1..."))
    current = settings_of(caller.practice_id, ports=ports)
    if current.version != expected_version:
        raise ValidationError(FieldError("version", "is stale; reload the settings"))
    audit = AuditRecord.of(caller, Action.UPDATE, "messaging-settings", caller.practice_id)
    ports.store.save_settings(
        caller.practice_id,
        {"sms_number": sms_number},
        previous_version=current.version,
        old_number=current.sms_number,
        new_number=sms_number,
        audit=audit,
    )
    return MessagingSettings(sms_number=sms_number, version=current.version + 1)


# --- tasks and reads -----------------------------------------------------------------------


def raise_task(practice_id: str, task: Task, *, ports: Ports | None = None) -> Task:
    """Open a front-desk task (idempotent on its id)."""
    ports = ports or default_ports()
    ports.store.add_task(practice_id, task)
    logger.info("front-desk task raised", extra={"kind": task.kind.value})
    return task


def list_tasks(caller: Caller, *, limit: int = 50, ports: Ports | None = None) -> list[Task]:
    """Open front-desk tasks, oldest first; each read is audited per patient."""
    caller.require(TASK_ROLES)
    ports = ports or default_ports()
    tasks = ports.store.open_tasks(caller.practice_id, limit)
    records = [
        AuditRecord.of(caller, Action.READ, "task", t.task_id, patient_id=p)
        for t in tasks
        for p in t.patient_ids or ("",)
    ]
    if records:
        ports.audit.append(records)
    return tasks


def close_task(caller: Caller, task_id: str, note: str = "", *, ports: Ports | None = None) -> Task:
    """Mark a task done, with a note of what was done (kept on the task, never logged)."""
    caller.require(TASK_ROLES)
    ports = ports or default_ports()
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(FieldError("note", f"must be at most {MAX_NOTE} characters"))
    task = ports.store.get_task(caller.practice_id, task_id)
    if task is None:
        raise NotFoundError("task not found")
    if task.status is TaskStatus.DONE:
        raise ConflictError("task: already closed")
    done = task.closed(caller.username, utc_now(), note)
    patient = task.patient_ids[0] if len(task.patient_ids) == 1 else ""
    audit = AuditRecord.of(caller, Action.UPDATE, "task", task_id, patient_id=patient)
    ports.store.close_task(caller.practice_id, done, audit)
    return done


def appointment_messages(
    caller: Caller, appointment_id: str, *, ports: Ports | None = None
) -> list[MessageRecord]:
    """The messages recorded on an appointment (audited)."""
    caller.require(MESSAGE_READ_ROLES)
    ports = ports or default_ports()
    messages = ports.store.messages_of(caller.practice_id, appointment_id)
    patients = sorted({m.patient_id for m in messages if m.patient_id}) or [""]
    ports.audit.append(
        [
            AuditRecord.of(
                caller, Action.READ, "appointment-messages", appointment_id, patient_id=p
            )
            for p in patients
        ]
    )
    return messages
