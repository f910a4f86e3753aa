"""Resizing an appointment and a patient's appointment list, through the scheduling handler
against DynamoDB Local (the clinic of test_scheduling_handler: Denver, 08:00-17:00)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.test_scheduling_handler import Clinic, _book, make_clinic


@pytest.fixture
def clinic(tables: Any) -> Clinic:
    return make_clinic()


def _move(invoke: Any, appointment_id: str, **body: Any) -> Any:
    return invoke(
        "scheduling",
        "scheduling/reschedule.json",
        path={"appointment_id": appointment_id},
        body=body,
    )


def _get(invoke: Any, appointment_id: str) -> Any:
    return invoke("scheduling", "scheduling/get.json", path={"appointment_id": appointment_id})


def test_resize_takes_and_frees_time_with_the_conflict_rules(invoke: Any, clinic: Clinic) -> None:
    first = _book(invoke, clinic, "2027-01-12T09:00:00").body  # visit: 30 min + 5 wrap-up
    later = _book(invoke, clinic, "2027-01-12T10:00:00", patient=1).body
    appt = first["appointment_id"]

    longer = _move(invoke, appt, start=first["start"], duration_minutes=45, version=1)
    assert longer.status == 200, longer.body
    assert longer.body["end_local"] == "2027-01-12T09:45:00-07:00"
    assert longer.body["duration_minutes"] == 45 and longer.body["version"] == 2
    assert "resized from 30 to 45 minutes" in longer.body["history"][-1]["reason"]
    # the new length holds its wrap-up time too: 09:45 is taken, 09:50 is free
    assert _book(invoke, clinic, "2027-01-12T09:45:00", patient=2).status == 409

    # growing into the 10:00 visit is refused like a booking, and nothing changes
    clash = _move(invoke, appt, start=first["start"], duration_minutes=60, version=2)
    assert clash.status == 409, clash.body
    assert clash.body["error"] == "slot_taken" and clash.body["conflict"] == "provider"
    assert "already booked" in clash.body["message"] and clash.body["nearest_slots"]
    assert _get(invoke, appt).body["end_local"] == "2027-01-12T09:45:00-07:00"

    # a move without a length keeps the resized length
    moved = _move(invoke, appt, start="2027-01-12T13:00:00", version=2)
    assert moved.status == 200, moved.body
    assert moved.body["end_local"] == "2027-01-12T13:45:00-07:00"
    # and the old time is free again
    assert _book(invoke, clinic, "2027-01-12T09:15:00", patient=2).status == 201
    assert _get(invoke, later["appointment_id"]).body["status"] == "booked"


@pytest.mark.parametrize(
    ("minutes", "why"),
    [(0, "greater than or equal to 5"), (7, "multiple of 5"), (485, "less than or equal to 480")],
)
def test_a_bad_length_is_refused_naming_the_field(
    invoke: Any, clinic: Clinic, minutes: int, why: str
) -> None:
    booked = _book(invoke, clinic, "2027-01-12T09:00:00").body
    res = _move(invoke, booked["appointment_id"], start=booked["start"], duration_minutes=minutes)
    assert res.status == 422, res.body
    assert any(f["field"].endswith("duration_minutes") for f in res.body["fields"]), res.body
    assert why in str(res.body["fields"])


def test_a_length_too_long_for_one_transaction_is_refused(invoke: Any, clinic: Clinic) -> None:
    booked = _book(invoke, clinic, "2027-01-12T08:00:00", type_id="procedure").body
    res = _move(invoke, booked["appointment_id"], start=booked["start"], duration_minutes=300)
    assert res.status == 422, res.body
    assert res.body["fields"][0]["field"] == "duration_minutes"
    assert "at most 210 minutes" in res.body["fields"][0]["message"]


def test_rooms_move_and_resize_under_the_room_locks(invoke: Any, clinic: Clinic) -> None:
    # A visit booked into a room by hand (as from a room column) keeps it when moved.
    a = _book(invoke, clinic, "2027-01-13T11:00:00", provider=1, room_id="room-2").body
    assert a["room_id"] == "room-2"
    moved = _move(invoke, a["appointment_id"], start="2027-01-13T11:30:00")
    assert moved.status == 200 and moved.body["room_id"] == "room-2", moved.body
    taken = _book(invoke, clinic, "2027-01-13T11:30:00", provider=0, patient=1, room_id="room-2")
    assert taken.status == 409 and taken.body["conflict"] == "room"
    # dragged into the other room column
    other = _move(invoke, a["appointment_id"], start="2027-01-13T11:30:00", room_id="room-1")
    assert other.status == 200 and other.body["room_id"] == "room-1", other.body
    assert (
        _book(invoke, clinic, "2027-01-13T11:30:00", provider=0, patient=1, room_id="room-2").status
        == 201
    )
    # growing into a room another provider holds is refused for the room
    b = _book(invoke, clinic, "2027-01-13T14:00:00", type_id="procedure", patient=2).body
    blocker = _book(invoke, clinic, "2027-01-13T15:05:00", provider=1, room_id=b["room_id"])
    assert blocker.status == 201, blocker.body  # 14:00 + 45 + 10 wrap-up ends at 14:55
    grow = _move(
        invoke, b["appointment_id"], start=b["start"], duration_minutes=60, room_id=b["room_id"]
    )
    assert grow.status == 409 and grow.body["conflict"] == "room", grow.body


# --- a patient's appointments -------------------------------------------------------------
def _visits(invoke: Any, patient_id: str, **query: str) -> Any:
    return invoke(
        "scheduling",
        "scheduling/patient_appointments.json",
        path={"patient_id": patient_id},
        query=query or None,
    )


def test_a_patients_appointments_upcoming_past_paged_and_filtered(
    invoke: Any, clinic: Clinic
) -> None:
    pat = clinic.patients[0]
    past = _book(invoke, clinic, "2026-06-10T09:00:00").body
    ids = [
        _book(invoke, clinic, f"2027-01-{day}T09:00:00").body["appointment_id"]
        for day in (12, 13, 14)
    ]
    _book(invoke, clinic, "2027-01-12T10:00:00", patient=1)  # someone else's
    invoke("scheduling", "scheduling/cancel.json", path={"appointment_id": ids[1]})

    page = _visits(invoke, pat, when="upcoming", limit="2")
    assert page.status == 200, page.body
    assert [a["appointment_id"] for a in page.body["appointments"]] == ids[:2]
    assert page.body["cursor"]
    rest = _visits(invoke, pat, when="upcoming", limit="2", cursor=page.body["cursor"])
    assert [a["appointment_id"] for a in rest.body["appointments"]] == ids[2:]
    assert rest.body["cursor"] is None
    assert rest.body["appointments"][0]["start_local"] == "2027-01-14T09:00:00-07:00"

    old = _visits(invoke, pat, when="past")
    assert [a["appointment_id"] for a in old.body["appointments"]] == [past["appointment_id"]]
    every = _visits(invoke, pat)
    assert [a["appointment_id"] for a in every.body["appointments"]] == [
        *reversed(ids),
        past["appointment_id"],
    ]
    cancelled = _visits(invoke, pat, status="cancelled")
    assert [a["appointment_id"] for a in cancelled.body["appointments"]] == [ids[1]]

    # a move re-sorts the list, with no stale entry left behind
    assert _move(invoke, ids[2], start="2027-01-11T09:00:00").status == 200
    page = _visits(invoke, pat, when="upcoming")
    assert [a["appointment_id"] for a in page.body["appointments"]] == [ids[2], ids[0], ids[1]]


def test_a_patients_appointments_are_tenant_scoped_and_checked(invoke: Any, clinic: Clinic) -> None:
    pat = clinic.patients[0]
    _book(invoke, clinic, "2027-01-12T09:00:00")
    assert _visits(invoke, clinic.patients[2]).body == {"appointments": [], "cursor": None}
    assert _visits(invoke, "pat-unknown0000").status == 404
    other = invoke(
        "scheduling",
        "scheduling/patient_appointments.json",
        path={"patient_id": pat},
        practice_id="lakeside",
    )
    assert other.status == 404
    biller = invoke(
        "scheduling",
        "scheduling/patient_appointments.json",
        path={"patient_id": pat},
        groups="biller",
    )
    assert biller.status == 200 and len(biller.body["appointments"]) == 1
    nobody = invoke(
        "scheduling",
        "scheduling/patient_appointments.json",
        path={"patient_id": pat},
        groups="",
    )
    assert nobody.status == 403
    bad = _visits(invoke, pat, cursor="not-a-cursor")
    assert bad.status == 422 and bad.body["fields"][0]["field"] == "cursor"
    forged = _visits(invoke, clinic.patients[1], when="all", limit="1")
    assert forged.status == 200
    assert _visits(invoke, pat, when="soon").status == 422


def test_a_conflict_on_a_past_day_is_a_409_without_suggestions(invoke: Any, clinic: Clinic) -> None:
    """Correcting yesterday's calendar: a clash is refused as such (no free time lies in the
    past to suggest), never a server error."""
    _book(invoke, clinic, "2026-06-02T09:00:00")
    later = _book(invoke, clinic, "2026-06-02T10:00:00", patient=1).body
    res = _move(invoke, later["appointment_id"], start="2026-06-02T09:00:00", version=1)
    assert res.status == 409, res.body
    assert "That time can't be booked" in res.body["message"]
