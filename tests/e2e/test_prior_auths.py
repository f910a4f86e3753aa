"""Prior authorizations in headless Chromium: the front desk records one on the patient page
(missing fields named first), sees it listed with its visits, then books the patient and the
booking dialog shows the visits left before the appointment is made."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.calendar_setup import Calendar, make_calendar
from tests.e2e.conftest import Portal

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def auth_calendar(login: Any) -> Calendar:
    return make_calendar(login("sunrise-admin"))


def _coverage(login: Any, patient_id: str) -> str:
    """Give the patient a primary coverage with the first payer of the directory."""
    admin = login("sunrise-admin")
    payers = admin.call("GET", "/payers")
    assert payers.status == 200, payers.body
    payer_id = str(payers.body["payers"][0]["payer_id"])
    made = admin.call(
        "POST",
        f"/patients/{patient_id}/coverages",
        {
            "payer_id": payer_id,
            "member_id": "SBX-ACTIVE-7788",
            "relationship": "18",
            "claim_filing_indicator": "CI",
        },
    )
    assert made.status == 201, made.body
    return payer_id


def test_record_an_authorization_and_see_it_when_booking(
    portal: Portal, auth_calendar: Calendar, login: Any
) -> None:
    page = portal.page
    cal = auth_calendar
    juniper = cal.patients[0]
    payer_id = _coverage(login, juniper["id"])
    today = portal.now().date()  # the stack's clock (the calendar's day and the auth's window)

    portal.sign_in("sunrise-frontdesk")
    portal.open(f"#/patients/{juniper['id']}")
    section = page.get_by_role("region", name="Prior authorizations and referrals")
    section.get_by_text("None on file.").wait_for()
    section.get_by_role("button", name="Add authorization").click()
    dialog = page.get_by_role("dialog", name="Add a prior authorization or referral")
    dialog.get_by_role("button", name="Add authorization").click()
    number = dialog.get_by_label("Authorization or referral number")
    assert number.get_attribute("aria-invalid") == "true"  # named before anything is sent
    number.fill("PA-7788")
    dialog.get_by_label("Valid from").fill((today - timedelta(days=30)).isoformat())
    dialog.get_by_label("Valid until").fill((today + timedelta(days=90)).isoformat())
    dialog.get_by_label("Visits allowed").fill("10")
    dialog.get_by_label("Visits already used").fill("3")
    dialog.get_by_label(re.compile("^Procedure codes covered")).fill("97110, 97140")
    portal.audit("prior-auth-form")
    dialog.get_by_role("button", name="Add authorization").click()
    dialog.wait_for(state="detached")
    row = section.get_by_role("row", name=re.compile("PA-7788"))
    row.wait_for()
    text = row.inner_text()
    assert payer_id in text and "97110, 97140" in text and "3 used of 10" in text
    assert "active" in text
    portal.shot("prior-auth-listed")
    portal.audit("prior-auth-listed")

    # Booking the patient shows what is left before the visit is made.
    portal.open(f"#/calendar/{cal.location_id}/{today.isoformat()}")  # the stack's today
    page.get_by_text("Loading appointments…").wait_for(state="detached")
    avery = cal.provider_names[0]
    page.get_by_role("button", name=re.compile(rf"^Book {avery} at 10:00 AM")).click()
    booking = page.get_by_role("dialog", name="Book an appointment")
    booking.get_by_label("Patient last name").fill(f"Calendar{cal.tag}")
    booking.get_by_role("button", name="Find patient").click()
    booking.get_by_role("button", name=re.compile(rf"^Calendar{cal.tag}, Juniper")).click()
    notice = booking.locator(".auth-notice")
    notice.get_by_text(re.compile(rf"PA-7788 \({payer_id}\): 7 of 10 visits left")).wait_for()
    assert "covers 97110, 97140" in notice.inner_text()
    portal.audit("prior-auth-booking")
