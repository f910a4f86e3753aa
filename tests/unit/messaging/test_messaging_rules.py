"""Messaging rules: quiet hours across zones and DST, keywords, statuses, templates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinicflow.messaging import templates
from clinicflow.messaging.model import (
    Intent,
    MessageStatus,
    QuietHours,
    classify,
    consented,
    in_quiet_hours,
    mask_address,
    sms_event_status,
    sms_send_time,
)

DENVER = ZoneInfo("America/Denver")
NEW_YORK = ZoneInfo("America/New_York")
HONOLULU = ZoneInfo("Pacific/Honolulu")
LA = ZoneInfo("America/Los_Angeles")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "quiet"),
    [
        ("2026-03-10T02:59", DENVER, False),  # 20:59 MDT
        ("2026-03-10T03:00", DENVER, True),  # 21:00 MDT
        ("2026-03-10T13:59", DENVER, True),  # 07:59 MDT
        ("2026-03-10T14:00", DENVER, False),  # 08:00 MDT
        ("2026-03-10T14:00", NEW_YORK, False),  # 10:00 EDT
        ("2026-03-10T14:00", HONOLULU, True),  # 04:00 HST
        ("2026-01-10T15:00", DENVER, False),  # 08:00 MST (winter: UTC-7)
        ("2026-01-10T14:59", DENVER, True),  # 07:59 MST
    ],
)
def test_quiet_hours_are_the_locations_wall_clock(moment: str, zone: ZoneInfo, quiet: bool):
    assert in_quiet_hours(utc(moment), zone) is quiet


def test_sms_due_in_quiet_hours_moves_to_0800_local():
    # Due 23:00 MDT on March 9th; the visit is at 15:00 MDT on the 10th.
    due = utc("2026-03-10T05:00")
    send = sms_send_time(due, utc("2026-03-10T21:00"), DENVER)
    assert send == utc("2026-03-10T14:00")  # 08:00 MDT


def test_sms_due_after_midnight_moves_to_0800_the_same_day():
    due = utc("2026-03-10T09:00")  # 03:00 MDT
    assert sms_send_time(due, utc("2026-03-10T21:00"), DENVER) == utc("2026-03-10T14:00")


def test_sms_skipped_when_0800_is_less_than_two_hours_before_the_visit():
    due = utc("2026-03-10T05:00")  # 23:00 MDT
    assert sms_send_time(due, utc("2026-03-10T15:30"), DENVER) is None  # visit 09:30 MDT
    assert sms_send_time(due, utc("2026-03-10T16:00"), DENVER) == utc("2026-03-10T14:00")


def test_sms_outside_quiet_hours_goes_when_due():
    due = utc("2026-03-10T18:00")  # 12:00 MDT
    assert sms_send_time(due, utc("2026-03-11T18:00"), DENVER) == due


def test_dst_spring_forward_keeps_0800_local():
    # US DST starts 2026-03-08 02:00 local. Due 22:00 MST on the 7th → 08:00 MDT on the 8th.
    due = utc("2026-03-08T05:00")
    send = sms_send_time(due, utc("2026-03-08T20:00"), DENVER)
    assert send == utc("2026-03-08T14:00")
    assert send is not None and send.astimezone(DENVER).hour == 8


def test_dst_fall_back_keeps_0800_local():
    # US DST ends 2026-11-01 02:00 local. Due 01:30 (first, MDT) → 08:00 MST = 15:00 UTC.
    due = utc("2026-11-01T07:30")
    send = sms_send_time(due, utc("2026-11-01T20:00"), DENVER)
    assert send == utc("2026-11-01T15:00")


def test_the_same_instant_is_quiet_in_one_zone_and_not_in_another():
    moment = utc("2026-06-01T12:30")  # 08:30 EDT, 05:30 PDT
    assert not in_quiet_hours(moment, NEW_YORK)
    assert in_quiet_hours(moment, LA)
    visit = utc("2026-06-01T20:00")
    assert sms_send_time(moment, visit, NEW_YORK) == moment
    assert sms_send_time(moment, visit, LA) == utc("2026-06-01T15:00")  # 08:00 PDT


@pytest.mark.parametrize(
    ("body", "intent"),
    [
        ("C", Intent.CONFIRM),
        (" y ", Intent.CONFIRM),
        ("c.", Intent.CONFIRM),
        ("R", Intent.RESCHEDULE),
        ("STOP", Intent.OPT_OUT),
        ("stop", Intent.OPT_OUT),
        ("Cancel", Intent.OPT_OUT),  # a carrier opt-out word, never an appointment command
        ("END", Intent.OPT_OUT),
        ("QUIT", Intent.OPT_OUT),
        ("UNSUBSCRIBE", Intent.OPT_OUT),
        ("STOPALL", Intent.OPT_OUT),
        ("REVOKE", Intent.OPT_OUT),
        ("OPTOUT", Intent.OPT_OUT),
        ("START", Intent.OPT_IN),
        ("unstop", Intent.OPT_IN),
        ("HELP", Intent.HELP),
        ("yes please", Intent.OTHER),
        ("", Intent.OTHER),
    ],
)
def test_keywords(body: str, intent: Intent):
    assert classify(body) is intent


def test_statuses_of_sms_events():
    assert sms_event_status("TEXT_DELIVERED") is MessageStatus.DELIVERED
    assert sms_event_status("TEXT_SUCCESSFUL") is MessageStatus.DELIVERED
    assert sms_event_status("TEXT_SENT") is MessageStatus.SENT
    assert sms_event_status("TEXT_CARRIER_UNREACHABLE") is MessageStatus.FAILED
    assert sms_event_status("TEXT_BLOCKED") is MessageStatus.FAILED
    assert sms_event_status("VOICE_COMPLETED") is None


def test_consent_must_be_recorded_and_granted():
    class C:
        def __init__(self, status: str) -> None:
            self.status = status

    assert consented(C("granted"))
    assert not consented(C("withdrawn"))
    assert not consented(None)


def test_masking():
    assert mask_address("robin@example.org") == "r***@example.org"
    assert mask_address("+13035550142") == "***0142"


# --- templates -------------------------------------------------------------------------

WHEN = datetime(2026, 3, 10, 9, 30, tzinfo=DENVER)
FIELDS = templates.Fields(
    first_name="Robin", when=WHEN, location_name="Sunrise Main", practice_name="Sunrise FM"
)


def test_sms_reminder_in_english_and_spanish():
    en = templates.sms(templates.Kind.REMINDER, FIELDS, "en")
    es = templates.sms(templates.Kind.REMINDER, FIELDS, "es-MX")
    assert en == (
        "Hi Robin, reminder: your appointment is Tuesday, March 10 at 9:30 AM at Sunrise Main. "
        "Reply C to confirm or R to reschedule."
    )
    assert es.startswith("Hola Robin, recordatorio: su cita es el martes 10 de marzo a las 09:30")
    assert "Responda C" in es


def test_unknown_language_falls_back_to_english():
    assert templates.language_of("fr") == "en"
    assert templates.language_of(None) == "en"
    assert templates.sms(templates.Kind.HELP, FIELDS, "fr").startswith("Reply C")


def test_sms_never_carries_more_than_its_fields():
    for language in templates.LANGUAGES:
        for kind in templates.Kind:
            text = templates.sms(kind, FIELDS, language)
            assert "Sunrise FM" not in text  # not even the practice's name
            assert len(text) <= 160 * 2
            assert "$" not in text


def test_email_has_html_and_text_and_escapes_fields():
    fields = templates.Fields(
        first_name="<b>Robin</b>", when=WHEN, location_name="A & B", practice_name="P"
    )
    email = templates.reminder_email(fields, "en")
    assert "Tuesday, March 10 at 9:30 AM" in email.subject
    assert "<b>Robin</b>" in email.text
    assert "&lt;b&gt;Robin&lt;/b&gt;" in email.html and "A &amp; B" in email.html
    assert re.search(r"<html lang=\"en\">", email.html)
    assert templates.reminder_email(FIELDS, "es").subject.startswith("Recordatorio de cita")


def test_times_are_formatted_for_each_language():
    evening = datetime(2026, 12, 6, 18, 5, tzinfo=NEW_YORK)
    assert templates.format_when(evening, "en") == "Sunday, December 6 at 6:05 PM"
    assert templates.format_when(evening, "es") == "domingo 6 de diciembre a las 18:05"
    noon = evening.replace(hour=12)
    assert templates.format_when(noon, "en").endswith("12:05 PM")
    assert templates.format_when(noon.replace(hour=0) + timedelta(0), "en").endswith("12:05 AM")


# --- a practice's own quiet hours -----------------------------------------------------------

EVENINGS = QuietHours(start=time(20, 0), end=time(9, 30), min_lead=timedelta(hours=3))
NIGHT_ONLY = QuietHours(start=time(0, 0), end=time(6, 0))  # does not cross midnight


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        ("19:59", False),
        ("20:00", True),
        ("23:59", True),
        ("00:00", True),
        ("09:29", True),
        ("09:30", False),
        ("12:00", False),
    ],
)
def test_a_practices_window_across_midnight(local: str, quiet: bool):
    assert EVENINGS.contains(time.fromisoformat(local)) is quiet


@pytest.mark.parametrize(
    ("local", "quiet"), [("23:59", False), ("00:00", True), ("05:59", True), ("06:00", False)]
)
def test_a_window_that_does_not_cross_midnight(local: str, quiet: bool):
    assert NIGHT_ONLY.contains(time.fromisoformat(local)) is quiet


def test_a_practices_window_moves_texts_to_its_own_end_and_lead():
    due = utc("2026-03-10T03:30")  # 21:30 MDT on the 9th: quiet from 20:00
    assert sms_send_time(due, utc("2026-03-10T21:00"), DENVER, EVENINGS) == utc(
        "2026-03-10T15:30"
    )  # 09:30 MDT
    # 09:30 is 2.5 h before a 12:00 visit: under this practice's 3-hour lead, skipped.
    assert sms_send_time(due, utc("2026-03-10T18:00"), DENVER, EVENINGS) is None
    # The default rules would have sent at 08:00, 4 h before.
    assert sms_send_time(due, utc("2026-03-10T18:00"), DENVER) == utc("2026-03-10T14:00")


def test_a_practices_window_in_two_time_zones():
    moment = utc("2026-06-02T02:30")  # 20:30 MDT in Denver, 21:30 CDT in Chicago
    chicago = ZoneInfo("America/Chicago")
    late_window = QuietHours(start=time(21, 0), end=time(8, 0))
    assert not in_quiet_hours(moment, DENVER, late_window)
    assert in_quiet_hours(moment, chicago, late_window)
    visit = utc("2026-06-02T20:00")
    assert sms_send_time(moment, visit, DENVER, late_window) == moment
    assert sms_send_time(moment, visit, chicago, late_window) == utc("2026-06-02T13:00")  # 08:00


def test_a_practices_window_across_daylight_saving():
    # Spring forward (2026-03-08): 09:30 MDT is 15:30 UTC; the evening before, 09:30 MST was
    # 16:30 UTC. Fall back (2026-11-01): 09:30 MST is 16:30 UTC.
    assert sms_send_time(utc("2026-03-08T04:00"), utc("2026-03-09T00:00"), DENVER, EVENINGS) == utc(
        "2026-03-08T15:30"
    )
    assert sms_send_time(utc("2026-10-31T03:00"), utc("2026-11-01T00:00"), DENVER, EVENINGS) == utc(
        "2026-10-31T15:30"
    )  # still MDT
    assert sms_send_time(utc("2026-11-01T03:00"), utc("2026-11-02T00:00"), DENVER, EVENINGS) == utc(
        "2026-11-01T16:30"
    )  # MST


def test_an_end_the_clocks_skip_means_the_first_instant_after_the_gap():
    # Quiet 23:00-02:30: on 2026-03-08 Denver jumps from 02:00 MST to 03:00 MDT.
    gap = QuietHours(start=time(23, 0), end=time(2, 30))
    send = sms_send_time(utc("2026-03-08T06:30"), utc("2026-03-08T20:00"), DENVER, gap)
    assert send == utc("2026-03-08T09:30")
    assert send is not None and send.astimezone(DENVER).strftime("%H:%M") == "03:30"
    assert not in_quiet_hours(send, DENVER, gap)
