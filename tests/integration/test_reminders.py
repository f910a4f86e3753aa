"""Reminders and two-way SMS on the local stack, end to end over HTTP.

Bookings go through the scheduling API (overbooked, so the demo calendars never get in the
way); the main table's stream makes the reminder schedules; the stack's clock fires them;
End User Messaging SMS is emulated (outbox + delivery-status events) and SES is moto's (with
the configuration set's delivery, bounce and complaint events emulated). Texts go out from
the demo practice's seeded (fictitious) origination number.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.integration

GROUP = "clinicflow-local-reminders"
NUMBER = "+18885550101"  # Sunrise's demo origination number (local/demo_data.py)
DENVER = ZoneInfo("America/Denver")
CHICAGO = ZoneInfo("America/Chicago")
LAST = "Remindertest"
TYPE_NAME = "Reminder integration visit"
_numbers = itertools.count(100)
MY_NUMBERS: set[str] = set()


@pytest.fixture(scope="module")
def env(stack: Any, login: Any) -> Iterator[dict[str, Any]]:
    admin = login("sunrise-admin")
    current = admin.call("GET", "/messaging/settings").body
    assert current["sms_number"] == NUMBER  # seeded: demo reminders work without setup
    for type_id, name in (("rem-visit", TYPE_NAME), ("rem-early", "Reminder early visit")):
        res = admin.call(
            "POST",
            "/scheduling/appointment-types",
            {"type_id": type_id, "name": name, "duration_minutes": 30, "service_type_code": "98"},
        )
        assert res.status in (201, 409), res.body
    policy = admin.call("GET", "/reminders/policy").body
    res = admin.call(
        "PUT",
        "/reminders/policy",
        {
            "rules": [
                {"channel": "email", "hours_before": 72},
                {"channel": "sms", "hours_before": 24},
            ],
            "by_type": {"rem-early": [{"channel": "sms", "hours_before": 3}]},
            "quiet_hours": {"start": "21:00", "end": "08:00", "min_lead_minutes": 120},
            "version": policy["version"],
        },
    )
    assert res.status == 200, res.body
    paused = pause_recurring_jobs(stack)
    yield {"desk": login("sunrise-frontdesk"), "admin": admin}
    resume(stack, paused)


def pause_recurring_jobs(stack: Any) -> list[dict[str, Any]]:
    """Disable the stack's recurring schedules (claim acknowledgments every 15 minutes, the
    nightly jobs) while these tests move the clock by days: the local clock would otherwise
    run every missed occurrence, which proves nothing about reminders and costs most of the
    module's time. Reminder schedules (one-time, their own group) are untouched."""
    client = stack.client("scheduler")
    paused = []
    for group in client.list_schedule_groups()["ScheduleGroups"]:
        if group["Name"] == GROUP:
            continue
        for summary in client.list_schedules(GroupName=group["Name"])["Schedules"]:
            found = client.get_schedule(GroupName=group["Name"], Name=summary["Name"])
            if found["State"] == "ENABLED" and not found["ScheduleExpression"].startswith("at("):
                client.update_schedule(**_definition(found, "DISABLED"))
                paused.append(found)
    return paused


def resume(stack: Any, paused: list[dict[str, Any]]) -> None:
    client = stack.client("scheduler")
    for found in paused:
        client.update_schedule(**_definition(found, "ENABLED"))


def _definition(found: dict[str, Any], state: str) -> dict[str, Any]:
    keys = (
        "Name",
        "GroupName",
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "FlexibleTimeWindow",
        "Target",
        "ActionAfterCompletion",
        "Description",
    )
    return {**{k: found[k] for k in keys if found.get(k)}, "State": state}


