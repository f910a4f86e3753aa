"""Scheduling routes against DynamoDB Local: listing exceptions, booking retries, 409 hints."""

from __future__ import annotations

from typing import Any

import pytest

from clinicflow.scheduling.service import config
from tests.functional.conftest import build_event, call
from tests.functional.test_scheduling_handler import Clinic, make_clinic

LIST = "scheduling/list_exceptions.json"


@pytest.fixture
def clinic(tables: Any) -> Clinic:
    return make_clinic()


def _exception(invoke: Any, provider: str, start: str, end: str, kind: str = "unavailable"):
    body = {"provider_id": provider, "kind": kind, "start": start, "end": end, "reason": "cme"}
    if kind == "extra_hours":
        body["location_id"] = "loc-denver"
    res = invoke("scheduling", "scheduling/create_exception.json", body=body)
    assert res.status == 201, res.body
    return res.body


def _list(invoke: Any, **query: str):
    return invoke("scheduling", LIST, query=query)


def test_exceptions_are_listed_per_provider_over_local_days(invoke, clinic):
    p0, p1 = clinic.providers[:2]
    away = _exception(invoke, p0, "2027-01-19T08:00:00", "2027-01-21T00:00:00")
    extra = _exception(invoke, p0, "2027-01-23T18:00:00", "2027-01-23T20:00:00", "extra_hours")
    late = _exception(invoke, p0, "2027-01-24T23:30:00", "2027-01-25T01:00:00")
    _exception(invoke, p1, "2027-01-19T08:00:00", "2027-01-19T12:00:00")
    res = _list(invoke, provider_id=p0, from_date="2027-01-18", to_date="2027-01-24")
    assert res.status == 200, res.body
    assert res.body["time_zone"] == "America/Denver"
    got = [(x["exception_id"], x["kind"], x["start_local"]) for x in res.body["exceptions"]]
    assert got == [
        (away["exception_id"], "unavailable", "2027-01-19T08:00:00-07:00"),
        (extra["exception_id"], "extra_hours", "2027-01-23T18:00:00-07:00"),
        (late["exception_id"], "unavailable", "2027-01-24T23:30:00-07:00"),
    ]
    # a multi-day exception is listed whole (not as its stored day pieces), with UTC times
    assert res.body["exceptions"][0]["start"] == "2027-01-19T15:00:00Z"
    assert res.body["exceptions"][0]["end"] == "2027-01-21T07:00:00Z"
    one_day = _list(invoke, provider_id=p0, from_date="2027-01-20", to_date="2027-01-20")
    assert [x["exception_id"] for x in one_day.body["exceptions"]] == [away["exception_id"]]
    after = _list(invoke, provider_id=p0, from_date="2027-01-25", to_date="2027-01-31")
    assert [x["exception_id"] for x in after.body["exceptions"]] == [late["exception_id"]]
    # a deleted exception is no longer listed
    config.remove_exception(clinic.caller(), away["exception_id"])
    res = _list(invoke, provider_id=p0, from_date="2027-01-18", to_date="2027-01-24")
    assert [x["exception_id"] for x in res.body["exceptions"]] == [
        extra["exception_id"],
        late["exception_id"],
    ]
    missing = _list(invoke, provider_id=p0, from_date="2027-01-18")
    assert missing.status == 422 and missing.body["fields"][0]["field"] == "to_date"


def test_listing_exceptions_validates_and_stays_in_the_practice(invoke, clinic):
    p0 = clinic.providers[0]
    _exception(invoke, p0, "2027-01-19T08:00:00", "2027-01-19T12:00:00")
    backwards = _list(invoke, provider_id=p0, from_date="2027-01-20", to_date="2027-01-19")
    assert backwards.status == 422 and backwards.body["fields"][0]["field"] == "to_date"
    too_long = _list(invoke, provider_id=p0, from_date="2027-01-01", to_date="2027-06-01")
    assert too_long.status == 422 and too_long.body["fields"][0]["field"] == "to_date"
    unknown = _list(invoke, provider_id="prov-nobody", from_date="2027-01-18", to_date="2027-01-24")
    assert unknown.status == 422 and unknown.body["fields"][0]["field"] == "provider_id"
    other = invoke(
        "scheduling",
        LIST,
        query={"provider_id": p0, "from_date": "2027-01-18", "to_date": "2027-01-24"},
        practice_id="lakeside",
    )
    assert other.status == 422  # another practice's provider does not exist for lakeside
    biller = invoke(
        "scheduling",
        LIST,
        query={"provider_id": p0, "from_date": "2027-01-18", "to_date": "2027-01-24"},
        groups="biller",
    )
    assert biller.status == 200 and len(biller.body["exceptions"]) == 1


def _book_with_key(clinic: Any, key: str, start: str, patient: int = 0):
    body = {
        "patient_id": clinic.patients[patient],
        "provider_id": clinic.providers[0],
        "location_id": "loc-denver",
        "type_id": "visit",
        "start": start,
    }
    event = build_event("scheduling/book.json", body=body)
    event["headers"]["Idempotency-Key"] = key
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return call("scheduling", event)


def test_a_booking_retry_with_the_same_key_replays_and_a_new_body_is_refused(invoke, clinic):
    first = _book_with_key(clinic, "book-key-0001", "2027-01-18T09:00:00")
    again = _book_with_key(clinic, "book-key-0001", "2027-01-18T09:00:00")
    assert first.status == again.status == 201, (first.body, again.body)
    assert again.body["appointment_id"] == first.body["appointment_id"]
    other = _book_with_key(clinic, "book-key-0001", "2027-01-18T11:00:00")
    assert other.status == 422 and other.body["fields"][0]["field"] == "Idempotency-Key"
    day = invoke(
        "scheduling",
        "scheduling/list.json",
        query={"location_id": "loc-denver", "from_date": "2027-01-18"},
    )
    assert [a["appointment_id"] for a in day.body["appointments"]] == [first.body["appointment_id"]]
    bad = _book_with_key(clinic, "k", "2027-01-18T13:00:00")
    assert bad.status == 422 and "Idempotency-Key" in bad.body["message"]


def test_a_refused_booking_names_the_nearest_free_times_even_days_away(invoke, clinic):
    p0 = clinic.providers[0]
    # the provider is away from the day before to the day after the time asked
    _exception(invoke, p0, "2027-02-09T00:00:00", "2027-02-12T00:00:00")
    refused = invoke(
        "scheduling",
        "scheduling/book.json",
        body={
            "patient_id": clinic.patients[0],
            "provider_id": p0,
            "location_id": "loc-denver",
            "type_id": "visit",
            "start": "2027-02-10T12:00:00",
        },
    )
    assert refused.status == 409 and refused.body["conflict"] == "hours"
    starts = [s["start_local"] for s in refused.body["nearest_slots"]]
    # 5 slots, all outside the absence: the late end of the 8th, the early 12th
    assert len(starts) == 5
    assert all(s[:10] in {"2027-02-08", "2027-02-12"} for s in starts), starts
    assert starts == sorted(starts)
    near = invoke(
        "scheduling",
        "scheduling/book.json",
        body={
            "patient_id": clinic.patients[0],
            "provider_id": p0,
            "location_id": "loc-denver",
            "type_id": "visit",
            "start": "2027-02-15T07:00:00",
        },
    )
    assert near.status == 409
    assert [s["start_local"][11:16] for s in near.body["nearest_slots"]] == [
        "08:00",
        "08:15",
        "08:30",
        "08:45",
        "09:00",
    ]
