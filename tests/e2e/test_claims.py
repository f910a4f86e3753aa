"""Claims in headless Chromium: a biller enters a superbill for a visit (diagnoses found with the
code search, charges from the fee schedule), the provider signs it off, the biller creates the
claim, sees the scrubber's error beside the field it concerns, corrects it, submits, and watches
the claim go out in an 837P file and come back accepted by the sandbox clearinghouse."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clinicflow.local.stack import LocalStack
from tests.e2e.calendar_setup import Calendar, make_calendar
from tests.e2e.conftest import Portal
from tests.integration.test_claims_submission import claim_status as sent_status
from tests.integration.test_claims_submission import make_ready_claim, wait_for, wait_until_sent

pytestmark = pytest.mark.e2e

FEES = {"99213": "120.00", "93000": "45.50"}


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status in (statuses or (200, 201)), response.body
    return response.body


def _visit(login: Any, cal: Calendar) -> dict[str, str]:
    """A covered synthetic patient seen today at 8:00 in the calendar's clinic; fees on file."""
    desk = login("sunrise-frontdesk")
    patient = _ok(
        desk.call(
            "POST",
            "/patients",
            {
                "name": {"first": "Marlow", "last": f"Claims{cal.tag}"},
                "dob": "1981-02-03",
                "sex": "female",
                "address": {
                    "line1": "12 Example Ave",
                    "city": "Denver",
                    "state": "CO",
                    "postal_code": "80202",
                },
                "phones": [{"type": "mobile", "number": "303-555-0143"}],
                "confirm_duplicate": True,
            },
        )
    )
    _ok(
        desk.call(
            "POST",
            f"/patients/{patient['id']}/coverages",
            {
                "payer_id": "MRDN1",
                "member_id": f"SBX-ACTIVE-1001-{cal.tag}",
                "group_number": "G-100",
                "claim_filing_indicator": "CI",
                "relationship": "18",
                "effective_date": "2026-01-01",
            },
        )
    )
    today = datetime.now(ZoneInfo("America/Denver")).date().isoformat()
    _ok(
        desk.call(
            "POST",
            "/appointments",
            {
                "patient_id": patient["id"],
                "provider_id": cal.provider_ids[0],
                "location_id": cal.location_id,
                "type_id": cal.type_id,
                "start": f"{today}T08:00:00",
            },
        )
    )
    biller = login("sunrise-biller")
    current = biller.call("GET", "/fee-schedules/default")
    version = {"version": current.body["version"]} if current.status == 200 else {}
    fees = {**(current.body.get("fees", {}) if current.status == 200 else {}), **FEES}
    _ok(biller.call("PUT", "/fee-schedules/default", {**version, "fees": fees}))
    return {"name": f"Marlow Claims{cal.tag}"}


def pick_diagnosis(page: Any, typed: str, option: str) -> None:
    box = page.get_by_role("combobox", name="Add a diagnosis (ICD-10-CM)")
    box.fill(typed)
    page.get_by_role("option", name=re.compile(option)).wait_for()
    box.press("ArrowDown")
    box.press("Enter")


def claim_status(page: Any, label: str) -> Any:
    """The claim page's status line once it reads `label`."""
    return page.locator(".claim-status", has_text=label)


