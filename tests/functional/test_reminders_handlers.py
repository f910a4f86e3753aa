"""Reminder and messaging handlers with events from events/, against DynamoDB Local.

The stores are the real DynamoDB adapters (conditional writes included); EventBridge
Scheduler, SES, End User Messaging and the other slices are in-memory fakes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.messaging import service as messaging
from clinicflow.messaging.store import DynamoAuditLog, DynamoMessageStore
from clinicflow.platform.identity import Caller, Role
from clinicflow.reminders import service
from clinicflow.reminders.model import AppointmentFacts
from clinicflow.reminders.store import DynamoReminderStore
from tests.functional.conftest import load_event, load_handler
from tests.unit.reminders.reminders_fakes import (
    FakePlaces,
    World,
)

APPT = "appt-0123456789abcdef0123"
NOW = datetime(2026, 12, 1, 17, tzinfo=UTC)


@pytest.fixture
def fakes(tables: Any) -> Iterator[World]:
    world = World()
    world.add_patient("0123456789abcdef0123456789abcdef")
    msg = messaging.Ports(DynamoMessageStore(), world.sms, world.email, DynamoAuditLog())
    messaging._ports = msg
    service._ports = service.Ports(
        DynamoReminderStore(),
        world.schedules,
        world.appointments,
        world.patients,
        FakePlaces(),
        msg,
    )
    messaging.use_clock(lambda: NOW)
    admin = Caller("sunrise-admin", "sunrise", frozenset({Role.ADMIN}))
    DynamoMessageStore().save_settings(
        "sunrise",
        {"sms_number": "+18885550100"},
        previous_version=0,
        old_number=None,
        new_number="+18885550100",
        audit=AuditRecord.of(admin, Action.UPDATE, "messaging-settings", "sunrise"),
    )
    yield world
    messaging.use_clock(None)
    messaging._ports = None
    service._ports = None


def stream(name: str) -> dict[str, Any]:
    return load_handler("reminders_stream")(load_event(f"reminders/{name}.json"), None)


def test_stream_schedules_moves_and_deletes(fakes: World):
    assert stream("stream_booked") == {"batchItemFailures": []}
    assert set(fakes.schedules.schedules) == {f"{APPT}.email-72h", f"{APPT}.sms-24h"}
    plan = DynamoReminderStore().get_plan("sunrise", APPT)
    assert plan is not None and plan.timing_version == 1
    stream("stream_rescheduled")
    at, payload = fakes.schedules.schedules[f"{APPT}.sms-24h"]
    assert at == datetime(2027, 1, 12, 16, tzinfo=UTC) and payload["version"] == 2
    stream("stream_booked")  # a replayed old record changes nothing
    assert fakes.schedules.schedules[f"{APPT}.sms-24h"][1]["version"] == 2
    stream("stream_cancelled")
    assert fakes.schedules.schedules == {}
    assert DynamoReminderStore().get_plan("sunrise", APPT).cancelled  # type: ignore[union-attr]


def test_stream_ignores_other_items_and_reports_failures(fakes: World):
    event = load_event("reminders/stream_booked.json")
    event["Records"][0]["dynamodb"]["NewImage"]["SK"] = {"S": "LOCK"}
    assert load_handler("reminders_stream")(event, None) == {"batchItemFailures": []}
    broken = load_event("reminders/stream_booked.json")
    del broken["Records"][0]["dynamodb"]["NewImage"]["doc"]["M"]["start"]
    result = load_handler("reminders_stream")(broken, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "111"}]}


def _facts(**changes: Any) -> AppointmentFacts:
    base = AppointmentFacts(
        "sunrise",
        APPT,
        "0123456789abcdef0123456789abcdef",
        "loc-main",
        "office-visit",
        "America/Denver",
        datetime(2027, 1, 12, 16, tzinfo=UTC),
        "booked",
        1,
    )
    return AppointmentFacts(**{**base.__dict__, **changes})


def test_fire_sends_once_through_the_conditional_write(fakes: World):
    stream("stream_booked")
    fakes.appointments.rows[("sunrise", APPT)] = _facts()
    messaging.use_clock(lambda: datetime(2027, 1, 11, 16, 1, tzinfo=UTC))
    fire = load_handler("reminders_send")
    event = load_event("reminders/fire.json")
    assert fire(event, None) == {"outcome": "sent"}
    assert fire(copy.deepcopy(event), None) == {"outcome": "duplicate"}
    assert len(fakes.sms.sent) == 1
    (record,) = DynamoMessageStore().messages_of("sunrise", APPT)
    assert record.status.value == "queued" and record.channel.value == "sms"


def test_inbound_confirms_once(fakes: World):
    stream("stream_booked")
    fakes.appointments.rows[("sunrise", APPT)] = _facts()
    inbound = load_handler("messaging_inbound")
    assert inbound(load_event("messaging/inbound_sms.json"), None) == {"outcomes": {"confirmed": 1}}
    assert inbound(load_event("messaging/inbound_sms.json"), None) == {"outcomes": {"duplicate": 1}}
    assert fakes.appointments.confirmed == [APPT]


def test_feedback_records_sms_status_and_ses_bounce(fakes: World):
    feedback = load_handler("messaging_feedback")
    assert feedback(load_event("messaging/sms_status.json"), None) == {"counts": {"sms": 1}}
    stored = DynamoMessageStore().get("sunrise", "3d45f0f4-ba08-4b81-8c88-dc9d444c8856")
    assert stored is not None and stored.status.value == "delivered"
    assert feedback(load_event("messaging/ses_bounce.json"), None) == {"counts": {"email": 1}}
    assert DynamoMessageStore().suppressed("sunrise", "robin.walkthrough@example.org")


def test_messaging_api(invoke: Any, fakes: World):
    res = invoke("messaging", "messaging/get_settings.json")
    assert res.status == 200 and res.body == {"sms_number": "+18885550100", "version": 1}
    res = invoke(
        "messaging",
        "messaging/put_settings.json",
        body={"sms_number": "+18885550111", "version": 1},
    )
    assert res.status == 200, res.body
    res = invoke(
        "messaging",
        "messaging/put_settings.json",
        practice_id="lakeside",
        body={"sms_number": "+18885550111", "version": 0},
    )
    assert res.status == 409  # one number, one practice
    res = invoke(
        "messaging", "messaging/put_settings.json", body={"sms_number": "555", "version": 2}
    )
    assert res.status == 422 and res.body["fields"][0]["field"] == "sms_number"
    res = invoke("messaging", "messaging/put_settings.json", groups="front-desk")
    assert res.status == 403
    res = invoke("messaging", "messaging/put_policy.json")
    assert res.status == 200 and res.body["by_type"]["office-visit"][0]["hours_before"] == 48
    assert invoke("messaging", "messaging/get_policy.json").body["version"] == 1
    bad = json.loads(load_event("messaging/put_policy.json")["body"])
    bad["rules"] = [{"channel": "sms", "hours_before": 24}] * 2
    bad["version"] = 1
    assert invoke("messaging", "messaging/put_policy.json", body=bad).status == 422
    assert invoke("messaging", "messaging/list_tasks.json").body == {"tasks": []}
    assert invoke("messaging", "messaging/list_tasks.json", groups="biller").status == 403
    assert invoke("messaging", "messaging/close_task.json").status == 404
    res = invoke("messaging", "messaging/appointment_messages.json")
    assert res.status == 200 and res.body == {"messages": []}


def test_a_number_serves_one_practice_and_is_released_when_changed(invoke: Any, fakes: World):
    taken = invoke(
        "messaging",
        "messaging/put_settings.json",
        practice_id="lakeside",
        body={"sms_number": "+18885550100", "version": 0},
    )
    assert taken.status == 409
    assert taken.body["message"].startswith("sms_number: already used by another practice")
    assert DynamoMessageStore().practice_of_number("+18885550100") == "sunrise"
    moved = invoke(
        "messaging",
        "messaging/put_settings.json",
        body={"sms_number": "+18885550111", "version": 1},
    )
    assert moved.status == 200, moved.body
    assert DynamoMessageStore().practice_of_number("+18885550111") == "sunrise"
    assert DynamoMessageStore().practice_of_number("+18885550100") is None  # released
    claimed = invoke(
        "messaging",
        "messaging/put_settings.json",
        practice_id="lakeside",
        body={"sms_number": "+18885550100", "version": 0},
    )
    assert claimed.status == 200, claimed.body
    assert DynamoMessageStore().practice_of_number("+18885550100") == "lakeside"


def test_quiet_hours_are_part_of_the_policy_and_validated(invoke: Any, fakes: World):
    body = json.loads(load_event("messaging/put_policy.json")["body"])
    body["quiet_hours"] = {"start": "20:30", "end": "07:30", "min_lead_minutes": 180}
    res = invoke("messaging", "messaging/put_policy.json", body=body)
    assert res.status == 200, res.body
    got = invoke("messaging", "messaging/get_policy.json").body
    assert got["quiet_hours"] == {"start": "20:30", "end": "07:30", "min_lead_minutes": 180}
    for quiet, field in (
        ({"start": "9pm", "end": "08:00"}, "quiet_hours.start"),
        ({"start": "21:00", "end": "24:00"}, "quiet_hours.end"),
        ({"start": "08:00", "end": "08:00"}, "quiet_hours"),
        ({"start": "12:00", "end": "08:00"}, "quiet_hours"),  # 20 hours
        ({"min_lead_minutes": -5}, "quiet_hours.min_lead_minutes"),
    ):
        bad = {**body, "quiet_hours": quiet, "version": got["version"]}
        res = invoke("messaging", "messaging/put_policy.json", body=bad)
        assert res.status == 422, (quiet, res.body)
        assert [f["field"] for f in res.body["fields"]] == [field], res.body
    assert invoke("messaging", "messaging/get_policy.json").body["quiet_hours"]["start"] == "20:30"


def test_closing_a_task_keeps_the_note_and_only_once(invoke: Any, fakes: World):
    from clinicflow.messaging.tasks import Task, TaskKind

    task = Task(
        task_id="task-0123456789abcdef0123",
        kind=TaskKind.RESCHEDULE_REQUEST,
        created_at=NOW,
        phone="+13035550142",
        patient_ids=("0123456789abcdef0123456789abcdef",),
    )
    messaging.raise_task("sunrise", task)
    too_long = invoke("messaging", "messaging/close_task.json", body={"note": "x" * 501})
    assert too_long.status == 422 and too_long.body["fields"][0]["field"] == "note"
    res = invoke("messaging", "messaging/close_task.json", body={"note": "Moved to Friday 10:00"})
    assert res.status == 200, res.body
    assert res.body["status"] == "done" and res.body["note"] == "Moved to Friday 10:00"
    assert res.body["closed_by"] and res.body["closed_at"]
    stored = DynamoMessageStore().get_task("sunrise", task.task_id)
    assert stored is not None and stored.note == "Moved to Friday 10:00"
    assert invoke("messaging", "messaging/list_tasks.json").body == {"tasks": []}
    again = invoke("messaging", "messaging/close_task.json")
    assert again.status == 409 and again.body["message"] == "task: already closed"
