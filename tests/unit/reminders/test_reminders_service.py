"""Reminders against in-memory fakes: scheduled on booking, moved, deleted, sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from reminders_fakes import HOUR, PRACTICE, WITHDRAWN, World, at

from clinicflow.messaging.model import Channel, MessageStatus
from clinicflow.platform.errors import ForbiddenError, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.reminders import service
from clinicflow.reminders.model import (
    QuietHoursPolicy,
    ReminderPolicy,
    ReminderRule,
    plan_reminders,
    schedule_name,
)

NOW = at("2026-03-02T16:00")  # 09:00 MST
VISIT = at("2026-03-10T16:30")  # 10:30 MDT (after the DST change)
EMAIL = "appt-1.email-72h"
SMS = "appt-1.sms-24h"
ADMIN = Caller("admin", PRACTICE, frozenset({Role.ADMIN}))


@pytest.fixture
def world() -> World:
    w = World()
    w.add_patient()
    return w


def test_booking_creates_one_schedule_per_reminder(world: World):
    world.book(VISIT, now=NOW)
    assert set(world.schedules.schedules) == {EMAIL, SMS}
    email_at, payload = world.schedules.schedules[EMAIL]
    assert email_at == VISIT - 72 * HOUR
    assert world.schedules.schedules[SMS][0] == VISIT - 24 * HOUR
    assert payload == {
        "practice_id": PRACTICE,
        "appointment_id": "appt-1",
        "kind": "email-72h",
        "version": 1,
    }


def test_schedule_names_and_inputs_carry_ids_only(world: World):
    world.book(VISIT, now=NOW)
    for name, (_, payload) in world.schedules.schedules.items():
        assert "Robin" not in name and "+1303" not in name
        assert set(payload) == {"practice_id", "appointment_id", "kind", "version"}
    long_id = "appt-" + "x" * 55
    name = schedule_name(long_id, "email-72h")
    assert len(name) <= 64 and all(c.isalnum() or c in "-_." for c in name)


def test_reschedule_moves_the_reminders(world: World):
    booked = world.book(VISIT, now=NOW)
    moved = world.change(booked, NOW, start=VISIT + timedelta(days=2))
    assert set(world.schedules.schedules) == {EMAIL, SMS}
    at_, payload = world.schedules.schedules[SMS]
    assert at_ == moved.start - 24 * HOUR
    assert payload["version"] == 2


def test_status_change_keeps_the_reminders(world: World):
    booked = world.book(VISIT, now=NOW)
    before = dict(world.schedules.schedules)
    world.change(booked, NOW, status="confirmed")
    assert world.schedules.schedules == before


def test_cancel_deletes_the_reminders(world: World):
    booked = world.book(VISIT, now=NOW)
    world.change(booked, NOW, status="cancelled")
    assert world.schedules.schedules == {}
    assert world.store.get_plan(PRACTICE, "appt-1").cancelled  # type: ignore[union-attr]


def test_a_deleted_item_deletes_the_reminders(world: World):
    booked = world.book(VISIT, now=NOW)
    service.on_appointment_changed(PRACTICE, booked, None, ports=world.ports, now=NOW)
    assert world.schedules.schedules == {}


def test_each_occurrence_of_a_series_gets_its_own(world: World):
    for week in range(3):
        world.book(VISIT + timedelta(weeks=week), appointment_id=f"appt-s{week}", now=NOW)
    assert len(world.schedules.schedules) == 6


def test_fired_twice_sends_once(world: World):
    world.book(VISIT, now=NOW)
    fire_at = VISIT - 24 * HOUR
    assert world.fire(SMS, fire_at) == "sent"
    assert world.fire(SMS, fire_at) == "duplicate"
    assert world.fire(SMS, fire_at + timedelta(minutes=6)) == "duplicate"  # redelivered late
    assert len(world.sms.sent) == 1
    sent = world.sms.sent[0]
    assert sent["to"] == "+13035550142" and sent["context"]["appointment_id"] == "appt-1"


def test_a_firing_after_a_reschedule_sends_nothing(world: World):
    booked = world.book(VISIT, now=NOW)
    _, old_payload = world.schedules.schedules[SMS]
    world.change(booked, NOW, start=VISIT + timedelta(days=1))
    assert service.fire_reminder(old_payload, ports=world.ports, now=VISIT - 24 * HOUR) == "stale"
    assert world.sms.sent == []
    assert world.fire(SMS, VISIT + timedelta(days=1) - 24 * HOUR) == "sent"


def test_a_firing_after_cancel_sends_nothing(world: World):
    booked = world.book(VISIT, now=NOW)
    _, payload = world.schedules.schedules[EMAIL]
    world.change(booked, NOW, status="cancelled")
    assert service.fire_reminder(payload, ports=world.ports, now=VISIT - 72 * HOUR) == "stale"
    assert world.email.sent == []


def test_confirmed_appointment_still_gets_its_reminder(world: World):
    booked = world.book(VISIT, now=NOW)
    world.change(booked, NOW, status="confirmed")
    assert world.fire(EMAIL, VISIT - 72 * HOUR) == "sent"


def test_email_reminder_is_html_and_text_in_the_patients_language(world: World):
    world.add_patient(language="es", first_name="Lucía")
    world.book(VISIT, now=NOW)
    world.fire(EMAIL, VISIT - 72 * HOUR)
    (email,) = world.email.sent
    assert email["subject"].startswith("Recordatorio de cita")
    assert "Lucía" in email["text"] and "<html" in email["html"]
    assert email["tags"] == {"practice_id": PRACTICE, "appointment_id": "appt-1"}
    (message,) = world.messages.messages_of(PRACTICE, "appt-1")
    assert message.channel is Channel.EMAIL and message.status is MessageStatus.SENT


def test_nothing_is_sent_without_consent(world: World):
    world.add_patient(sms=WITHDRAWN, mail=None)
    world.book(VISIT, now=NOW)
    assert world.fire(SMS, VISIT - 24 * HOUR) == "skipped:no_consent"
    assert world.fire(EMAIL, VISIT - 72 * HOUR) == "skipped:no_consent"
    assert world.sms.sent == [] and world.email.sent == []
    statuses = {m.status for m in world.messages.messages_of(PRACTICE, "appt-1")}
    assert statuses == {MessageStatus.SKIPPED}


def test_suppressed_address_gets_no_email(world: World):
    world.messages.suppress(PRACTICE, "ROBIN@example.org", "bounce", NOW)
    world.book(VISIT, now=NOW)
    assert world.fire(EMAIL, VISIT - 72 * HOUR) == "skipped:suppressed"
    assert world.email.sent == []


def test_no_sms_number_means_no_sms(world: World):
    world.messages.settings.clear()
    world.book(VISIT, now=NOW)
    assert world.fire(SMS, VISIT - 24 * HOUR) == "skipped:no_sms_number"


def test_a_failed_send_gives_the_claim_back(world: World):
    world.book(VISIT, now=NOW)
    world.sms.fail = True
    with pytest.raises(RuntimeError):
        world.fire(SMS, VISIT - 24 * HOUR)
    world.sms.fail = False
    assert world.fire(SMS, VISIT - 24 * HOUR) == "sent"


def test_sms_due_in_quiet_hours_is_scheduled_for_0800(world: World):
    visit = at("2026-03-10T15:00")  # 09:00 MDT → due 09:00 the day before: fine
    world.book(visit, now=NOW)
    assert world.schedules.schedules[SMS][0] == visit - 24 * HOUR
    late = at("2026-03-12T04:00")  # 22:00 MDT the evening before → due 22:00 → 08:00
    world.book(late + 24 * HOUR, appointment_id="appt-2", now=NOW)
    assert world.schedules.schedules["appt-2.sms-24h"][0] == at("2026-03-12T14:00")


def test_sms_that_would_arrive_under_two_hours_before_is_skipped(world: World):
    visit = at("2026-03-10T15:30")  # 09:30 MDT; 24 h before is 09:30: fine
    world.book(visit, now=NOW)
    assert SMS in world.schedules.schedules
    early = at("2026-03-11T14:30")  # 08:30 MDT; 24 h before is 08:30 the day before: fine
    world.book(early, appointment_id="appt-3", now=at("2026-03-11T06:00"))  # booked 00:00 MDT
    # due now+1 min (00:01 MDT, quiet) → 08:00 MDT, 30 min before the visit → skipped
    assert "appt-3.sms-24h" not in world.schedules.schedules
    assert "sms-24h" in world.store.get_plan(PRACTICE, "appt-3").skipped  # type: ignore[union-attr]


def test_a_late_firing_in_quiet_hours_is_deferred_to_0800(world: World):
    world.book(VISIT, now=NOW)
    late = at("2026-03-10T04:00")  # 22:00 MDT the evening before the 10:30 visit
    assert world.fire(SMS, late) == "deferred"
    deferred = "appt-1.sms-24h.q"
    when, _payload = world.schedules.schedules[deferred]
    assert when == at("2026-03-09T14:00") + 24 * HOUR  # 08:00 MDT on the 10th
    assert world.fire(deferred, when) == "sent"
    assert world.fire(deferred, when + timedelta(minutes=7)) == "duplicate"
    assert len(world.sms.sent) == 1


def test_a_late_firing_too_close_to_the_visit_is_skipped_once(world: World):
    world.book(VISIT, now=NOW)
    too_late = VISIT - timedelta(minutes=90)
    assert world.fire(SMS, too_late) == "skipped:too_late"
    assert world.fire(SMS, too_late) == "duplicate"
    assert world.sms.sent == []


def test_reminders_follow_the_location_zone(world: World):
    # The same UTC visit in Honolulu: due 24 h before at 06:30 HST → 08:00 HST.
    visit = at("2026-03-10T16:30")  # 06:30 HST
    world.book(visit, time_zone="Pacific/Honolulu", now=NOW)
    assert world.schedules.schedules[SMS][0] == at("2026-03-09T18:00")  # 08:00 HST


def test_policy_per_appointment_type(world: World):
    world.store.policies[PRACTICE] = ReminderPolicy(
        by_type={"type-surgery": (ReminderRule(channel=Channel.SMS, hours_before=48),)}
    )
    world.book(VISIT, type_id="type-surgery", now=NOW)
    assert set(world.schedules.schedules) == {"appt-1.sms-48h"}
    world.book(VISIT, appointment_id="appt-2", now=NOW)
    assert "appt-2.email-72h" in world.schedules.schedules


def test_a_policy_change_deletes_kinds_no_longer_wanted_on_move(world: World):
    booked = world.book(VISIT, now=NOW)
    world.store.policies[PRACTICE] = ReminderPolicy(
        rules=(ReminderRule(channel=Channel.SMS, hours_before=24),)
    )
    world.change(booked, NOW, start=VISIT + HOUR)
    assert set(world.schedules.schedules) == {SMS}


def test_a_reminder_already_due_at_booking_goes_out_shortly(world: World):
    world.book(VISIT, now=VISIT - 30 * HOUR)
    assert world.schedules.schedules[EMAIL][0] == VISIT - 30 * HOUR + timedelta(minutes=1)


def test_plan_skips_everything_for_a_visit_within_two_hours():
    w = World()
    planned, skipped = plan_reminders(
        w.book(VISIT, now=VISIT - HOUR), ReminderPolicy().rules, VISIT - HOUR
    )
    assert planned == [] and sorted(skipped) == ["email-72h", "sms-24h"]


def test_policy_is_validated_and_versioned(world: World):
    with pytest.raises(ValueError, match="once"):
        ReminderPolicy(rules=(ReminderRule(channel=Channel.SMS, hours_before=24),) * 2)
    policy = ReminderPolicy(rules=(ReminderRule(channel=Channel.EMAIL, hours_before=48),))
    saved = service.put_policy(ADMIN, policy, expected_version=0, ports=world.ports)
    assert saved.version == 1
    with pytest.raises(ValidationError):
        service.put_policy(ADMIN, policy, expected_version=0, ports=world.ports)
    front = Caller("fd", PRACTICE, frozenset({Role.FRONT_DESK}))
    with pytest.raises(ForbiddenError):
        service.put_policy(front, policy, expected_version=1, ports=world.ports)


def test_invalid_and_past_payloads(world: World):
    assert service.fire_reminder({}, ports=world.ports, now=NOW) == "invalid"
    world.book(VISIT, now=NOW)
    assert world.fire(SMS, VISIT + HOUR) == "past"


EVENINGS = QuietHoursPolicy(start="20:00", end="09:30", min_lead_minutes=180)


def test_the_practices_quiet_hours_time_the_reminders(world: World):
    world.store.policies[PRACTICE] = ReminderPolicy(quiet_hours=EVENINGS)
    visit = at("2026-03-11T03:00")  # 21:00 MDT: SMS due 21:00 the day before, quiet from 20:00
    world.book(visit, now=NOW)
    assert world.schedules.schedules[SMS][0] == at("2026-03-10T15:30")  # 09:30 MDT
    # Chicago's wall clock: the same UTC visit is 22:00 CDT; 09:30 CDT is 14:30 UTC.
    world.book(visit, appointment_id="appt-2", time_zone="America/Chicago", now=NOW)
    assert world.schedules.schedules["appt-2.sms-24h"][0] == at("2026-03-10T14:30")


def test_a_late_firing_follows_the_quiet_hours_in_force_when_it_fires(world: World):
    world.book(VISIT, now=NOW)  # 10:30 MDT on the 10th; SMS planned 10:30 on the 9th
    later = at("2026-03-10T20:00")  # 14:00 MDT on the 10th
    world.book(later, appointment_id="appt-2", now=NOW)
    world.store.policies[PRACTICE] = ReminderPolicy(quiet_hours=EVENINGS)
    # Fired at 20:30 MDT (late; quiet from 20:00 now): 09:30 is 1 h before the 10:30 visit,
    # under the 3-hour lead: skipped, once.
    assert world.fire(SMS, at("2026-03-10T02:30")) == "skipped:quiet_hours"
    assert world.fire(SMS, at("2026-03-10T02:40")) == "duplicate"
    # For the 14:00 visit, 09:30 leaves 4.5 h: the text waits for the end of quiet hours.
    assert world.fire("appt-2.sms-24h", at("2026-03-10T02:30")) == "deferred"
    when, _ = world.schedules.schedules["appt-2.sms-24h.q"]
    assert when == at("2026-03-10T15:30")  # 09:30 MDT
    assert world.fire("appt-2.sms-24h.q", when) == "sent"
    assert len(world.sms.sent) == 1


def test_the_minimum_lead_applies_to_email_too(world: World):
    world.store.policies[PRACTICE] = ReminderPolicy(quiet_hours=EVENINGS)
    world.book(VISIT, now=NOW)
    assert world.fire(EMAIL, VISIT - timedelta(hours=2, minutes=30)) == "skipped:too_late"
    assert world.email.sent == []


@pytest.mark.parametrize(
    ("quiet", "field"),
    [
        ({"start": "21"}, "quiet_hours.start"),
        ({"end": "8:00"}, "quiet_hours.end"),
        ({"start": "08:00", "end": "08:00"}, "quiet_hours"),
        ({"start": "15:00", "end": "08:00"}, "quiet_hours"),
        ({"min_lead_minutes": 1441}, "quiet_hours.min_lead_minutes"),
        ({"lead": 10}, "quiet_hours.lead"),
    ],
)
def test_bad_quiet_hours_name_the_field(quiet: dict[str, object], field: str):
    from clinicflow.patients.model import parse

    with pytest.raises(ValidationError) as caught:
        parse(ReminderPolicy, {"quiet_hours": quiet})
    assert [f.field for f in caught.value.errors] == [field]


def test_the_default_quiet_hours_are_2100_to_0800_with_two_hours_lead():
    window = ReminderPolicy().quiet_hours.window()
    assert (str(window.start), str(window.end), window.min_lead) == (
        "21:00:00",
        "08:00:00",
        timedelta(hours=2),
    )
