"""Scheduling handler with events from events/scheduling/, against DynamoDB Local.

`make_clinic` (also used by the burst test) creates a practice through the services: one
location in America/Denver, providers, patients, rooms, appointment types and templates.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from clinicflow.codes.npi import check_digit
from clinicflow.patients.model import PatientData
from clinicflow.patients.service import create_patient
from clinicflow.patients.store import DynamoPatientRepository
from clinicflow.platform.identity import Caller, Role
from clinicflow.practice.model import AddressInput, LocationInput
from clinicflow.practice.service import create_location
from clinicflow.providers.model import ProviderInput
from clinicflow.providers.service import create_provider, system_caller
from clinicflow.scheduling.model import AppointmentType, AvailabilityTemplate, Room
from clinicflow.scheduling.service import config

PRACTICE = "sunrise"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def npi(rng: random.Random) -> str:
    nine = "1" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return nine + str(check_digit(nine))


@dataclass
class Clinic:
    practice_id: str
    providers: list[str]
    patients: list[str]
    rooms: list[str] = field(default_factory=list)

    def caller(self, *roles: Role, username: str = "fd.test") -> Caller:
        return Caller(
            username, self.practice_id, frozenset(roles or {Role.FRONT_DESK}), "203.0.113.9"
        )


def make_clinic(
    practice_id: str = PRACTICE,
    *,
    providers: int = 2,
    patients: int = 3,
    rooms: int = 2,
    location_id: str = "loc-denver",
    time_zone: str = "America/Denver",
) -> Clinic:
    """A practice with one location, providers working 08:00-17:00 every day, and types."""
    admin = system_caller(practice_id)
    rng = random.Random(practice_id)
    create_location(
        admin,
        LocationInput(
            name="Main clinic",
            address=AddressInput("100 Main St", "Denver", "CO", "80202-1234"),
            time_zone=time_zone,
            place_of_service="11",
        ),
        new_id=functools.partial(str, location_id),
    )
    provider_ids = []
    for i in range(providers):
        pid = f"prov-t{i:02d}"
        create_provider(
            admin,
            ProviderInput(
                first_name="Test",
                last_name=f"Doctor{chr(65 + i % 26)}",
                npi=npi(rng),
                taxonomy_code="207Q00000X",
                location_ids=(location_id,),
            ),
            provider_id=pid,
        )
        provider_ids.append(pid)
        config.put_record(
            admin,
            AvailabilityTemplate,
            {
                "template_id": f"tpl-{pid}",
                "provider_id": pid,
                "location_id": location_id,
                "effective_from": "2026-01-01",
                "hours": [{"day": d, "start": "08:00", "end": "17:00"} for d in WEEKDAYS],
            },
        )
    room_ids = []
    for i in range(rooms):
        rid = f"room-{i + 1}"
        config.put_record(
            admin, Room, {"room_id": rid, "location_id": location_id, "name": f"Exam {i + 1}"}
        )
        room_ids.append(rid)
    config.put_record(
        admin,
        AppointmentType,
        {
            "type_id": "visit",
            "name": "Visit",
            "duration_minutes": 30,
            "buffer_after_minutes": 5,
            "service_type_code": "98",
        },
    )
    config.put_record(
        admin,
        AppointmentType,
        {
            "type_id": "procedure",
            "name": "Procedure",
            "duration_minutes": 45,
            "buffer_before_minutes": 10,
            "buffer_after_minutes": 10,
            "needs_room": True,
        },
    )
    patient_ids = []
    for i in range(patients):
        data = PatientData.model_validate(
            {
                "name": {"first": "Pat", "last": f"Sched{chr(65 + i % 26)}"},
                "dob": "1980-02-03",
                "sex": "female",
            }
        )
        patient_ids.append(
            create_patient(admin, data, repo=DynamoPatientRepository(), confirm_duplicate=True).id
        )
    return Clinic(practice_id, provider_ids, patient_ids, room_ids)


@pytest.fixture
def clinic(tables: Any) -> Clinic:
    return make_clinic()


def _book(invoke, clinic, start, provider=0, patient=0, type_id="visit", **extra):
    body = {
        "patient_id": clinic.patients[patient],
        "provider_id": clinic.providers[provider],
        "location_id": "loc-denver",
        "type_id": type_id,
        "start": start,
        **extra,
    }
    return invoke("scheduling", "scheduling/book.json", body=body)


def test_config_routes_and_roles(invoke, tables):
    invoke_admin = functools.partial(invoke, groups="admin")
    # locations and providers must exist: a room at an unknown location is refused
    res = invoke_admin("scheduling", "scheduling/create_room.json")
    assert res.status == 422 and res.body["fields"][0]["field"] == "location_id"
    make_clinic()
    assert invoke_admin("scheduling", "scheduling/create_room.json").status == 201
    res = invoke("scheduling", "scheduling/create_type.json", groups="front-desk")
    assert res.status == 403
    res = invoke_admin("scheduling", "scheduling/create_type.json")
    assert res.status == 201, res.body
    assert res.body["service_type_code"] == "98" and res.body["needs_room"] is True
    too_long = {
        "type_id": "long",
        "name": "Long",
        "duration_minutes": 240,
        "buffer_after_minutes": 10,
        "needs_room": True,
    }
    res = invoke_admin("scheduling", "scheduling/create_type.json", body=too_long)
    assert res.status == 422 and res.body["fields"][0]["field"] == "duration_minutes"
    res = invoke("scheduling", "scheduling/get_type.json")
    assert res.status == 200 and res.body["name"] == "Office visit"
    res = invoke("scheduling", "scheduling/get_config.json")
    assert {t["type_id"] for t in res.body["types"]} >= {"visit", "procedure", "office-visit"}
    res = invoke("scheduling", "scheduling/get_type.json", practice_id="lakeside")
    assert res.status == 404


def test_slot_search_book_conflict_reschedule_cancel(invoke, clinic):
    res = invoke(
        "scheduling",
        "scheduling/search_slots.json",
        body={
            "type_id": "visit",
            "location_id": "loc-denver",
            "from_date": "2027-01-12",
            "to_date": "2027-01-12",
            "provider_ids": [clinic.providers[0]],
            "step_minutes": 30,
        },
    )
    assert res.status == 200, res.body
    assert res.body["time_zone"] == "America/Denver"
    first = res.body["slots"][0]
    assert (
        first["start_local"] == "2027-01-12T08:00:00-07:00"
        and first["start"] == "2027-01-12T15:00:00Z"
    )
    booked = _book(invoke, clinic, first["start_local"])
    assert booked.status == 201, booked.body
    assert booked.body["start"] == "2027-01-12T15:00:00Z" and booked.body["end_local"].endswith(
        "08:30:00-07:00"
    )
    # a second patient at an overlapping time (buffer: 5 minutes after) is refused, helpfully
    clash = _book(invoke, clinic, "2027-01-12T08:30:00", patient=1)
    assert clash.status == 409, clash.body
    assert clash.body["error"] == "slot_taken" and clash.body["conflict"] == "provider"
    assert (
        "already booked" in clash.body["message"] and "Nearest free times" in clash.body["message"]
    )
    assert clash.body["nearest_slots"][0]["start_local"] == "2027-01-12T08:45:00-07:00"
    # outside hours
    late = _book(invoke, clinic, "2027-01-12T16:45:00", patient=1)
    assert late.status == 409 and late.body["conflict"] == "hours"
    # search no longer offers 08:00 or 08:30
    res = invoke(
        "scheduling",
        "scheduling/search_slots.json",
        body={
            "type_id": "visit",
            "location_id": "loc-denver",
            "from_date": "2027-01-12",
            "to_date": "2027-01-12",
            "provider_ids": [clinic.providers[0]],
            "step_minutes": 15,
        },
    )
    starts = [s["start_local"][11:16] for s in res.body["slots"]]
    assert "08:00" not in starts and "08:30" not in starts and "08:45" in starts
    # read, list, reschedule, status, cancel
    appt_id = booked.body["appointment_id"]
    got = invoke("scheduling", "scheduling/get.json", path={"appointment_id": appt_id})
    assert got.status == 200 and got.body["patient_id"] == clinic.patients[0]
    listed = invoke("scheduling", "scheduling/list.json")
    assert [a["appointment_id"] for a in listed.body["appointments"]] == [appt_id]
    moved = invoke(
        "scheduling",
        "scheduling/reschedule.json",
        path={"appointment_id": appt_id},
        body={"start": "2027-01-12T10:00:00", "version": 1},
    )
    assert moved.status == 200, moved.body
    assert moved.body["start_local"] == "2027-01-12T10:00:00-07:00" and moved.body["version"] == 2
    stale = invoke(
        "scheduling",
        "scheduling/reschedule.json",
        path={"appointment_id": appt_id},
        body={"start": "2027-01-12T11:00:00", "version": 1},
    )
    assert stale.status == 409
    now_free = _book(invoke, clinic, "2027-01-12T08:30:00", patient=1)  # the old time freed
    assert now_free.status == 201, now_free.body
    bad = invoke(
        "scheduling",
        "scheduling/status.json",
        path={"appointment_id": appt_id},
        body={"status": "seen"},
    )
    assert bad.status == 409 and bad.body["error"] == "invalid_transition"
    for status in ("confirmed", "checked_in", "roomed", "seen", "checked_out"):
        res = invoke(
            "scheduling",
            "scheduling/status.json",
            path={"appointment_id": appt_id},
            body={"status": status},
            groups="provider",
        )
        assert res.status == 200, res.body
    assert [h["status"] for h in res.body["history"]] == [
        "booked",
        "booked",
        "confirmed",
        "checked_in",
        "roomed",
        "seen",
        "checked_out",
    ]
    assert set(res.body["waits"]) >= {"check_in_to_roomed", "roomed_to_seen"}
    cancel = invoke(
        "scheduling",
        "scheduling/cancel.json",
        path={"appointment_id": now_free.body["appointment_id"]},
    )
    assert cancel.status == 200 and cancel.body["status"] == "cancelled"
    assert cancel.body["cancel_reason"] == "patient_request"
    again = _book(invoke, clinic, "2027-01-12T08:30:00", patient=2)
    assert again.status == 201
    # biller cannot book; another practice cannot read
    assert _book_as(invoke, clinic, "biller").status == 403
    other = invoke(
        "scheduling",
        "scheduling/get.json",
        path={"appointment_id": appt_id},
        practice_id="lakeside",
    )
    assert other.status == 404


def _book_as(invoke, clinic, groups):
    body = {
        "patient_id": clinic.patients[0],
        "provider_id": clinic.providers[0],
        "location_id": "loc-denver",
        "type_id": "visit",
        "start": "2027-01-13T09:00:00",
    }
    return invoke("scheduling", "scheduling/book.json", body=body, groups=groups)


def test_rooms_overbook_and_patient_check(invoke, clinic):
    t = "2027-01-14T09:00:00"
    a = _book(invoke, clinic, t, provider=0, patient=0, type_id="procedure")
    b = _book(invoke, clinic, t, provider=1, patient=1, type_id="procedure")
    assert a.status == b.status == 201
    assert {a.body["room_id"], b.body["room_id"]} == {"room-1", "room-2"}
    c = _book(invoke, clinic, "2027-01-14T09:30:00", provider=1, patient=2, type_id="procedure")
    assert c.status == 409 and c.body["conflict"] in {"provider", "room"}
    # a third provider-free booking still needs a room: none free
    make_extra = _book(
        invoke, clinic, "2027-01-14T09:00:00", provider=0, patient=2, type_id="visit"
    )
    assert make_extra.status == 409 and make_extra.body["conflict"] == "provider"
    # overbook: providers may not; the front desk may, and it is recorded
    ob = _book(invoke, clinic, t, provider=0, patient=2, overbook=True)
    assert ob.status == 201 and ob.body["overbook"] is True
    denied = invoke(
        "scheduling",
        "scheduling/book.json",
        groups="provider",
        body={
            "patient_id": clinic.patients[2],
            "provider_id": clinic.providers[0],
            "location_id": "loc-denver",
            "type_id": "visit",
            "start": t,
            "overbook": True,
        },
    )
    assert denied.status == 422 and denied.body["fields"][0]["field"] == "overbook"
    res = invoke(
        "scheduling",
        "scheduling/book.json",
        body={
            "patient_id": "f" * 32,
            "provider_id": clinic.providers[0],
            "location_id": "loc-denver",
            "type_id": "visit",
            "start": "2027-01-15T09:00:00",
        },
    )
    assert res.status == 422 and res.body["fields"][0]["field"] == "patient_id"


def test_idempotency_key_makes_a_retry_return_the_same_appointment(invoke, clinic):
    from tests.functional.conftest import build_event, call

    body = {
        "patient_id": clinic.patients[0],
        "provider_id": clinic.providers[0],
        "location_id": "loc-denver",
        "type_id": "visit",
        "start": "2027-01-18T09:00:00",
    }
    event = build_event("scheduling/book.json", body=body)
    event["headers"]["Idempotency-Key"] = "retry-123"
    first = call("scheduling", event)
    second = call("scheduling", event)
    assert first.status == 201 and second.status == 201
    assert first.body["appointment_id"] == second.body["appointment_id"]


def test_exceptions_and_closures_remove_slots(invoke, clinic):
    res = invoke(
        "scheduling",
        "scheduling/create_exception.json",
        body={
            "provider_id": clinic.providers[0],
            "kind": "unavailable",
            "start": "2027-01-19T08:00:00",
            "end": "2027-01-21T00:00:00",
            "reason": "vacation",
        },
    )
    assert res.status == 201, res.body
    assert res.body["start"] == "2027-01-19T15:00:00Z"
    res = invoke(
        "scheduling",
        "scheduling/create_closure.json",
        body={"start_date": "2027-01-22", "end_date": "2027-01-22", "reason": "holiday"},
    )
    assert res.status == 201
    slots = invoke(
        "scheduling",
        "scheduling/search_slots.json",
        body={
            "type_id": "visit",
            "location_id": "loc-denver",
            "from_date": "2027-01-18",
            "to_date": "2027-01-23",
            "provider_ids": [clinic.providers[0]],
            "step_minutes": 60,
            "limit": 500,
        },
    )
    days = sorted({s["start_local"][:10] for s in slots.body["slots"]})
    assert days == ["2027-01-18", "2027-01-21", "2027-01-23"]
    blocked = _book(invoke, clinic, "2027-01-19T10:00:00")
    assert blocked.status == 409 and blocked.body["conflict"] == "hours"
    assert "closure_id" in res.body
    assert slots.body["slots"][0]["provider_id"] == clinic.providers[0]


def test_series_with_a_conflict_and_edits(invoke, clinic):
    # occurrence 3 collides with an existing appointment
    taken = _book(invoke, clinic, "2027-03-16T09:00:00", patient=1)
    assert taken.status == 201
    body = {
        "patient_id": clinic.patients[0],
        "provider_id": clinic.providers[0],
        "location_id": "loc-denver",
        "type_id": "visit",
        "start": "2027-03-02T09:00:00",
        "recurrence": {"interval_weeks": 1, "count": 4},
    }
    res = invoke("scheduling", "scheduling/book_series.json", body=body)
    assert res.status == 201, res.body
    outcomes = [(o["occurrence"], o["outcome"], o["start_local"]) for o in res.body["occurrences"]]
    assert outcomes == [
        (1, "booked", "2027-03-02T09:00:00-07:00"),
        (2, "booked", "2027-03-09T09:00:00-07:00"),
        (3, "conflict", "2027-03-16T09:00:00-06:00"),  # after the spring-forward change
        (4, "booked", "2027-03-23T09:00:00-06:00"),
    ]
    assert res.body["occurrences"][2]["conflict"] == "provider"
    series_id = res.body["series"]["series_id"]
    moved = invoke(
        "scheduling",
        "scheduling/reschedule_series.json",
        path={"series_id": series_id},
        body={"scope": "following", "occurrence": 2, "new_time": "14:00:00"},
    )
    assert moved.status == 200, moved.body
    assert [(o["occurrence"], o["outcome"]) for o in moved.body["occurrences"]] == [
        (2, "rescheduled"),
        (4, "rescheduled"),
    ]
    cancelled = invoke(
        "scheduling",
        "scheduling/cancel_series.json",
        path={"series_id": series_id},
        body={"scope": "one", "occurrence": 1},
    )
    assert [o["outcome"] for o in cancelled.body["occurrences"]] == ["cancelled"]
    got = invoke("scheduling", "scheduling/get_series.json", path={"series_id": series_id})
    view = {
        a["occurrence"]: (a["status"], a["start_local"][11:16]) for a in got.body["appointments"]
    }
    assert view == {1: ("cancelled", "09:00"), 2: ("booked", "14:00"), 4: ("booked", "14:00")}
    rest = invoke(
        "scheduling",
        "scheduling/cancel_series.json",
        path={"series_id": series_id},
        body={"scope": "all"},
    )
    assert [o["outcome"] for o in rest.body["occurrences"]] == ["skipped", "cancelled", "cancelled"]


def _eventually(read, done, attempts: int = 50):
    """Read until `done(result)` (GSI reads are eventually consistent), then return it."""
    import time

    for _ in range(attempts):
        result = read()
        if done(result):
            return result
        time.sleep(0.1)
    return result


def test_waitlist_offer_accept_race_and_expiry(invoke, clinic):
    from datetime import UTC, datetime, timedelta

    from clinicflow.scheduling.service import waitlist

    booked = _book(invoke, clinic, "2027-01-12T09:00:00", patient=0)
    for patient in (1, 2):
        res = invoke(
            "scheduling",
            "scheduling/add_waitlist.json",
            body={
                "patient_id": clinic.patients[patient],
                "type_id": "visit",
                "location_id": "loc-denver",
                "provider_ids": [clinic.providers[0]],
                "earliest": "2027-01-11",
                "latest": "2027-01-29",
            },
        )
        assert res.status == 201, res.body
    # The waitlist is listed through a GSI, which DynamoDB updates eventually: wait for it.
    entries = _eventually(
        lambda: invoke("scheduling", "scheduling/list_waitlist.json").body["entries"],
        lambda got: len(got) == 2,
    )
    assert [e["patient_id"] for e in entries] == clinic.patients[1:3]
    invoke(
        "scheduling",
        "scheduling/cancel.json",
        path={"appointment_id": booked.body["appointment_id"]},
    )
    offers = _eventually(
        lambda: invoke("scheduling", "scheduling/list_offers.json").body["offers"],
        lambda got: len(got) >= 1,
    )
    assert len(offers) == 1 and offers[0]["status"] == "open"
    offer = offers[0]
    assert offer["patients"] == [
        {"entry_id": entries[0]["entry_id"], "patient_id": clinic.patients[1]}
    ]
    # the second patient was not offered this round
    res = invoke(
        "scheduling",
        "scheduling/accept_offer.json",
        path={"offer_id": offer["offer_id"]},
        body={"entry_id": entries[1]["entry_id"]},
    )
    assert res.status == 422
    # hold runs out: a late acceptance is told so, and the next patient is offered
    caller = clinic.caller()
    later = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(Exception) as late:
        waitlist.accept_offer(caller, offer["offer_id"], entries[0]["entry_id"], now=later)
    assert getattr(late.value, "code", "") == "offer_expired"
    offers = invoke("scheduling", "scheduling/list_offers.json").body["offers"]
    current = [o for o in offers if o["status"] == "open"]
    assert len(current) == 1 and current[0]["patients"][0]["patient_id"] == clinic.patients[2]
    assert current[0]["round"] == 2
    ok = invoke(
        "scheduling",
        "scheduling/accept_offer.json",
        path={"offer_id": current[0]["offer_id"]},
        body={"entry_id": entries[1]["entry_id"]},
    )
    assert ok.status == 200, ok.body
    assert ok.body["patient_id"] == clinic.patients[2] and ok.body["start_local"].startswith(
        "2027-01-12T09:00"
    )
    twice = invoke(
        "scheduling",
        "scheduling/accept_offer.json",
        path={"offer_id": current[0]["offer_id"]},
        body={"entry_id": entries[1]["entry_id"]},
    )
    assert twice.status == 409 and twice.body["error"] == "slot_gone"
    # the patient whose hold ran out keeps waiting; the one who accepted left the list
    left = invoke("scheduling", "scheduling/list_waitlist.json").body["entries"]
    assert [e["entry_id"] for e in left] == [entries[0]["entry_id"]]


def test_seed_scheduling_uses_the_services(invoke, tables):
    from datetime import date

    from clinicflow.scheduling.seed import seed_scheduling

    make_clinic(providers=2, patients=3, rooms=0)
    seed_scheduling(PRACTICE, date(2027, 1, 11))
    config_body = invoke("scheduling", "scheduling/get_config.json").body
    assert {"new-patient", "follow-up", "annual-physical", "telehealth"} <= {
        t["type_id"] for t in config_body["types"]
    }
    assert len([r for r in config_body["rooms"] if r["location_id"] == "loc-denver"]) == 3
    assert config_body["closures"][0]["start_date"] == "2028-01-01"
    week = invoke(
        "scheduling",
        "scheduling/list.json",
        query={"location_id": "loc-denver", "from_date": "2027-01-11", "to_date": "2027-01-17"},
    )
    assert len(week.body["appointments"]) >= 4
    assert {a["status"] for a in week.body["appointments"]} >= {"booked", "confirmed"}
