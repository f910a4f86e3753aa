"""The calendar and the flow board in headless Chromium: book by clicking a free time (with
the patient found inline), drag to move (a conflict is refused with the API's message), then
check the patient in and walk them through the flow board."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.calendar_setup import Calendar, make_calendar
from tests.e2e.conftest import Portal

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def calendar(login: Any) -> Calendar:
    return make_calendar(login("sunrise-admin"))


def open_calendar(portal: Portal, cal: Calendar, view: str = "Day") -> None:
    page = portal.page
    page.get_by_role("link", name="Calendar").click()
    page.get_by_role("heading", name="Calendar", level=1).wait_for()
    page.get_by_label("Location").select_option(label=cal.location_name)
    page.get_by_role("button", name=view, exact=True).click()
    page.get_by_text("Loading appointments…").wait_for(state="detached")


def drag(portal: Portal, block: Any, target: Any, dy: float = 0) -> None:
    """Drag `block` horizontally into the `target` column, moved by dy pixels."""
    page = portal.page
    box = block.bounding_box()
    dest = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    page.mouse.move(x, y)
    page.mouse.down()
    tx = dest["x"] + dest["width"] / 2
    for i in range(1, 11):
        page.mouse.move(x + (tx - x) * i / 10, y + dy * i / 10)
    page.mouse.up()


def test_book_move_and_flow_through_the_day(portal: Portal, calendar: Calendar, login: Any) -> None:
    page = portal.page
    cal = calendar
    avery, blair = cal.provider_names
    juniper, rowan = cal.patients
    today = datetime.now(ZoneInfo("America/Denver")).date().isoformat()
    # Blair already sees Rowan at 9:00 (booked through the API).
    desk = login("sunrise-frontdesk")
    booked = desk.call(
        "POST",
        "/appointments",
        {
            "patient_id": rowan["id"],
            "provider_id": cal.provider_ids[1],
            "location_id": cal.location_id,
            "type_id": cal.type_id,
            "start": f"{today}T09:00:00",
        },
    )
    assert booked.status == 201, booked.body

    portal.sign_in("sunrise-frontdesk")
    open_calendar(portal, cal)
    lanes = page.get_by_role("region", name=re.compile(rf"^{avery}$|^{blair}$"))
    assert lanes.count() == 2
    page.get_by_role(
        "button", name=re.compile(rf"^9:00 AM to 9:30 AM, Rowan Calendar{cal.tag}")
    ).wait_for()
    portal.shot("calendar-day")
    portal.audit("calendar-day")

    # Click Avery's free 9:00 and book Juniper, found inline by last name.
    page.get_by_role("button", name=re.compile(rf"^Book {avery} at 9:00 AM")).click()
    dialog = page.get_by_role("dialog", name="Book an appointment")
    dialog.get_by_label(re.compile("^Appointment type")).select_option(
        label=f"{cal.type_name} (30 min)"
    )
    dialog.get_by_label("Patient last name").fill(f"Calendar{cal.tag}")
    dialog.get_by_role("button", name="Find patient").click()
    dialog.get_by_role("button", name=re.compile(rf"^Calendar{cal.tag}, Juniper")).click()
    dialog.get_by_text(f"Patient: Calendar{cal.tag}, Juniper").wait_for()
    portal.audit("calendar-book-dialog")
    portal.shot("calendar-book-dialog")
    dialog.get_by_role("button", name="Book appointment").click()
    dialog.wait_for(state="detached")
    page.get_by_text(f"Booked Juniper Calendar{cal.tag} with {avery} at 9:00 AM.").wait_for()
    juniper_block = page.get_by_role(
        "button", name=re.compile(rf"^9:00 AM to 9:30 AM, Juniper Calendar{cal.tag}")
    )
    juniper_block.wait_for()

    # Drag Juniper onto Blair at 9:00: Blair is busy, the API refuses (409) and says why.
    blair_lane = page.get_by_role("region", name=blair)
    drag(portal, juniper_block, blair_lane)
    alert = page.get_by_role("alert").filter(has_text="can't be booked")
    alert.wait_for()
    assert f"{blair} is already booked" in alert.inner_text()
    page.get_by_role("region", name=avery).get_by_role(
        "button", name=re.compile(rf"^9:00 AM to 9:30 AM, Juniper Calendar{cal.tag}")
    ).wait_for()  # still with Avery at 9:00
    portal.shot("calendar-conflict")

    # Drag it down an hour in Avery's column: moved.
    avery_lane = page.get_by_role("region", name=avery)
    drag(portal, juniper_block, avery_lane, dy=60 * 1.6)
    page.get_by_text(f"Moved Juniper Calendar{cal.tag} to 10:00 AM").wait_for()
    moved = page.get_by_role(
        "button", name=re.compile(rf"^10:00 AM to 10:30 AM, Juniper Calendar{cal.tag}")
    )
    moved.wait_for()

    # Week and month views of Avery.
    page.get_by_role("button", name="Week", exact=True).click()
    page.get_by_label("Provider (week and month)").select_option(label=avery)
    page.get_by_role(
        "button", name=re.compile(rf"^10:00 AM to 10:30 AM, Juniper Calendar{cal.tag}")
    ).wait_for()
    portal.shot("calendar-week")
    portal.audit("calendar-week")
    page.get_by_role("button", name="Month", exact=True).click()
    page.get_by_role("table", name=re.compile("^Appointments in")).wait_for()
    portal.shot("calendar-month")
    portal.audit("calendar-month")
    page.get_by_role("button", name="Day", exact=True).click()

    # Confirm and check in from the appointment card.
    moved.click()
    card = page.get_by_role("dialog", name="Appointment")
    card.get_by_role("button", name="Confirm").click()
    page.get_by_text(f"Juniper Calendar{cal.tag}: Confirmed.").wait_for()
    page.get_by_role(
        "button", name=re.compile(rf"^10:00 AM to 10:30 AM, Juniper Calendar{cal.tag}.*Confirmed")
    ).click()
    card = page.get_by_role("dialog", name="Appointment")
    card.get_by_text("Confirmed", exact=True).first.wait_for()
    portal.audit("calendar-appointment-card")
    portal.shot("calendar-appointment-card")
    card.get_by_role("button", name="Check in").click()
    page.get_by_text(f"Juniper Calendar{cal.tag}: Arrived.").wait_for()

    # The flow board: arrived → roomed → seen → checked out, with a live timer.
    page.get_by_role("link", name="Flow board").click()
    page.get_by_role("heading", name="Flow board", level=1).wait_for()
    page.get_by_label("Location").select_option(label=cal.location_name)
    arrived = page.get_by_role("region", name=re.compile("^Arrived"))
    arrived.get_by_role("heading", name=f"Juniper Calendar{cal.tag}").wait_for()
    assert re.search(r"In arrived for \d+ min", arrived.inner_text())
    portal.shot("flow-arrived")
    portal.audit("flow-board")
    for button, stage in (("Room", "Roomed"), ("Mark seen", "Seen"), ("Check out", "Checked out")):
        page.get_by_role("button", name=f"{button}: Juniper Calendar{cal.tag}").click()
        page.get_by_role("region", name=re.compile(f"^{stage}")).get_by_role(
            "heading", name=f"Juniper Calendar{cal.tag}"
        ).wait_for()
    assert (
        "since arrival" in page.get_by_role("region", name=re.compile("^Checked out")).inner_text()
    )
    portal.shot("flow-checked-out")
    portal.audit("flow-board-done")

    appointment = desk.call("GET", f"/appointments?location_id={cal.location_id}&from_date={today}")
    mine = [a for a in appointment.body["appointments"] if a["patient_id"] == juniper["id"]]
    assert [a["status"] for a in mine] == ["checked_out"]
    assert [h["status"] for h in mine[0]["history"]][-4:] == [
        "checked_in",
        "roomed",
        "seen",
        "checked_out",
    ]


def test_cancel_from_the_card_and_the_series_editor(
    portal: Portal, calendar: Calendar, login: Any
) -> None:
    page = portal.page
    cal = calendar
    avery = cal.provider_names[0]
    rowan = cal.patients[1]
    today = datetime.now(ZoneInfo("America/Denver")).date().isoformat()
    desk = login("sunrise-frontdesk")
    series = desk.call(
        "POST",
        "/appointment-series",
        {
            "patient_id": rowan["id"],
            "provider_id": cal.provider_ids[0],
            "location_id": cal.location_id,
            "type_id": cal.type_id,
            "start": f"{today}T14:00:00",
            "recurrence": {"interval_weeks": 1, "count": 3},
        },
    )
    assert series.status == 201, series.body
    portal.sign_in("sunrise-frontdesk")
    open_calendar(portal, cal)
    page.get_by_role("region", name=avery).get_by_role(
        "button", name=re.compile(rf"^2:00 PM to 2:30 PM, Rowan Calendar{cal.tag}")
    ).click()
    card = page.get_by_role("dialog", name="Appointment")
    card.get_by_text("Occurrence 1").wait_for()
    card.get_by_role("button", name="Cancel appointment…").click()
    card.get_by_label("Reason").select_option("patient_request")
    card.get_by_label("This and the following ones").check()
    portal.audit("calendar-series-editor")
    portal.shot("calendar-series-editor")
    card.get_by_role("button", name="Cancel the appointment").click()
    page.get_by_text("Cancelled 3 of 3 appointments.").wait_for()
    assert not page.get_by_role(
        "button", name=re.compile(rf"^2:00 PM to 2:30 PM, Rowan Calendar{cal.tag}")
    ).count()
    found = desk.call("GET", f"/appointment-series/{series.body['series']['series_id']}")
    assert {a["status"] for a in found.body["appointments"]} == {"cancelled"}
