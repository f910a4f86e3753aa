"""Two-way SMS against fakes: each keyword, shared numbers, opt-out and re-opt-in, dedupe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from reminders_fakes import HOUR, NUMBER, PRACTICE, WITHDRAWN, World, at

from clinicflow.messaging.tasks import TaskKind
from clinicflow.reminders.replies import handle_inbound

NOW = at("2026-03-09T16:00")
VISIT = at("2026-03-10T16:30")
MOBILE = "+13035550142"


@pytest.fixture
def world() -> World:
    w = World()
    w.add_patient()
    w.book(VISIT, now=NOW)
    return w


_ids = iter(range(10_000))


def text(world: World, body: str, sender: str = MOBILE, inbound_id: str | None = None) -> str:
    message = {
        "originationNumber": sender,
        "destinationNumber": NUMBER,
        "messageKeyword": "",
        "messageBody": body,
        "inboundMessageId": inbound_id or f"in-{next(_ids)}",
        "previousPublishedMessageId": "",
    }
    return handle_inbound(message, ports=world.ports, now=NOW)


@pytest.mark.parametrize("word", ["C", "Y", "c", "y!"])
def test_c_or_y_confirms_the_next_unconfirmed_appointment(world: World, word: str):
    assert text(world, word) == "confirmed"
    assert world.appointments.confirmed == ["appt-1"]
    (reply,) = world.sms.sent
    assert reply["to"] == MOBILE and "is confirmed" in reply["body"]


def test_confirm_picks_the_next_unconfirmed_one(world: World):
    first = world.appointments.rows[(PRACTICE, "appt-1")]
    world.change(first, NOW, status="confirmed")
    world.book(VISIT + timedelta(days=7), appointment_id="appt-2", now=NOW)
    assert text(world, "C") == "confirmed"
    assert world.appointments.confirmed == ["appt-2"]


def test_confirm_with_nothing_to_confirm(world: World):
    world.appointments.confirm(PRACTICE, "appt-1")
    assert text(world, "C") == "nothing_to_confirm"
    assert "no upcoming appointment" in world.sms.sent[-1]["body"]


def test_r_asks_for_a_reschedule(world: World):
    assert text(world, "R") == "reschedule_requested"
    (task,) = world.messages.open_tasks(PRACTICE, 10)
    assert task.kind is TaskKind.RESCHEDULE_REQUEST and task.appointment_id == "appt-1"
    assert task.patient_ids == ("pat-1",) and task.phone == MOBILE
    assert "front desk" in world.sms.sent[-1]["body"]


def test_anything_else_gets_the_help_text(world: World):
    assert text(world, "what time is it?") == "help"
    assert world.sms.sent[-1]["body"].startswith("Reply C to confirm")
    assert world.appointments.confirmed == []


def test_help_is_answered_by_aws_not_twice(world: World):
    assert text(world, "HELP") == "help_answered_by_aws"
    assert world.sms.sent == []


@pytest.mark.parametrize(
    "word", ["STOP", "CANCEL", "END", "QUIT", "UNSUBSCRIBE", "STOPALL", "REVOKE", "OPTOUT"]
)
def test_opt_out_words_record_the_opt_out_and_are_never_commands(world: World, word: str):
    assert text(world, word) == "opted_out:1"
    assert world.patients.consent_changes == [("pat-1", False)]
    assert world.appointments.confirmed == []  # CANCEL does not cancel the visit
    assert world.sms.sent == []  # AWS answers the keyword itself
    assert world.messages.open_tasks(PRACTICE, 10) == []


def test_after_opt_out_nothing_is_sent_and_start_re_opts_in(world: World):
    text(world, "STOP")
    assert world.fire("appt-1.sms-24h", VISIT - 24 * HOUR) == "skipped:no_consent"
    assert text(world, "START") == "opted_in:1"
    patient = world.patients.rows[(PRACTICE, "pat-1")]
    assert patient.sms_consent is not None and patient.sms_consent.status == "granted"


def test_start_does_not_grant_consent_never_given(world: World):
    world.add_patient(sms=None)
    assert text(world, "UNSTOP") == "opted_in:0"


def test_a_shared_number_makes_a_task_instead_of_a_guess(world: World):
    world.add_patient("pat-2", first_name="Sam")
    world.book(VISIT + HOUR, appointment_id="appt-2", patient_id="pat-2", now=NOW)
    assert text(world, "C") == "shared_number"
    assert world.appointments.confirmed == []
    (task,) = world.messages.open_tasks(PRACTICE, 10)
    assert task.kind is TaskKind.SHARED_NUMBER and task.patient_ids == ("pat-1", "pat-2")
    assert task.intent == "confirm"
    body = world.sms.sent[-1]["body"]
    assert "Robin" not in body and "Sam" not in body


def test_a_shared_number_opting_out_opts_out_everyone_on_it(world: World):
    world.add_patient("pat-2", first_name="Sam")
    assert text(world, "stop") == "opted_out:2"


def test_an_inbound_message_is_handled_once(world: World):
    assert text(world, "R", inbound_id="dup-1") == "reschedule_requested"
    assert text(world, "R", inbound_id="dup-1") == "duplicate"
    assert len(world.messages.open_tasks(PRACTICE, 10)) == 1
    assert len(world.sms.sent) == 1


def test_unknown_numbers_and_unrouted_destinations(world: World):
    assert text(world, "C", sender="+15555550199") == "unknown_sender"
    message = {
        "originationNumber": MOBILE,
        "destinationNumber": "+19995550000",
        "messageBody": "C",
        "inboundMessageId": "x",
    }
    assert handle_inbound(message, ports=world.ports, now=NOW) == "unrouted"
    assert handle_inbound({}, ports=world.ports, now=NOW) == "invalid"


def test_replies_need_consent_too(world: World):
    world.add_patient(sms=WITHDRAWN)
    assert text(world, "C") == "confirmed"  # the patient's own action counts
    assert world.sms.sent == []


def test_replies_in_the_patients_language(world: World):
    world.add_patient(language="es", first_name="Lucía")
    text(world, "C")
    assert world.sms.sent[-1]["body"].startswith("Gracias Lucía")
