"""Messaging use cases against fakes: statuses, SES feedback, settings, tasks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clinicflow.messaging import service
from clinicflow.messaging.model import Channel, MessageRecord, MessageStatus
from clinicflow.messaging.tasks import Task, TaskKind, task_id_for
from clinicflow.platform.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
)
from clinicflow.platform.identity import Caller, Role
from tests.unit.reminders.reminders_fakes import GRANTED, PRACTICE, World

NOW = datetime(2026, 3, 9, 16, tzinfo=UTC)
ADMIN = Caller("admin", PRACTICE, frozenset({Role.ADMIN}))
FRONT = Caller("fd", PRACTICE, frozenset({Role.FRONT_DESK}))
BILLER = Caller("bill", PRACTICE, frozenset({Role.BILLER}))


@pytest.fixture
def world() -> World:
    return World()


def sms_event(event_type: str, message_id: str = "sms-1", practice: str = PRACTICE) -> dict:
    return {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": 1773072000000,
        "isFinal": event_type != "TEXT_SENT",
        "originationPhoneNumber": "+18885550100",
        "destinationPhoneNumber": "+13035550142",
        "messageId": message_id,
        "messageStatus": event_type.removeprefix("TEXT_"),
        "context": {"practice_id": practice, "appointment_id": "appt-1"},
    }


def sent(world: World) -> MessageRecord:
    r = service.Recipient("pat-1", "Robin", "en", None, "+13035550142", GRANTED, None)
    return service.send_sms(
        PRACTICE, r, "reminder-sms", "hi", appointment_id="appt-1", ports=world.messaging, now=NOW
    )


def test_sms_statuses_only_move_forward(world: World):
    record = sent(world)
    assert record.status is MessageStatus.QUEUED
    assert service.record_sms_event(sms_event("TEXT_DELIVERED"), ports=world.messaging)
    assert not service.record_sms_event(sms_event("TEXT_SENT"), ports=world.messaging)
    (stored,) = world.messages.messages_of(PRACTICE, "appt-1")
    assert stored.status is MessageStatus.DELIVERED and stored.detail == "TEXT_DELIVERED"


def test_sms_event_without_context_is_ignored(world: World):
    event = sms_event("TEXT_DELIVERED")
    event["context"] = {}
    assert not service.record_sms_event(event, ports=world.messaging)


def ses_event(kind: str, bounce_type: str = "Permanent") -> dict:
    event: dict = {
        "eventType": kind,
        "mail": {"messageId": "email-1", "tags": {"practice_id": [PRACTICE]}},
    }
    if kind == "Bounce":
        event["bounce"] = {
            "bounceType": bounce_type,
            "bouncedRecipients": [{"emailAddress": "Robin@example.org"}],
        }
    if kind == "Complaint":
        event["complaint"] = {"complainedRecipients": [{"emailAddress": "sam@example.org"}]}
    return event


def test_permanent_bounce_is_recorded_and_stops_email(world: World):
    assert service.record_email_event(ses_event("Bounce"), ports=world.messaging)
    assert world.messages.suppressed(PRACTICE, "robin@example.org")
    assert world.messages.messages[(PRACTICE, "email-1")].status is MessageStatus.BOUNCED


def test_transient_bounce_does_not_suppress(world: World):
    service.record_email_event(ses_event("Bounce", "Transient"), ports=world.messaging)
    assert not world.messages.suppressed(PRACTICE, "robin@example.org")


def test_complaint_suppresses(world: World):
    service.record_email_event(ses_event("Complaint"), ports=world.messaging)
    assert world.messages.suppressed(PRACTICE, "sam@example.org")


def test_delivery_and_reject_are_recorded_at_the_time_ses_reports(world: World):
    service.use_clock(lambda: NOW)
    try:
        event = ses_event("Delivery")
        event["delivery"] = {"timestamp": "2026-03-09T16:00:05.123Z", "recipients": ["r@x.org"]}
        assert service.record_email_event(event, ports=world.messaging)
        stored = world.messages.messages[(PRACTICE, "email-1")]
        assert stored.status is MessageStatus.DELIVERED and stored.detail == "delivery"
        assert stored.status_at == datetime(2026, 3, 9, 16, 0, 5, 123000, tzinfo=UTC)
        rejected = ses_event("Reject")
        rejected["mail"]["messageId"] = "email-2"
        assert service.record_email_event(rejected, ports=world.messaging)
        stored = world.messages.messages[(PRACTICE, "email-2")]
        assert stored.status is MessageStatus.FAILED and stored.status_at == NOW  # no timestamp
    finally:
        service.use_clock(None)


def test_ses_notification_format_and_untagged_mail(world: World):
    event = ses_event("Delivery")
    event["notificationType"] = event.pop("eventType")
    assert service.record_email_event(event, ports=world.messaging)
    event["mail"]["tags"] = {}
    assert not service.record_email_event(event, ports=world.messaging)


def test_settings_need_an_admin_and_an_e164_number(world: World):
    world.messages.settings.clear()
    with pytest.raises(ForbiddenError):
        service.put_settings(
            FRONT, sms_number="+18885550111", expected_version=0, ports=world.messaging
        )
    with pytest.raises(ValidationError):
        service.put_settings(
            ADMIN, sms_number="555-0111", expected_version=0, ports=world.messaging
        )
    saved = service.put_settings(
        ADMIN, sms_number="+18885550111", expected_version=0, ports=world.messaging
    )
    assert saved.version == 1
    assert world.messages.practice_of_number("+18885550111") == PRACTICE


def test_tasks_are_listed_for_the_front_desk_and_closed(world: World):
    task = Task(
        task_id=task_id_for("in-1", TaskKind.RESCHEDULE_REQUEST),
        kind=TaskKind.RESCHEDULE_REQUEST,
        created_at=NOW,
        patient_ids=("pat-1",),
    )
    service.raise_task(PRACTICE, task, ports=world.messaging)
    service.raise_task(PRACTICE, task, ports=world.messaging)  # idempotent
    assert [t.task_id for t in service.list_tasks(FRONT, ports=world.messaging)] == [task.task_id]
    assert world.audit.records[-1].patient_id == "pat-1"
    with pytest.raises(ForbiddenError):
        service.list_tasks(BILLER, ports=world.messaging)
    with pytest.raises(ValidationError):
        service.close_task(FRONT, task.task_id, "x" * 501, ports=world.messaging)
    done = service.close_task(FRONT, task.task_id, "  Called back; moved  ", ports=world.messaging)
    assert (done.status, done.note, done.closed_by) == ("done", "Called back; moved", "fd")
    assert service.list_tasks(FRONT, ports=world.messaging) == []
    with pytest.raises(ConflictError):
        service.close_task(ADMIN, task.task_id, ports=world.messaging)
    with pytest.raises(NotFoundError):
        service.close_task(FRONT, "task-none", ports=world.messaging)


def test_sends_are_audited_and_messages_listed(world: World):
    sent(world)
    assert world.audit.records[-1].resource_type == "message:sms"
    messages = service.appointment_messages(FRONT, "appt-1", ports=world.messaging)
    assert [m.channel for m in messages] == [Channel.SMS]
