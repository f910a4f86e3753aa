"""More of the calendar in headless Chromium: resize by the bottom edge (a refused resize
shows the API's 409 message) and by the card's length field, the patient page's
appointments, the waitlist (add, accept an offer, a late acceptance told the slot is gone),
and booking and moving in room columns."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.calendar_setup import Calendar, make_calendar
from tests.e2e.conftest import Portal
from tests.e2e.test_calendar import drag, open_calendar

pytestmark = pytest.mark.e2e
PX_PER_MIN = 1.6


@pytest.fixture(scope="module")
def calendar(login: Any) -> Calendar:
    return make_calendar(login("sunrise-admin"))


def today(portal: Portal) -> date:
    """The clinic's date by the stack's clock, which integration tests have moved on: the API
    answers "upcoming", waitlist offers and nearest free times by it."""
    return portal.now().astimezone(ZoneInfo("America/Denver")).date()


def book(desk: Any, cal: Calendar, patient: int, provider: int, start: str) -> dict[str, Any]:
    res = desk.call(
        "POST",
        "/appointments",
        {
            "patient_id": cal.patients[patient]["id"],
            "provider_id": cal.provider_ids[provider],
            "location_id": cal.location_id,
            "type_id": cal.type_id,
            "start": start,
        },
    )
    assert res.status == 201, res.body
    body: dict[str, Any] = res.body
    return body


def drag_bottom_edge(portal: Portal, block: Any, minutes: int) -> None:
    """Drag an appointment's bottom edge down by `minutes`."""
    page = portal.page
    block.evaluate("el => el.scrollIntoView({ block: 'center' })")
    box = block.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 3
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x, y + minutes * PX_PER_MIN * i / 10)
    page.mouse.up()


def test_resize_by_the_bottom_edge_and_by_the_card(
    portal: Portal, calendar: Calendar, login: Any
) -> None:
    page = portal.page
    cal = calendar
    avery = cal.provider_names[0]
    name = f"Juniper Calendar{cal.tag}"
    desk = login("sunrise-frontdesk")
    day = today(portal).isoformat()
    book(desk, cal, 0, 0, f"{day}T11:00:00")
    book(desk, cal, 1, 0, f"{day}T12:00:00")  # Rowan right after, with the same provider

    portal.sign_in("sunrise-frontdesk")
    portal.open(f"#/calendar/{cal.location_id}/{day}")  # the stack's today, in Day view
    page.get_by_text("Loading appointments…").wait_for(state="detached")
    lane = page.get_by_role("region", name=avery)
    block = lane.get_by_role("button", name=re.compile(rf"^11:00 AM to 11:30 AM, {name}"))
    drag_bottom_edge(portal, block, 15)
    page.get_by_text(f"{name}'s appointment now lasts 45 minutes").wait_for()
    longer = lane.get_by_role("button", name=re.compile(rf"^11:00 AM to 11:45 AM, {name}"))
    longer.wait_for()
    portal.shot("calendar-resized")

    # Growing into Rowan's 12:00 visit is refused with the API's message; nothing changes.
    drag_bottom_edge(portal, longer, 30)
    alert = page.get_by_role("alert").filter(has_text="can't be booked")
    alert.wait_for()
    assert f"{avery} is already booked" in alert.inner_text()
    assert "Nearest free times" in alert.inner_text()
    longer.wait_for()
    portal.shot("calendar-resize-refused")
    portal.audit("calendar-resize-refused")

    # The keyboard way: the card's Move form has the length.
    longer.click()
    card = page.get_by_role("dialog", name="Appointment")
    card.get_by_role("button", name="Move…").click()
    length = card.get_by_label("Length in minutes (this appointment)")
    assert length.input_value() == "45"
    length.fill("90")
    card.get_by_role("button", name="Move the appointment").click()
    card.get_by_role("alert").filter(has_text=f"{avery} is already booked").wait_for()
    portal.audit("calendar-card-length")
    length.fill("60")
    card.get_by_role("button", name="Move the appointment").click()
    card.wait_for(state="detached")
    lane.get_by_role("button", name=re.compile(rf"^11:00 AM to 12:00 PM, {name}")).wait_for()

    found = desk.call("GET", f"/patients/{cal.patients[0]['id']}/appointments?when=all")
    (mine,) = [a for a in found.body["appointments"] if a["start_local"][:16] == f"{day}T11:00"]
    assert mine["duration_minutes"] == 60
    assert [h["reason"] for h in mine["history"] if "resized" in h["reason"]] == [
        f"rescheduled from {mine['start']}; resized from 30 to 45 minutes",
        f"rescheduled from {mine['start']}; resized from 45 to 60 minutes",
    ]


