"""Eligibility in headless Chromium, against the sandbox payer and the demo practice's
"Sandbox" patients (docs/eligibility-sandbox.md): check a coverage from the patient page and
read the result card, download the raw 271, see an AAA rejection's actionable message, apply
the payer's corrections on request, and see a nightly flag on the calendar and the card."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.calendar_setup import make_calendar
from tests.e2e.conftest import Portal
from tests.e2e.test_calendar import open_calendar
from tests.e2e.test_portal import search

pytestmark = pytest.mark.e2e

CHECK = re.compile(r"^Check eligibility")


def open_sandbox_patient(portal: Portal, first: str) -> None:
    """Find '<first> Sandbox' of the demo seed and open their page."""
    search(portal, last_name="Sandbox", first_name=first)
    portal.page.get_by_role("table").get_by_role("link", name=f"Sandbox, {first}").click()
    portal.page.get_by_role("heading", name="Insurance coverages").wait_for()
    portal.page.get_by_role("button", name=CHECK).first.wait_for()


def card(portal: Portal, status: str) -> Any:
    """The result card, once its heading says `status`."""
    heading = portal.page.get_by_role("heading", name=f"Eligibility: {status}", level=4)
    heading.wait_for()
    return portal.page.locator(".elig-card").filter(has=heading)


def test_check_eligibility_from_the_patient_page(portal: Portal) -> None:
    page = portal.page
    portal.sign_in("sunrise-frontdesk")
    open_sandbox_patient(portal, "Ava")
    page.get_by_role("button", name=CHECK).first.click()
    result = card(portal, "Active")
    text = result.inner_text()
    assert "SANDBOX GOLD PPO" in text
    assert "$25.00" in text  # office-visit copay, in network
    assert "20%" in text
    deductible = result.get_by_role("row", name=re.compile("^Deductible"))
    assert deductible.get_by_role("cell").nth(0).inner_text() == "$1,250.00 left of $1,500.00"
    assert deductible.get_by_role("cell").nth(1).inner_text() == "$2,800.00 left of $3,000.00"
    oop = result.get_by_role("row", name=re.compile("^Out-of-pocket"))
    assert oop.get_by_role("cell").nth(0).inner_text() == "$5,500.50 left of $6,000.00"
    assert "WELBY" in text  # the PCP
    portal.shot("eligibility-active")
    portal.audit("eligibility-active")

    # The same question again is answered from the stored check; "Check again" asks the payer.
    page.get_by_role("button", name=CHECK).first.click()
    card(portal, "Active").get_by_text("stored answer (cached)").wait_for()
    page.get_by_role("button", name="Check again").click()
    card(portal, "Active").get_by_text("fresh answer from the payer").wait_for()

    # The raw 271 downloads as the payer's X12.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the 271 (answer)").click()
    raw = info.value.path().read_text()
    assert raw.startswith("ISA*") and "ST*271*" in raw


def test_a_rejected_check_says_what_to_do(portal: Portal) -> None:
    portal.sign_in("sunrise-frontdesk")
    open_sandbox_patient(portal, "Bianca")
    portal.page.get_by_role("button", name=CHECK).first.click()
    result = card(portal, "Rejected by the payer")
    alert = result.get_by_role("alert")
    assert "Check the member ID on the insurance card" in alert.inner_text()
    assert "Then check again." in alert.inner_text()
    portal.shot("eligibility-rejected")
    portal.audit("eligibility-rejected")


def test_apply_the_payers_corrections(portal: Portal) -> None:
    page = portal.page
    portal.sign_in("sunrise-frontdesk")
    open_sandbox_patient(portal, "Kate")
    page.get_by_role("button", name=CHECK).first.click()
    result = card(portal, "Active")
    fixes = result.get_by_role("group", name="Corrections from the payer")
    fixes.wait_for()
    boxes = fixes.get_by_role("checkbox")
    assert boxes.count() == 3
    labels = fixes.inner_text()
    assert "Member ID: SBX-CORRECTED-1009 → SBX-ACTIVE-1009" in labels
    assert "Patient's first name: Kate → KATHERINE" in labels
    assert "Patient's date of birth: Mar 9, 1984 → Sep 3, 1984" in labels
    portal.shot("eligibility-corrections")
    portal.audit("eligibility-corrections")
    # Nothing changed on file until staff apply.
    assert page.get_by_role("heading", level=1).inner_text() == "Kate Sandbox"

    fixes.get_by_role("button", name="Apply corrections").click()
    card(portal, "Active").get_by_text("Applied 3 corrections").wait_for()
    page.get_by_role("button", name="Show the updated record").click()
    page.get_by_role("heading", name="Katherine Sandbox", level=1).wait_for()
    page.get_by_text("SBX-ACTIVE-1009").wait_for()
    portal.shot("eligibility-corrected-record")
    # The corrected coverage is a different question: asked afresh, nothing left to correct.
    page.get_by_role("button", name=CHECK).first.click()
    again = card(portal, "Active")
    again.get_by_text("fresh answer from the payer").wait_for()
    assert not again.get_by_role("group", name="Corrections from the payer").count()


def test_nightly_flag_on_the_calendar_and_the_appointment_card(portal: Portal, login: Any) -> None:
    from clinicflow.eligibility.batch_store import DynamoFlagStore
    from clinicflow.eligibility.flags import FlagKind, flag_of

    page = portal.page
    cal = make_calendar(login("sunrise-admin"))
    desk = login("sunrise-frontdesk")
    found = desk.call("POST", "/patients/search", {"last_name": "Sandbox", "first_name": "Iris"})
    assert found.status == 200, found.body
    iris = found.body["items"][0]
    today = datetime.now(ZoneInfo("America/Denver")).date()
    booked = desk.call(
        "POST",
        "/appointments",
        {
            "patient_id": iris["id"],
            "provider_id": cal.provider_ids[0],
            "location_id": cal.location_id,
            "type_id": cal.type_id,
            "start": f"{today.isoformat()}T11:00:00",
        },
    )
    assert booked.status == 201, booked.body
    appointment = booked.body
    # What the nightly worker records for an inactive coverage (the batch has its own tests).
    DynamoFlagStore().put(
        "sunrise",
        flag_of(
            appointment_id=appointment["appointment_id"],
            patient_id=iris["id"],
            appointment_start=datetime.fromisoformat(appointment["start"]).astimezone(UTC),
            service_date=today,
            checked_at=datetime.now(UTC),
            kind=FlagKind.INACTIVE,
        ),
    )

    portal.sign_in("sunrise-frontdesk")
    open_calendar(portal, cal)
    block = page.get_by_role(
        "button", name=re.compile(r"Iris Sandbox.*eligibility problem: coverage inactive$")
    )
    block.wait_for()
    assert block.locator(".elig-flag").inner_text() == "Eligibility"
    portal.shot("calendar-eligibility-flag")
    portal.audit("calendar-eligibility-flag")

    block.click()
    dialog = page.get_by_role("dialog", name="Appointment")
    dialog.get_by_text("Nightly check: coverage inactive.").wait_for()
    dialog.get_by_role("button", name="Check eligibility").click()
    dialog.get_by_role("heading", name="Eligibility: Inactive", level=4).wait_for()
    portal.shot("appointment-eligibility")
    portal.audit("appointment-eligibility")
