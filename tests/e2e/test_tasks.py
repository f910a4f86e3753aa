"""Front-desk tasks in headless Chromium: a patient texts R (simulated on the local stack),
the reschedule request shows on the Tasks screen with its patient and appointment, and the
front desk closes it with a note."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Portal

pytestmark = pytest.mark.e2e

DENVER = ZoneInfo("America/Denver")
MOBILE = "+17195550142"  # 555-01xx in an area code the demo seed never uses


def test_a_reschedule_request_is_seen_and_closed_with_a_note(
    portal: Portal, stack: Any, login: Any, anonymous: Any
) -> None:
    desk = login("sunrise-frontdesk")
    consent = {"status": "granted", "at": "2026-11-01T15:00:00Z", "method": "written"}
    created = desk.call(
        "POST",
        "/patients",
        {
            "name": {"first": "Marisol", "last": "Tasktest"},
            "dob": "1979-04-05",
            "sex": "female",
            "phones": [{"type": "mobile", "number": MOBILE}],
            "sms_consent": consent,
            "confirm_duplicate": True,
        },
    )
    assert created.status == 201, created.body
    patient_id = created.body["id"]
    day = (stack.clock.now().astimezone(DENVER) + timedelta(days=5)).date()
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=DENVER)
    booked = desk.call(
        "POST",
        "/appointments",
        {
            "patient_id": patient_id,
            "provider_id": "prov-hartwell",
            "location_id": "loc-denver",
            "type_id": "follow-up",
            "start": start.isoformat(),
            "overbook": True,
        },
    )
    assert booked.status == 201, booked.body
    appointment_id = booked.body["appointment_id"]
    stack.drain_streams()  # the reminders consumer learns of the patient's next visit
    number = login("sunrise-admin").call("GET", "/messaging/settings").body["sms_number"]
    sent = anonymous.call(
        "POST", "/_local/sms/inbound", {"from": MOBILE, "body": "R", "to": number}
    )
    assert sent.status == 202, sent.body

    (task,) = [
        t for t in desk.call("GET", "/messaging/tasks").body["tasks"] if t["phone"] == MOBILE
    ]
    assert task["kind"] == "reschedule_request" and task["appointment_id"] == appointment_id

    portal.sign_in("sunrise-frontdesk")
    page = portal.page
    page.get_by_role("link", name="Tasks").click()
    page.get_by_role("heading", name="Front-desk tasks", level=1).wait_for()
    card = page.locator("section.task").filter(has_text=MOBILE)
    card.get_by_role("heading", name="Reschedule request").wait_for()
    card.get_by_role("link", name="Marisol Tasktest").wait_for()
    card.get_by_role("button", name="Open appointment").wait_for()
    portal.shot("tasks")
    portal.audit("tasks")
    card.get_by_role("button", name="Open appointment").click()
    dialog = page.get_by_role("dialog", name="Appointment")
    dialog.wait_for()
    dialog.get_by_role("button", name="Close").first.click()
    dialog.wait_for(state="detached")

    card.get_by_label("Note").fill("Called back; moved to the following week")
    card.get_by_role("button", name="Close task").click()
    card.wait_for(state="detached")  # the list reloads without it
    page.locator(".message").filter(has_text="Task closed.").wait_for()
    portal.audit("tasks-closed")

    open_tasks = desk.call("GET", "/messaging/tasks").body["tasks"]
    assert all(t["phone"] != MOBILE for t in open_tasks)
    from clinicflow.messaging.store import DynamoMessageStore

    stored = DynamoMessageStore().get_task("sunrise", task["task_id"])
    assert stored is not None and stored.status == "done"
    assert stored.note == "Called back; moved to the following week"
    assert stored.closed_by  # who closed it (and when) is kept with the note
