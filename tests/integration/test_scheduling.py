"""Scheduling over the local stack's HTTP API: contention, DST, series edits, waitlist.

Set-up goes through the API as the Sunrise admin (appointment type, weekly templates in
2027 for demo providers); every date is in 2027, clear of the demo seed's appointments.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.integration

TYPE = "it-visit"


@pytest.fixture(scope="module")
def setup(login: Any) -> dict[str, Any]:
    admin = login("sunrise-admin")
    res = admin.call(
        "POST",
        "/scheduling/appointment-types",
        {
            "type_id": TYPE,
            "name": "Integration visit",
            "duration_minutes": 30,
            "buffer_after_minutes": 5,
            "service_type_code": "98",
        },
    )
    assert res.status in (201, 409), res.body
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for provider, location in (("prov-okafor", "loc-denver"), ("prov-lindqvist", "loc-chicago")):
        res = admin.call(
            "POST",
            "/scheduling/templates",
            {
                "template_id": f"tpl-it-{provider}",
                "provider_id": provider,
                "location_id": location,
                "effective_from": "2027-03-01",
                "effective_to": "2027-11-30",
                "hours": [{"day": d, "start": "08:00", "end": "17:00"} for d in every_day],
            },
        )
        assert res.status in (201, 409), res.body
    desk = login("sunrise-frontdesk")
    patients = []
    for first in ("Arlo", "Bettina"):
        res = desk.call(
            "POST",
            "/patients",
            {
                "name": {"first": first, "last": "Schedtest"},
                "dob": "1975-05-06",
                "sex": "male",
                "confirm_duplicate": True,
            },
        )
        assert res.status == 201, res.body
        patients.append(res.body["id"])
    return {"patients": patients}


def _book(
    client: Any,
    patient: str,
    start: str,
    provider: str = "prov-okafor",
    location: str = "loc-denver",
) -> Any:
    return client.call(
        "POST",
        "/appointments",
        {
            "patient_id": patient,
            "provider_id": provider,
            "location_id": location,
            "type_id": TYPE,
            "start": start,
        },
    )


def test_32_concurrent_clients_race_for_one_slot_and_exactly_one_wins(login, setup):
    desk = login("sunrise-frontdesk")
    barrier = threading.Barrier(32)
    statuses: list[int] = []
    bodies: list[Any] = []
    lock = threading.Lock()

    def race() -> None:
        barrier.wait(timeout=30)
        res = _book(desk, setup["patients"][0], "2027-06-15T10:00:00")
        with lock:
            statuses.append(res.status)
            bodies.append(res.body)

    threads = [threading.Thread(target=race) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Counter(statuses) == Counter({201: 1, 409: 31}), Counter(statuses)
    refusals = [
        b for b in bodies if b.get("error") != "appointment_exists" and "appointment_id" not in b
    ]
    assert all(b["error"] in {"slot_taken", "conflict"} for b in refusals)
    taken = [b for b in refusals if b["error"] == "slot_taken"]
    assert taken and taken[0]["nearest_slots"], taken[:1]
    day = desk.call(
        "GET", "/appointments?location_id=loc-denver&from_date=2027-06-15&provider_id=prov-okafor"
    )
    assert day.status == 200
    assert [a["start_local"] for a in day.body["appointments"]] == ["2027-06-15T10:00:00-06:00"]


def test_dst_spring_forward_and_fall_back(login, setup):
    desk = login("sunrise-frontdesk")
    res = desk.call(
        "POST",
        "/scheduling/slots/search",
        {
            "type_id": TYPE,
            "location_id": "loc-denver",
            "from_date": "2027-03-13",
            "to_date": "2027-03-15",
            "provider_ids": ["prov-okafor"],
            "step_minutes": 60,
            "limit": 100,
        },
    )
    assert res.status == 200, res.body
    firsts = {}
    for s in res.body["slots"]:
        firsts.setdefault(s["start_local"][:10], s)
    assert {d: s["start_local"][11:] for d, s in firsts.items()} == {
        "2027-03-13": "08:00:00-07:00",
        "2027-03-14": "08:00:00-06:00",
        "2027-03-15": "08:00:00-06:00",
    }
    assert firsts["2027-03-13"]["start"] == "2027-03-13T15:00:00Z"
    assert firsts["2027-03-14"]["start"] == "2027-03-14T14:00:00Z"
    spring = _book(desk, setup["patients"][1], "2027-03-14T09:00:00")
    assert spring.status == 201, spring.body
    assert (
        spring.body["start"] == "2027-03-14T15:00:00Z"
        and spring.body["time_zone"] == "America/Denver"
    )
    # Chicago, the day clocks fall back (2027-11-07) and the day before
    before = _book(
        desk, setup["patients"][1], "2027-11-06T09:00:00", "prov-lindqvist", "loc-chicago"
    )
    after = _book(
        desk, setup["patients"][1], "2027-11-07T09:00:00", "prov-lindqvist", "loc-chicago"
    )
    assert before.status == after.status == 201, (before.body, after.body)
    assert (
        before.body["start"] == "2027-11-06T14:00:00Z"
        and after.body["start"] == "2027-11-07T15:00:00Z"
    )
    assert after.body["start_local"] == "2027-11-07T09:00:00-06:00"
    day = desk.call("GET", "/appointments?location_id=loc-chicago&from_date=2027-11-07")
    assert [a["appointment_id"] for a in day.body["appointments"]] == [after.body["appointment_id"]]


def test_series_across_dst_with_edits(login, setup):
    desk = login("sunrise-frontdesk")
    res = desk.call(
        "POST",
        "/appointment-series",
        {
            "patient_id": setup["patients"][0],
            "provider_id": "prov-okafor",
            "location_id": "loc-denver",
            "type_id": TYPE,
            "start": "2027-10-26T09:00:00",
            "recurrence": {"interval_weeks": 1, "until": "2027-11-16"},
        },
    )
    assert res.status == 201, res.body
    occ = res.body["occurrences"]
    assert [o["start_local"] for o in occ] == [
        "2027-10-26T09:00:00-06:00",
        "2027-11-02T09:00:00-06:00",
        "2027-11-09T09:00:00-07:00",
        "2027-11-16T09:00:00-07:00",
    ]
    assert {o["outcome"] for o in occ} == {"booked"}
    series_id = res.body["series"]["series_id"]
    moved = desk.call(
        "POST",
        f"/appointment-series/{series_id}/reschedule",
        {"scope": "following", "occurrence": 3, "new_time": "11:30:00"},
    )
    assert [
        (o["occurrence"], o["outcome"], o["start_local"][11:16]) for o in moved.body["occurrences"]
    ] == [(3, "rescheduled", "11:30"), (4, "rescheduled", "11:30")]
    one = desk.call(
        "POST", f"/appointment-series/{series_id}/cancel", {"scope": "one", "occurrence": 2}
    )
    assert [o["outcome"] for o in one.body["occurrences"]] == ["cancelled"]
    got = desk.call("GET", f"/appointment-series/{series_id}")
    assert [
        (a["occurrence"], a["status"], a["start_local"][11:16]) for a in got.body["appointments"]
    ] == [
        (1, "booked", "09:00"),
        (2, "cancelled", "09:00"),
        (3, "booked", "11:30"),
        (4, "booked", "11:30"),
    ]
    everything = desk.call("POST", f"/appointment-series/{series_id}/cancel", {"scope": "all"})
    assert [o["outcome"] for o in everything.body["occurrences"]] == [
        "cancelled",
        "skipped",
        "cancelled",
        "cancelled",
    ]


def test_waitlist_offer_over_http(login, setup):
    desk = login("sunrise-frontdesk")
    admin = login("sunrise-admin")
    assert (
        admin.call("PUT", "/scheduling/waitlist-policy", {"hold_seconds": 600, "batch": 1}).status
        == 200
    )
    booked = _book(desk, setup["patients"][0], "2027-07-20T14:00:00")
    assert booked.status == 201, booked.body
    wait = desk.call(
        "POST",
        "/waitlist",
        {
            "patient_id": setup["patients"][1],
            "type_id": TYPE,
            "location_id": "loc-denver",
            "provider_ids": ["prov-okafor"],
            "earliest": "2027-07-19",
            "latest": "2027-07-23",
        },
    )
    assert wait.status == 201, wait.body
    cancel = desk.call(
        "POST",
        f"/appointments/{booked.body['appointment_id']}/cancel",
        {"reason": "patient_request"},
    )
    assert cancel.status == 200
    offers = desk.call("GET", "/waitlist/offers").body["offers"]
    mine = [
        o for o in offers if o["patients"] and o["patients"][0]["entry_id"] == wait.body["entry_id"]
    ]
    assert len(mine) == 1 and mine[0]["status"] == "open" and mine[0]["hold_seconds"] == 600
    accepted = desk.call(
        "POST",
        f"/waitlist/offers/{mine[0]['offer_id']}/accept",
        {"entry_id": wait.body["entry_id"]},
    )
    assert accepted.status == 200, accepted.body
    assert accepted.body["patient_id"] == setup["patients"][1]
    again = desk.call(
        "POST",
        f"/waitlist/offers/{mine[0]['offer_id']}/accept",
        {"entry_id": wait.body["entry_id"]},
    )
    assert again.status == 409 and again.body["error"] == "slot_gone"


def test_tenancy_and_roles_over_http(login, setup, anonymous):
    desk = login("sunrise-frontdesk")
    res = _book(desk, setup["patients"][0], "2027-08-03T09:00:00")
    assert res.status == 201
    other = login("lakeside-admin").call("GET", f"/appointments/{res.body['appointment_id']}")
    assert other.status == 404
    assert (
        login("sunrise-biller")
        .call(
            "POST",
            "/appointments",
            {
                "patient_id": setup["patients"][0],
                "provider_id": "prov-okafor",
                "location_id": "loc-denver",
                "type_id": TYPE,
                "start": "2027-08-03T11:00:00",
            },
        )
        .status
        == 403
    )
    assert anonymous.call("GET", f"/appointments/{res.body['appointment_id']}").status == 401
    audit = login("sunrise-admin").call("GET", f"/audit?patient_id={setup['patients'][0]}")
    kinds = {r["resource_type"] for r in audit.body["records"]} if audit.status == 200 else set()
    assert "appointment" in kinds, audit.body


def test_a_hold_timer_fires_on_the_stack_clock_and_offers_the_next_patient(stack, login, setup):
    """The offer's EventBridge Scheduler schedule fires when the stack's clock passes the hold:
    the expiry function closes the offer and offers the slot on, before anyone reads offers."""
    from clinicflow.scheduling.model import OfferStatus
    from clinicflow.scheduling.store import DynamoSchedulingStore
    from clinicflow.scheduling.timers import schedule_name

    desk, admin = login("sunrise-frontdesk"), login("sunrise-admin")
    policy = admin.call("PUT", "/scheduling/waitlist-policy", {"hold_seconds": 300, "batch": 1})
    assert policy.status == 200, policy.body
    third = desk.call(
        "POST",
        "/patients",
        {
            "name": {"first": "Cosmo", "last": "Schedtest"},
            "dob": "1981-07-08",
            "sex": "male",
            "confirm_duplicate": True,
        },
    ).body["id"]
    booked = _book(desk, third, "2027-09-14T10:00:00")
    assert booked.status == 201, booked.body
    entries = []
    for patient in setup["patients"]:
        wait = desk.call(
            "POST",
            "/waitlist",
            {
                "patient_id": patient,
                "type_id": TYPE,
                "location_id": "loc-denver",
                "provider_ids": ["prov-okafor"],
                "earliest": "2027-09-13",
                "latest": "2027-09-17",
            },
        )
        assert wait.status == 201, wait.body
        entries.append(wait.body["entry_id"])
    cancel = desk.call(
        "POST", f"/appointments/{booked.body['appointment_id']}/cancel", {"reason": "weather"}
    )
    assert cancel.status == 200
    store, scheduler = DynamoSchedulingStore(), stack.client("scheduler")
    group = "clinicflow-local-waitlist-holds"
    mine = [o for o in store.open_offers("sunrise") if entries[0] in o.entry_ids]
    assert len(mine) == 1
    first = mine[0]
    name = schedule_name("sunrise", first.offer_id)
    assert scheduler.get_schedule(GroupName=group, Name=name)["State"] == "ENABLED"
    assert stack.advance_clock(timedelta(seconds=361)) >= 1  # the hold (300 s) + a minute
    # no one has listed offers: the schedule alone ended the hold and made the next round
    assert store.get_offer("sunrise", first.offer_id).status is OfferStatus.EXPIRED
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    assert name not in names
    (second,) = [o for o in store.open_offers("sunrise") if entries[1] in o.entry_ids]
    assert second.round == 2 and schedule_name("sunrise", second.offer_id) in names
    accepted = desk.call(
        "POST", f"/waitlist/offers/{second.offer_id}/accept", {"entry_id": entries[1]}
    )
    assert accepted.status == 200, accepted.body
    assert accepted.body["start_local"] == "2027-09-14T10:00:00-06:00"
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    assert schedule_name("sunrise", second.offer_id) not in names
    late = desk.call("POST", f"/waitlist/offers/{first.offer_id}/accept", {"entry_id": entries[0]})
    assert late.status == 409 and late.body["error"] == "offer_expired"