def test_superbill_scrub_fix_submit_and_accept(
    portal_factory: Any, login: Any, stack: LocalStack
) -> None:
    cal = make_calendar(login("sunrise-admin"))
    visit = _visit(login, cal)
    biller: Portal = portal_factory()
    page = biller.page

    # The biller starts a superbill from the day's appointments.
    biller.sign_in("sunrise-biller")
    page.get_by_role("link", name="Claims").click()
    page.get_by_role("heading", name="Claims", level=1).wait_for()
    page.get_by_role("heading", name="Work queue").wait_for()
    biller.audit("claims-home")
    page.get_by_role("link", name="New superbill from an appointment").click()
    page.get_by_label("Location").select_option(label=cal.location_name)
    page.get_by_role("button", name="Show appointments").click()
    page.get_by_role("link", name=f"Superbill for {visit['name']} at 08:00").click()
    page.get_by_role("heading", name="Superbill", level=1).wait_for()

    # Diagnoses by words and by code; line 1 points at a diagnosis that does not exist.
    pick_diagnosis(page, "type 2 diabetes without compl", "^E11.9 Type 2 diabetes mellitus without")
    pick_diagnosis(page, "I10", "^I10 Essential")
    page.get_by_text("Type 2 diabetes mellitus without complications").wait_for()
    page.get_by_label("Line 1 procedure (CPT/HCPCS)").fill("99213")
    page.get_by_label("Line 1 units").click()  # leaving the code prices the line
    assert page.get_by_label("Line 1 charge ($)").input_value() == "120.00"
    page.get_by_label("Line 1 diagnosis pointers").fill("1, 3")
    page.get_by_role("button", name="Add a procedure line").click()
    page.get_by_label("Line 2 procedure (CPT/HCPCS)").fill("93000")
    page.get_by_label("Line 2 diagnosis pointers").fill("2")
    page.get_by_label("Line 2 charge ($)").fill("45.50")
    biller.shot("superbill-entry")
    biller.audit("superbill-entry")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Superbill draft").wait_for()

    # The provider signs it off from the list waiting for sign-off.
    provider: Portal = portal_factory()
    provider.sign_in("sunrise-provider")
    provider.page.get_by_role("link", name="Claims").click()
    provider.page.get_by_role("link", name=re.compile(f"^{visit['name']},")).click()
    provider.page.get_by_role("button", name="Sign off").click()
    provider.page.get_by_text("Superbill signed by sunrise-provider").wait_for()

    # The biller creates the claim and scrubs it: the bad pointer is flagged on its line.
    page.reload()  # the superbill, now signed
    page.get_by_role("button", name="Create claim").click()
    page.get_by_role("heading", name=re.compile(r"^Claim C\w+$"), level=1).wait_for()
    claim_url = page.url
    page.get_by_role("button", name="Scrub").click()
    pointer_finding = page.locator('[data-field="lines.0.pointers"] .finding-error')
    pointer_finding.wait_for()
    assert "pointers.valid" in pointer_finding.inner_text()
    assert page.get_by_role("button", name="Submit").count() == 0  # errors block submission
    biller.shot("claim-scrub-error")
    biller.audit("claim-scrub-error")
    page.reload()  # the claim keeps its findings for whoever opens it next
    pointer_finding.wait_for()

    # Correct it: the finding is shown beside the pointers field; fix, scrub again, submit.
    page.get_by_role("link", name="Correct").click()
    page.get_by_role("heading", name="Correct the claim").wait_for()
    page.locator(".field .finding-error", has_text="pointers.valid").wait_for()  # placed after load
    pointers = page.get_by_label("Line 1 diagnosis pointers")
    assert pointers.get_attribute("aria-invalid") == "true"
    biller.audit("claim-correction")
    pointers.fill("1, 2")
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_url(claim_url)
    page.get_by_role("button", name="Scrub").click()
    page.get_by_text(re.compile(r"^Clean: |none blocks submission")).wait_for()
    claim_status(page, "Ready to submit").wait_for()
    page.get_by_role("button", name="Submit").click()

    # The batcher sends it in an 837P file; the page keeps checking (bounded) for the answers.
    claim_status(page, "Sent, waiting for the payer").wait_for(timeout=60_000)
    stack.advance_clock(timedelta(minutes=15, seconds=1))  # the clearinghouse's 999 arrives
    stack.advance_clock(timedelta(minutes=15, seconds=1))  # then its 277CA
    claim_status(page, "Accepted by the payer").wait_for(timeout=60_000)
    page.get_by_role("cell", name="accepted", exact=True).first.wait_for()
    timeline = page.get_by_role("heading", name="Timeline").locator("xpath=..")
    for step in ("Draft → Ready to submit", "Queued for the next file → Sent", "→ Accepted"):
        assert step in timeline.inner_text(), step
    page.get_by_role("button", name=re.compile("^Get a download link for file F")).click()
    link = page.get_by_role("link", name=re.compile(r"^Download F\d+ \(link valid 5 minutes\)"))
    link.wait_for()
    assert "/claims/" in (link.get_attribute("href") or "")
    biller.shot("claim-accepted")
    biller.audit("claim-accepted")


def test_rejected_claim_in_the_work_queue_with_the_payers_reason(
    portal: Portal, login: Any, stack: LocalStack
) -> None:
    # A clean claim the sandbox clearinghouse rejects (its member id is unknown to the payer).
    claim = make_ready_claim(login, member_id="SBX-REJECT", submit=True)
    claim_id = claim["claim_id"]
    wait_until_sent(login, claim_id)
    stack.advance_clock(timedelta(minutes=15, seconds=1))  # 999
    stack.advance_clock(timedelta(minutes=15, seconds=1))  # 277CA
    wait_for(lambda: sent_status(login, claim_id) == "rejected")

    page = portal.page
    portal.sign_in("sunrise-biller")
    page.get_by_role("link", name="Claims").click()
    page.get_by_label("Queue", exact=True).select_option("rejected")
    page.get_by_label("Payer id").fill("MRDN1")
    page.get_by_label("At least this many days old").fill("0")
    page.get_by_role("button", name="Show").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=claim_id))
    assert "Rejected for invalid information" in row.inner_text()
    portal.audit("claims-work-queue-rejected")
    portal.shot("claims-work-queue-rejected")

    row.get_by_role("link", name=claim_id).click()
    claim_status(page, "Rejected").wait_for()
    reason = page.get_by_role("alert").filter(has_text="The payer's reason:")
    assert "contract/member number" in reason.inner_text()
    assert "SBX-REJECT" not in reason.inner_text()  # codes translated, never the values
    page.get_by_role("link", name="Correct").wait_for()
    portal.audit("claim-rejected")
    portal.shot("claim-rejected")
