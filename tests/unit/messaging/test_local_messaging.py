"""The local stack's messaging pieces: the SMS emulator, SES capture, simulators, streams."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clinicflow.local.messaging import LocalMessaging
from clinicflow.local.outbox import Outbox
from clinicflow.local.streams import matches

NOW = datetime(2026, 12, 2, 19, tzinfo=UTC)


@pytest.fixture
def published() -> list[tuple[str, dict]]:
    return []


@pytest.fixture
def local(tmp_path: Path, published: list[tuple[str, dict]]) -> LocalMessaging:
    return LocalMessaging(
        Outbox(tmp_path / "outbox.jsonl"),
        publish=lambda topic, body: published.append((topic, json.loads(body))),
        status_topic="status",
        inbound_topic="inbound",
        feedback_topic="feedback",
        clock=lambda: NOW,
    )


def test_send_text_answers_like_aws_and_reports_delivery(local, published, tmp_path):
    status, answer = local.send_text(
        {
            "DestinationPhoneNumber": "+13035550142",
            "OriginationIdentity": "+18885550100",
            "MessageBody": "Hi Robin",
            "MessageType": "TRANSACTIONAL",
            "Context": {"practice_id": "sunrise", "appointment_id": "appt-1"},
        }
    )
    assert status == 200 and set(answer) == {"MessageId"}
    (queued,) = local.outbox.messages(to="+13035550142")
    assert queued.status == "queued" and queued.sender == "+18885550100"
    assert local.flush() == 1
    ((topic, event),) = published
    assert topic == "status" and event["eventType"] == "TEXT_DELIVERED"
    assert event["messageId"] == answer["MessageId"]
    assert event["context"] == {"practice_id": "sunrise", "appointment_id": "appt-1"}
    assert event["eventTimestamp"] == int(NOW.timestamp() * 1000)
    assert local.outbox.messages()[0].status == "delivered"
    reloaded = Outbox(tmp_path / "outbox.jsonl")  # the status survives a restart
    assert reloaded.messages()[0].status == "delivered"


def test_a_flush_returns_only_once_a_flush_under_way_has_published(tmp_path):
    """`advance_clock` flushes while the stack's ticker may be publishing: on return, what was
    queued before must be published and its status in the outbox."""
    publishing, release = threading.Event(), threading.Event()

    def slow_publish(topic: str, body: str) -> None:
        publishing.set()
        release.wait(5)

    local = LocalMessaging(
        Outbox(tmp_path / "outbox.jsonl"), publish=slow_publish, status_topic="status"
    )
    local.send_text({"DestinationPhoneNumber": "+13035550142", "MessageBody": "Hi"})
    ticker = threading.Thread(target=local.flush)
    ticker.start()
    assert publishing.wait(5)
    statuses: list[str] = []
    caller = threading.Thread(
        target=lambda: (local.flush(), statuses.append(local.outbox.messages()[0].status))
    )
    caller.start()
    caller.join(0.5)
    assert caller.is_alive()  # waiting for the ticker's flush, not returning early
    release.set()
    ticker.join(5)
    caller.join(5)
    assert statuses == ["delivered"]


def test_send_text_validates(local):
    status, answer = local.send_text({"MessageBody": "x"})
    assert status == 400 and answer["__type"] == "ValidationException"


def test_inbound_defaults_to_the_number_that_texted_and_aws_answers_stop(local, published):
    with pytest.raises(ValueError, match="no text"):
        local.simulate_inbound("+13035550142", "C")
    local.send_text(
        {
            "DestinationPhoneNumber": "+13035550142",
            "OriginationIdentity": "+18885550100",
            "MessageBody": "x",
        }
    )
    message = local.simulate_inbound("+13035550142", "STOP")
    assert message["destinationNumber"] == "+18885550100" and message["messageKeyword"] == "STOP"
    auto = [m for m in local.outbox.messages(to="+13035550142") if m.source == "aws-keyword"]
    assert auto and "unsubscribed" in auto[0].body
    local.flush()
    assert [t for t, _ in published] == ["status", "inbound"]


EMAIL_REQUEST = {
    "FromEmailAddress": "reminders@example.org",
    "Destination": {"ToAddresses": ["robin@example.org"]},
    "Content": {
        "Simple": {
            "Subject": {"Data": "Reminder"},
            "Body": {"Text": {"Data": "text part"}, "Html": {"Data": "<p>html</p>"}},
        }
    },
    "EmailTags": [{"Name": "practice_id", "Value": "sunrise"}],
    "ConfigurationSetName": "clinicflow-local-patient-email",
}


def test_an_email_sent_with_the_configuration_set_reports_its_delivery(local, published):
    local.record_email(EMAIL_REQUEST, {"MessageId": "m-1"})
    (email,) = local.outbox.messages(to="robin@example.org")
    assert email.body == "text part" and email.subject == "Reminder"
    assert email.status == "sent" and email.at == NOW.isoformat()
    assert local.flush() == 1
    ((topic, event),) = published
    assert topic == "feedback" and event["eventType"] == "Delivery"
    assert event["mail"]["messageId"] == "m-1"
    assert event["mail"]["tags"] == {
        "practice_id": ["sunrise"],
        "ses:configuration-set": ["clinicflow-local-patient-email"],
    }
    assert event["delivery"]["recipients"] == ["robin@example.org"]
    assert event["delivery"]["timestamp"] == "2026-12-02T19:00:00.000Z"  # the stack's clock
    assert local.outbox.messages()[0].status == "delivered"


def test_an_email_without_a_configuration_set_reports_nothing(local, published):
    request = {k: v for k, v in EMAIL_REQUEST.items() if k != "ConfigurationSetName"}
    local.record_email(request, {"MessageId": "m-2"})
    assert local.flush() == 0 and published == []
    assert local.outbox.messages()[0].status == "sent"


@pytest.mark.parametrize(
    ("kind", "event_type", "status"),
    [
        ("Permanent", "Bounce", "bounced"),
        ("Transient", "Bounce", "failed"),
        ("Complaint", "Complaint", "complained"),
    ],
)
def test_a_bounce_or_complaint_follows_the_delivery(local, published, kind, event_type, status):
    local.record_email(EMAIL_REQUEST, {"MessageId": "m-1"})
    event = local.simulate_bounce("robin@example.org", kind)
    assert event["eventType"] == event_type
    assert event["mail"]["tags"]["practice_id"] == ["sunrise"]
    local.flush()
    assert [e["eventType"] for _, e in published] == ["Delivery", event_type]
    assert local.outbox.messages()[0].status == status  # published in order: not "delivered"
    with pytest.raises(ValueError):
        local.simulate_bounce("nobody@example.org")


def test_filter_patterns():
    record = {"dynamodb": {"Keys": {"SK": {"S": "APPT"}, "PK": {"S": "p#APPT#1"}}}}
    assert matches({"dynamodb": {"Keys": {"SK": {"S": ["APPT"]}}}}, record)
    assert not matches({"dynamodb": {"Keys": {"SK": {"S": ["LOCK"]}}}}, record)
    assert not matches({"eventName": ["INSERT"]}, record)