def test_patient_page_lists_upcoming_and_past_appointments(
    portal: Portal, calendar: Calendar, login: Any
) -> None:
    page = portal.page
    cal = calendar
    blair = cal.provider_names[1]
    rowan = cal.patients[1]
    desk = login("sunrise-frontdesk")
    tomorrow = (today(portal) + timedelta(days=1)).isoformat()
    yesterday = (today(portal) - timedelta(days=1)).isoformat()
    book(desk, cal, 1, 1, f"{tomorrow}T10:00:00")
    book(desk, cal, 1, 1, f"{yesterday}T09:00:00")

    portal.sign_in("sunrise-frontdesk")
    portal.open(f"#/patients/{rowan['id']}")
    section = page.get_by_role("region", name="Appointments")
    upcoming = section.get_by_role("table", name="Upcoming")
    past = section.get_by_role("table", name="Past")
    row = upcoming.get_by_role("row").filter(has_text="10:00 AM")
    row.wait_for()
    assert cal.type_name in row.inner_text() and blair in row.inner_text()
    assert "Booked" in row.inner_text()
    past.get_by_role("row").filter(has_text="9:00 AM").wait_for()
    portal.shot("patient-appointments")
    portal.audit("patient-appointments")

    # The date links to that day in the calendar.
    row.get_by_role("link").click()
    page.get_by_role("heading", name="Calendar", level=1).wait_for()
    page.get_by_role("region", name=blair).get_by_role(
        "button", name=re.compile(rf"^10:00 AM to 10:30 AM, Rowan Calendar{cal.tag}")
    ).wait_for()
    heading = page.locator("#cal-range").inner_text()
    assert heading == date.fromisoformat(tomorrow).strftime("%A, %B %-d, %Y")


def test_waitlist_add_accept_an_offer_and_a_late_acceptance(
    portal: Portal, calendar: Calendar, login: Any
) -> None:
    page = portal.page
    cal = calendar
    avery = cal.provider_names[0]
    juniper, rowan = cal.patients
    desk = login("sunrise-frontdesk")
    tomorrow = (today(portal) + timedelta(days=1)).isoformat()
    first = book(desk, cal, 0, 0, f"{tomorrow}T15:00:00")

    portal.sign_in("sunrise-frontdesk")
    page.get_by_role("link", name="Waitlist").click()
    page.get_by_role("heading", name="Waitlist", level=1).wait_for()
    form = page.get_by_role("region", name="Add a patient to the waitlist")
    form.get_by_label("Patient last name").fill(f"Calendar{cal.tag}")
    form.get_by_role("button", name="Find patient").click()
    form.get_by_role("button", name=re.compile(rf"^Calendar{cal.tag}, Rowan")).click()
    form.get_by_label("Location").select_option(label=cal.location_name)
    form.get_by_label(re.compile("^Appointment type")).select_option(label=cal.type_name)
    form.get_by_label("Provider").select_option(label=avery)
    form.get_by_label("Earliest date").fill(today(portal).isoformat())  # the stack's days
    form.get_by_label("Latest date").fill(tomorrow)
    portal.audit("waitlist-add")
    form.get_by_role("button", name="Add to the waitlist").click()
    form.get_by_text(f"Rowan Calendar{cal.tag} is on the waitlist.").wait_for()
    waiting = page.get_by_role("table", name="Waiting")
    waiting.get_by_role("row").filter(has_text=f"Rowan Calendar{cal.tag}").wait_for()

    # Juniper cancels 15:00 tomorrow: the slot is offered to Rowan, held with a countdown.
    cancel = desk.call(
        "POST", f"/appointments/{first['appointment_id']}/cancel", {"reason": "patient_request"}
    )
    assert cancel.status == 200, cancel.body
    page.get_by_role("button", name="Refresh").click()
    offers = page.get_by_role("region", name="Open offers")
    accept = offers.get_by_role("button", name=f"Accept for Rowan Calendar{cal.tag}")
    accept.wait_for()
    assert re.search(r"Hold ends in \d+:\d\d", offers.inner_text())
    portal.shot("waitlist-offer")
    portal.audit("waitlist-offer")
    accept.click()
    offers.get_by_text(f"Booked Rowan Calendar{cal.tag} on").wait_for()
    found = desk.call("GET", f"/patients/{rowan['id']}/appointments?when=upcoming")
    assert f"{tomorrow}T15:00:00" in [a["start_local"][:19] for a in found.body["appointments"]]

    # Juniper waits too; a freed 16:00 is offered to her, but another desk accepts it first.
    entry = desk.call(
        "POST",
        "/waitlist",
        {
            "patient_id": juniper["id"],
            "type_id": cal.type_id,
            "location_id": cal.location_id,
            "provider_ids": [cal.provider_ids[0]],
            "earliest": today(portal).isoformat(),
            "latest": tomorrow,
        },
    )
    assert entry.status == 201, entry.body
    second = book(desk, cal, 1, 0, f"{tomorrow}T16:00:00")
    desk.call(
        "POST", f"/appointments/{second['appointment_id']}/cancel", {"reason": "patient_request"}
    )
    page.get_by_role("button", name="Refresh").click()
    late = offers.get_by_role("button", name=f"Accept for Juniper Calendar{cal.tag}")
    late.wait_for()
    (offer,) = [
        o
        for o in desk.call("GET", "/waitlist/offers").body["offers"]
        if o["status"] == "open" and entry.body["entry_id"] in o["entry_ids"]
    ]
    taken = desk.call(
        "POST",
        f"/waitlist/offers/{offer['offer_id']}/accept",
        {"entry_id": entry.body["entry_id"]},
    )
    assert taken.status == 200, taken.body
    late.click()
    gone = offers.get_by_role("alert")
    gone.get_by_text(re.compile("^That slot is gone")).wait_for()
    assert "Someone else took it first." in gone.inner_text()
    portal.shot("waitlist-slot-gone")
    portal.audit("waitlist-slot-gone")