def patient(
    env: dict[str, Any],
    *,
    first: str = "Remy",
    language: str = "en",
    consent: bool = True,
    mobile: str | None = None,
) -> dict[str, str]:
    n = next(_numbers)
    mobile = mobile or f"+1720555{n:04d}"  # 555-01xx in an area code the demo never uses
    email = f"remy{n}@example.org"
    MY_NUMBERS.add(mobile)
    body: dict[str, Any] = {
        "name": {"first": first, "last": LAST},
        "dob": "1980-01-02",
        "sex": "female",
        "phones": [{"type": "mobile", "number": mobile}],
        "email": email,
        "preferred_language": language,
        "confirm_duplicate": True,
    }
    if consent:
        given = {"status": "granted", "at": "2026-11-01T15:00:00Z", "method": "written"}
        body["sms_consent"] = given
        body["email_consent"] = given
    res = env["desk"].call("POST", "/patients", body)
    assert res.status == 201, res.body
    return {"id": res.body["id"], "mobile": mobile, "email": email}


def local_day(stack: Any, zone: ZoneInfo, days: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time at a location, `days` after the stack's today there (aware)."""
    day = (stack.clock.now().astimezone(zone) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def book(
    env: dict[str, Any],
    patient_id: str,
    start: datetime,
    *,
    location: str = "loc-denver",
    type_id: str = "rem-visit",
) -> dict[str, Any]:
    res = env["desk"].call(
        "POST",
        "/appointments",
        {
            "patient_id": patient_id,
            "provider_id": "prov-hartwell",
            "location_id": location,
            "type_id": type_id,
            "start": start.isoformat(),
            "overbook": True,
        },
    )
    assert res.status == 201, res.body
    return dict(res.body)


def schedule(stack: Any, appointment_id: str, kind: str) -> dict[str, Any] | None:
    client = stack.client("scheduler")
    try:
        found: dict[str, Any] = client.get_schedule(
            GroupName=GROUP, Name=f"{appointment_id}.{kind}"
        )
    except client.exceptions.ResourceNotFoundException:
        return None
    return found


def at(moment: datetime) -> str:
    return f"at({moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S})"


def advance_to(stack: Any, moment: datetime) -> None:
    delta = moment - stack.clock.now()
    stack.advance_clock(max(delta, timedelta(0)))


def texts(stack: Any, number: str, source: str = "sms") -> list[Any]:
    return [
        m for m in stack.outbox.messages(to=number) if m.channel == "sms" and m.source == source
    ]


def inbound(anonymous: Any, sender: str, body: str) -> None:
    res = anonymous.call(
        "POST", "/_local/sms/inbound", {"from": sender, "body": body, "to": NUMBER}
    )
    assert res.status == 202, res.body


def test_booking_schedules_reminders_moved_by_reschedule_gone_on_cancel(stack, env):
    p = patient(env)
    visit = local_day(stack, DENVER, 5, 13)
    appt = book(env, p["id"], visit)["appointment_id"]
    stack.drain_streams()
    email, sms = schedule(stack, appt, "email-72h"), schedule(stack, appt, "sms-24h")
    assert email and sms
    assert email["ScheduleExpression"] == at(visit - timedelta(hours=72))
    assert sms["ScheduleExpression"] == at(visit - timedelta(hours=24))
    assert sms["ActionAfterCompletion"] == "DELETE"
    assert json.loads(sms["Target"]["Input"]) == {
        "practice_id": "sunrise",
        "appointment_id": appt,
        "kind": "sms-24h",
        "version": 1,
    }
    moved = visit + timedelta(days=1, hours=1)
    res = env["desk"].call(
        "POST", f"/appointments/{appt}/reschedule", {"start": moved.isoformat(), "overbook": True}
    )
    assert res.status == 200, res.body
    stack.drain_streams()
    sms = schedule(stack, appt, "sms-24h")
    assert sms and sms["ScheduleExpression"] == at(moved - timedelta(hours=24))
    assert json.loads(sms["Target"]["Input"])["version"] == 2
    res = env["desk"].call("POST", f"/appointments/{appt}/cancel", {"reason": "patient_request"})
    assert res.status == 200, res.body
    stack.drain_streams()
    assert schedule(stack, appt, "sms-24h") is None
    assert schedule(stack, appt, "email-72h") is None


def test_a_reminder_is_sent_once_when_fired_twice_late_or_after_a_reschedule(stack, env):
    p = patient(env, first="Ottilie")
    visit = local_day(stack, DENVER, 3, 13)
    appt = book(env, p["id"], visit)["appointment_id"]
    stack.drain_streams()
    sms = schedule(stack, appt, "sms-24h")
    assert sms
    payload = json.loads(sms["Target"]["Input"])
    advance_to(stack, visit - timedelta(hours=24) + timedelta(minutes=1))
    (text,) = texts(stack, p["mobile"])
    assert text.body.startswith("Hi Ottilie, reminder: your appointment is")
    assert text.sender == NUMBER and text.status == "delivered"
    assert schedule(stack, appt, "sms-24h") is None  # deleted after completion
    again = stack.registry.invoke("RemindersSendFunction", payload)
    assert again == {"outcome": "duplicate"}
    stack.advance_clock(timedelta(minutes=6))
    assert stack.registry.invoke("RemindersSendFunction", payload) == {"outcome": "duplicate"}
    assert len(texts(stack, p["mobile"])) == 1
    messages = env["desk"].call("GET", f"/appointments/{appt}/messages").body["messages"]
    by_channel = {m["channel"]: m for m in messages}
    assert by_channel["sms"]["status"] == "delivered"
    assert by_channel["sms"]["detail"] == "TEXT_DELIVERED"
    # SES's delivery event (the configuration set's event destination) reached the message.
    assert (by_channel["email"]["status"], by_channel["email"]["detail"]) == (
        "delivered",
        "delivery",
    )
    (email,) = [m for m in stack.outbox.messages(to=p["email"]) if m.source == "ses"]
    assert email.status == "delivered"
    # A firing for the version before a reschedule sends nothing.
    later = visit + timedelta(days=2)
    res = env["desk"].call(
        "POST", f"/appointments/{appt}/reschedule", {"start": later.isoformat(), "overbook": True}
    )
    assert res.status == 200, res.body
    stack.drain_streams()
    assert stack.registry.invoke("RemindersSendFunction", payload) == {"outcome": "stale"}
    assert len(texts(stack, p["mobile"])) == 1


def test_quiet_hours_in_each_locations_zone(stack, env):
    p = patient(env)
    for zone, location in ((DENVER, "loc-denver"), (CHICAGO, "loc-chicago")):
        early = local_day(stack, zone, 4, 7)  # SMS due 07:00 the day before: quiet
        appt = book(env, p["id"], early, location=location)["appointment_id"]
        ok = local_day(stack, zone, 4, 9)  # due 09:00: not quiet
        appt_ok = book(env, p["id"], ok, location=location)["appointment_id"]
        stack.drain_streams()
        eight = (early - timedelta(days=1)).replace(hour=8)
        assert schedule(stack, appt, "sms-24h")["ScheduleExpression"] == at(eight)  # type: ignore[index]
        assert schedule(stack, appt_ok, "sms-24h")["ScheduleExpression"] == at(  # type: ignore[index]
            ok - timedelta(hours=24)
        )
        # SMS 3 h before a 09:00 visit: due 06:00 (quiet) → 08:00 is < 2 h before: skipped.
        skip = book(
            env, p["id"], local_day(stack, zone, 4, 9), location=location, type_id="rem-early"
        )
        stack.drain_streams()
        assert schedule(stack, skip["appointment_id"], "sms-3h") is None
    # The same UTC hour is quiet in one zone and not in the other: 07:30 Denver = 08:30 Chicago.
    assert at(local_day(stack, DENVER, 4, 8)) != at(local_day(stack, CHICAGO, 4, 8))


def test_a_late_firing_in_quiet_hours_goes_out_when_they_end_or_not_at_all(stack, env):
    p = patient(env, first="Wren")
    later = local_day(stack, DENVER, 3, 11)  # 08:00 leaves 3 h: deferred
    close = local_day(stack, DENVER, 3, 9, 30)  # 08:00 leaves 1.5 h: skipped
    later_appt = book(env, p["id"], later)["appointment_id"]
    close_appt = book(env, p["id"], close)["appointment_id"]
    stack.drain_streams()
    for appt, visit in ((later_appt, later), (close_appt, close)):  # timed outside quiet hours
        assert schedule(stack, appt, "sms-24h")["ScheduleExpression"] == at(  # type: ignore[index]
            visit - timedelta(hours=24)
        )
    # The clock jumps past both due times to 22:00 the evening before: they fire late.
    advance_to(stack, (later - timedelta(days=1)).replace(hour=22))
    assert texts(stack, p["mobile"]) == []
    eight = later.replace(hour=8)
    assert schedule(stack, later_appt, "sms-24h.q")["ScheduleExpression"] == at(eight)  # type: ignore[index]
    skipped = env["desk"].call("GET", f"/appointments/{close_appt}/messages").body["messages"]
    assert [(m["status"], m["reason"]) for m in skipped if m["channel"] == "sms"] == [
        ("skipped", "quiet_hours")
    ]
    advance_to(stack, eight)
    (text,) = texts(stack, p["mobile"])  # one text: the 09:30 visit's was never sent
    sent_at = datetime.fromisoformat(text.at).astimezone(DENVER)
    assert (sent_at.date(), sent_at.hour, sent_at.minute) == (eight.date(), 8, 0)
    assert text.status == "delivered"
    messages = env["desk"].call("GET", f"/appointments/{later_appt}/messages").body["messages"]
    (sms,) = [m for m in messages if m["channel"] == "sms"]
    assert sms["status"] == "delivered"
    assert datetime.fromisoformat(sms["at"]).astimezone(DENVER).hour == 8


def test_quiet_hours_across_daylight_saving(stack, env):
    p = patient(env)
    # US clocks spring forward on 2027-03-14. A 07:00 visit on the 15th: SMS due 07:00 on the
    # 14th (quiet) goes at 08:00 daylight time, and the email 72 h before is on standard time.
    for zone, location, sms_utc, email_utc in (
        (DENVER, "loc-denver", "2027-03-14T14:00:00", "2027-03-12T13:00:00"),
        (CHICAGO, "loc-chicago", "2027-03-14T13:00:00", "2027-03-12T12:00:00"),
    ):
        visit = datetime(2027, 3, 15, 7, 0, tzinfo=zone)
        appt = book(env, p["id"], visit, location=location)["appointment_id"]
        stack.drain_streams()
        assert schedule(stack, appt, "sms-24h")["ScheduleExpression"] == f"at({sms_utc})"  # type: ignore[index]
        assert schedule(stack, appt, "email-72h")["ScheduleExpression"] == f"at({email_utc})"  # type: ignore[index]
    # Fall back (2026-11-01 has passed; 2027-11-07): a 07:30 visit on the 8th → 08:00 MST.
    visit = datetime(2027, 11, 8, 7, 30, tzinfo=DENVER)
    appt = book(env, p["id"], visit)["appointment_id"]
    stack.drain_streams()
    assert schedule(stack, appt, "sms-24h")["ScheduleExpression"] == "at(2027-11-07T15:00:00)"  # type: ignore[index]


def test_c_confirms_r_asks_anything_else_gets_help_help_is_aws(stack, env, anonymous):
    p = patient(env, first="Lucía", language="es")
    appt = book(env, p["id"], local_day(stack, DENVER, 6, 11))["appointment_id"]
    stack.drain_streams()
    inbound(anonymous, p["mobile"], "C")
    got = env["desk"].call("GET", f"/appointments/{appt}").body
    assert got["status"] == "confirmed"
    assert texts(stack, p["mobile"])[-1].body.startswith("Gracias Lucía, su cita del")
    inbound(anonymous, p["mobile"], "C")
    assert texts(stack, p["mobile"])[-1].body.startswith("No encontramos una cita")
    inbound(anonymous, p["mobile"], "R")
    tasks = env["desk"].call("GET", "/messaging/tasks").body["tasks"]
    (task,) = [t for t in tasks if t["appointment_id"] == appt]
    assert task["kind"] == "reschedule_request" and task["patient_ids"] == [p["id"]]
    assert env["desk"].call("POST", f"/messaging/tasks/{task['task_id']}/close").status == 200
    tasks = env["desk"].call("GET", "/messaging/tasks").body["tasks"]
    assert all(t["task_id"] != task["task_id"] for t in tasks)
    inbound(anonymous, p["mobile"], "what time?")
    assert texts(stack, p["mobile"])[-1].body.startswith("Responda C para confirmar")
    before = len(texts(stack, p["mobile"]))
    inbound(anonymous, p["mobile"], "HELP")
    assert len(texts(stack, p["mobile"])) == before  # ClinicFlow does not answer HELP
    assert texts(stack, p["mobile"], source="aws-keyword")  # AWS does
    assert env["desk"].call("GET", "/messaging/tasks", None).status == 200
    assert login_forbidden(stack, "/messaging/tasks")


def login_forbidden(stack: Any, path: str) -> bool:
    from clinicflow.local.tokens import id_token
    from tests.integration.conftest import ApiClient

    biller = ApiClient(stack.api_url, id_token(stack._public_config(), "sunrise-biller"))
    return biller.call("GET", path).status == 403


def test_an_inbound_text_delivered_twice_is_handled_once(stack, env):
    p = patient(env)
    book(env, p["id"], local_day(stack, DENVER, 6, 15))
    stack.drain_streams()
    topic = stack.template.physical["InboundSmsTopic"]
    message = {
        "originationNumber": p["mobile"],
        "destinationNumber": NUMBER,
        "messageKeyword": "",
        "messageBody": "hello?",
        "inboundMessageId": f"dup-{p['id']}",
        "previousPublishedMessageId": "",
    }
    for _ in range(2):
        stack.client("sns").publish(TopicArn=topic, Message=json.dumps(message))
    assert len(texts(stack, p["mobile"])) == 1


def test_a_shared_number_makes_a_front_desk_task(stack, env, anonymous):
    shared = f"+1720555{next(_numbers):04d}"
    a = patient(env, first="Ada", mobile=shared)
    b = patient(env, first="Bo", mobile=shared)
    appts = [
        book(env, x["id"], local_day(stack, DENVER, 6, 9 + i))["appointment_id"]
        for i, x in enumerate((a, b))
    ]
    stack.drain_streams()
    inbound(anonymous, shared, "Y")
    for appt in appts:
        assert env["desk"].call("GET", f"/appointments/{appt}").body["status"] == "booked"
    tasks = env["desk"].call("GET", "/messaging/tasks").body["tasks"]
    (task,) = [t for t in tasks if t["phone"] == shared]
    assert task["kind"] == "shared_number" and sorted(task["patient_ids"]) == sorted(
        [a["id"], b["id"]]
    )
    reply = texts(stack, shared)[-1].body
    assert "Ada" not in reply and "Bo " not in reply


def test_opt_out_is_recorded_never_a_command_and_start_re_opts_in(stack, env, anonymous):
    p = patient(env, first="Quinn")
    visit = local_day(stack, DENVER, 2, 14)
    appt = book(env, p["id"], visit)["appointment_id"]
    stack.drain_streams()
    inbound(anonymous, p["mobile"], "CANCEL")
    assert env["desk"].call("GET", f"/appointments/{appt}").body["status"] == "booked"
    consent = env["desk"].call("GET", f"/patients/{p['id']}").body["sms_consent"]
    assert consent["status"] == "withdrawn" and consent["method"] == "sms-keyword"
    assert texts(stack, p["mobile"], source="aws-keyword")  # AWS answered the keyword
    advance_to(stack, visit - timedelta(hours=24) + timedelta(minutes=1))
    assert texts(stack, p["mobile"]) == []  # no reminder without consent
    messages = env["desk"].call("GET", f"/appointments/{appt}/messages").body["messages"]
    assert {
        (m["channel"], m["status"], m["reason"]) for m in messages if m["channel"] == "sms"
    } == {("sms", "skipped", "no_consent")}
    inbound(anonymous, p["mobile"], "START")
    consent = env["desk"].call("GET", f"/patients/{p['id']}").body["sms_consent"]
    assert consent["status"] == "granted" and consent["method"] == "sms-keyword"


def test_nothing_is_sent_without_consent(stack, env):
    p = patient(env, consent=False)
    visit = local_day(stack, DENVER, 4, 12)
    appt = book(env, p["id"], visit)["appointment_id"]
    stack.drain_streams()
    advance_to(stack, visit - timedelta(hours=24) + timedelta(minutes=1))
    assert stack.outbox.messages(to=p["mobile"]) == []
    assert stack.outbox.messages(to=p["email"]) == []
    messages = env["desk"].call("GET", f"/appointments/{appt}/messages").body["messages"]
    assert sorted((m["channel"], m["reason"]) for m in messages) == [
        ("email", "no_consent"),
        ("sms", "no_consent"),
    ]


def test_a_bounce_is_recorded_and_stops_further_email(stack, env, anonymous):
    p = patient(env)
    first = local_day(stack, DENVER, 4, 10)
    appt = book(env, p["id"], first)["appointment_id"]
    stack.drain_streams()
    advance_to(stack, first - timedelta(hours=72) + timedelta(minutes=1))
    (email,) = [m for m in stack.outbox.messages(to=p["email"]) if m.source == "ses"]
    assert "Remy" in email.body and email.subject.startswith("Appointment reminder")
    res = anonymous.call("POST", "/_local/email/bounce", {"to": p["email"]})
    assert res.status == 202, res.body
    messages = env["desk"].call("GET", f"/appointments/{appt}/messages").body["messages"]
    assert [(m["status"], m["detail"]) for m in messages if m["channel"] == "email"] == [
        ("bounced", "bounce:Permanent")
    ]
    assert [m.status for m in stack.outbox.messages(to=p["email"])] == ["bounced"]
    second = local_day(stack, DENVER, 6, 10)
    appt2 = book(env, p["id"], second)["appointment_id"]
    stack.drain_streams()
    advance_to(stack, second - timedelta(hours=72) + timedelta(minutes=1))
    assert len([m for m in stack.outbox.messages(to=p["email"]) if m.source == "ses"]) == 1
    messages = env["desk"].call("GET", f"/appointments/{appt2}/messages").body["messages"]
    assert [m["reason"] for m in messages if m["channel"] == "email"] == ["suppressed"]


def test_no_sms_carries_phi_beyond_the_templates_fields(stack, env):
    bodies = [m.body for n in MY_NUMBERS for m in texts(stack, n)]
    assert bodies, "the tests above sent texts"
    for body in bodies:
        assert LAST not in body  # last name
        assert "1980" not in body  # date of birth
        assert "Hartwell" not in body and "Family Medicine" not in body  # provider, specialty
        assert TYPE_NAME not in body and "Reminder early" not in body  # visit type
        assert "@" not in body  # email address
        assert len(body) <= 320


def test_the_demo_practices_seeded_appointments_have_their_reminders(stack):
    """The seed books through the scheduling service; the stream's poller is already reading
    (as Lambda's event source mapping exists before any data on AWS), so every seeded
    appointment got a reminder plan, behind the thousands of other records the seed wrote."""
    from clinicflow.reminders.store import DynamoReminderStore

    stack.drain_streams()
    ddb = stack.client("dynamodb")
    seeded = [
        (item["PK"]["S"].split("#")[0], item["doc"]["M"]["appointment_id"]["S"])
        for page in ddb.get_paginator("scan").paginate(
            TableName=stack.template.physical["MainTable"],
            FilterExpression="SK = :appt AND #doc.history[0].#by = :seed",
            ExpressionAttributeNames={"#doc": "doc", "#by": "by"},
            ExpressionAttributeValues={":appt": {"S": "APPT"}, ":seed": {"S": "clinicflow-seed"}},
        )
        for item in page["Items"]
    ]
    assert {practice for practice, _ in seeded} == {"sunrise", "lakeside"}
    store = DynamoReminderStore()
    plans = {appt: store.get_plan(practice, appt) for practice, appt in seeded}
    assert all(plan is not None for plan in plans.values()), plans
    assert any(plan.kinds_ever for plan in plans.values() if plan is not None)