def test_book_and_move_in_room_columns(portal: Portal, calendar: Calendar, login: Any) -> None:
    page = portal.page
    cal = calendar
    blair = cal.provider_names[1]
    admin = login("sunrise-admin")
    rooms = {}
    for name in ("Exam A", "Exam B"):
        res = admin.call(
            "POST",
            "/scheduling/rooms",
            {
                "room_id": f"room-{cal.tag}-{name[-1].lower()}",
                "location_id": cal.location_id,
                "name": name,
            },
        )
        assert res.status == 201, res.body
        rooms[name] = res.body["room_id"]

    portal.sign_in("sunrise-frontdesk")
    open_calendar(portal, cal)
    page.get_by_label("Day columns").select_option("rooms")
    exam_a = page.get_by_role("region", name="Exam A")
    exam_a.get_by_role("button", name=re.compile("^Book Exam A at 1:00 PM")).click()
    dialog = page.get_by_role("dialog", name="Book an appointment")
    dialog.get_by_label("Provider").select_option(label=blair)
    dialog.get_by_label(re.compile("^Appointment type")).select_option(
        label=f"{cal.type_name} (30 min)"
    )
    dialog.get_by_label("Patient last name").fill(f"Calendar{cal.tag}")
    dialog.get_by_role("button", name="Find patient").click()
    dialog.get_by_role("button", name=re.compile(rf"^Calendar{cal.tag}, Juniper")).click()
    portal.audit("calendar-room-book-dialog")
    dialog.get_by_role("button", name="Book appointment").click()
    dialog.wait_for(state="detached")
    page.get_by_text(
        f"Booked Juniper Calendar{cal.tag} with {blair} in Exam A at 1:00 PM."
    ).wait_for()
    block = exam_a.get_by_role(
        "button", name=re.compile(rf"^1:00 PM to 1:30 PM, Juniper Calendar{cal.tag}")
    )
    block.wait_for()
    portal.shot("calendar-rooms")
    portal.audit("calendar-rooms")

    # Drag it into Exam B: the room changes, the time and provider stay.
    exam_b = page.get_by_role("region", name="Exam B")
    block.evaluate("el => el.scrollIntoView({ block: 'center' })")
    drag(portal, block, exam_b)
    page.get_by_text(f"Moved Juniper Calendar{cal.tag} to 1:00 PM").wait_for()
    exam_b.get_by_role(
        "button", name=re.compile(rf"^1:00 PM to 1:30 PM, Juniper Calendar{cal.tag}")
    ).wait_for()
    desk = login("sunrise-frontdesk")
    found = desk.call("GET", f"/patients/{cal.patients[0]['id']}/appointments?when=all")
    moved = [a for a in found.body["appointments"] if a["room_id"] in rooms.values()]
    assert [(a["room_id"], a["provider_id"]) for a in moved] == [
        (rooms["Exam B"], cal.provider_ids[1])
    ]
