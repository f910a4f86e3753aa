"""Eligibility over the local stack's HTTP API, and the nightly batch fired by the clock.

A seeded Sunrise patient's coverage (commercial payer, sandbox route, member id "M...":
active) is checked over HTTP; the answer is cached, forced, listed per coverage, and its
raw 270/271 downloaded. Then Sunrise turns nightly checks on, appointments are booked in
the next days, the clock passes 02:00 practice time, the queue is drained and the calendar's
flags show the problems.
"""

from __future__ import annotations

import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.integration

TYPE = "elig-visit"
DENVER = ZoneInfo("America/Denver")


def _seeded_coverage(desk: Any) -> tuple[str, dict[str, Any]]:
    """A seeded patient with an active primary coverage (id, coverage)."""
    cursor = ""
    for _ in range(20):  # other tests add patients without coverage: page past them
        page = desk.call("GET", f"/patients?limit=50{'&cursor=' + cursor if cursor else ''}")
        assert page.status == 200, page.body
        for patient in page.body["items"]:
            res = desk.call("GET", f"/patients/{patient['id']}/coverages")
            assert res.status == 200, res.body
            for coverage in res.body["items"]:
                if coverage["order"] == 1 and coverage["member_id"].startswith("M"):
                    return patient["id"], coverage
        cursor = page.body.get("cursor") or ""
        if not cursor:
            break
    raise AssertionError("the demo seed has no patient with a primary coverage")


def test_real_time_check_cache_history_and_raw_files(login: Any) -> None:
    desk = login("sunrise-frontdesk")
    pid, coverage = _seeded_coverage(desk)
    body = {
        "patient_id": pid,
        "coverage_id": coverage["id"],
        "service_date": date.today().isoformat(),
        "service_type_codes": ["98"],
    }
    first = desk.call("POST", "/eligibility/checks", body)
    assert first.status == 201, first.body
    check = first.body
    assert check["active"] is True and check["result"]["status"] == "active"
    assert check["cached"] is False and check["result"]["copay"] == "25"
    assert check["corrections"] == []
    again = desk.call("POST", "/eligibility/checks", body)
    assert again.status == 200 and again.body["cached"] is True
    assert again.body["id"] == check["id"]
    forced = desk.call("POST", "/eligibility/checks", {**body, "force": True})
    assert forced.status == 201 and forced.body["id"] != check["id"]
    history = desk.call("GET", f"/patients/{pid}/coverages/{coverage['id']}/eligibility?limit=5")
    assert history.status == 200, history.body
    ids = [c["id"] for c in history.body["items"]]
    assert ids[:2] == [forced.body["id"], check["id"]]
    for kind, first_segment in (("270", "ISA*"), ("271", "ISA*")):
        raw = desk.call("GET", f"/eligibility/checks/{check['id']}/raw/{kind}?inline=true")
        assert raw.status == 200, raw.body
        assert raw.body["text"].startswith(first_segment)
        assert f"ST*{kind}*" in raw.body["text"]
        with urllib.request.urlopen(raw.body["url"], timeout=10) as download:
            assert download.read().decode() == raw.body["text"]
    other = login("lakeside-frontdesk")
    assert other.call("GET", f"/eligibility/checks/{check['id']}").status == 404
    assert (
        other.call("GET", f"/patients/{pid}/coverages/{coverage['id']}/eligibility").status == 404
    )


def _drain(stack: Any, timeout: float = 180) -> None:
    """Poll the worker's queue (as the ticker also does) until no message is left in it."""
    (poller,) = [p for p in stack.pollers if p.function == "EligibilityWorkerFunction"]
    sqs = stack.client("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        poller.drain()
        attrs = sqs.get_queue_attributes(QueueUrl=poller.queue_url, AttributeNames=names)
        if all(attrs["Attributes"][n] == "0" for n in names):
            return
        time.sleep(0.2)
    raise AssertionError("the eligibility queue did not drain")


def _patient(desk: Any, first: str, member_id: str | None) -> str:
    res = desk.call(
        "POST",
        "/patients",
        {
            "name": {"first": first, "last": "Eligtest"},
            "dob": "1980-02-03",
            "sex": "female",
            "confirm_duplicate": True,
        },
    )
    assert res.status == 201, res.body
    pid = str(res.body["id"])
    if member_id:
        cov = desk.call(
            "POST",
            f"/patients/{pid}/coverages",
            {
                "payer_id": "MRDN1",
                "member_id": member_id,
                "claim_filing_indicator": "CI",
                "relationship": "18",
            },
        )
        assert cov.status == 201, cov.body
    return pid


def test_nightly_batch_flags_upcoming_appointments(stack: Any, login: Any) -> None:
    admin = login("sunrise-admin")
    desk = login("sunrise-frontdesk")
    current = admin.call("GET", "/eligibility/settings").body
    on = admin.call(
        "PUT",
        "/eligibility/settings",
        {
            "cache_hours": 24,
            "nightly_enabled": True,
            "nightly_days": 3,
            "payer_concurrency": 2,
            "version": current["version"],
        },
    )
    assert on.status == 200, on.body
    res = admin.call(
        "POST",
        "/scheduling/appointment-types",
        {
            "type_id": TYPE,
            "name": "Eligibility visit",
            "duration_minutes": 30,
            "service_type_code": "98",
        },
    )
    assert res.status in (201, 409), res.body
    today = datetime.now(DENVER).date()
    res = admin.call(
        "POST",
        "/scheduling/templates",
        {
            "template_id": "tpl-elig-okafor",
            "provider_id": "prov-okafor",
            "location_id": "loc-denver",
            "effective_from": today.isoformat(),
            "effective_to": (today + timedelta(days=10)).isoformat(),
            "hours": [
                {"day": d, "start": "06:00", "end": "20:00"}
                for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            ],
        },
    )
    assert res.status in (201, 409), res.body
    patients = {
        "active": _patient(desk, "Avery", "M123456789"),
        "inactive": _patient(desk, "Blair", "SBX-INACTIVE-77"),
        "no_coverage": _patient(desk, "Casey", None),
    }
    tomorrow = today + timedelta(days=1)
    booked: dict[str, str] = {}
    for n, (name, pid) in enumerate(patients.items()):
        for minute in range(0, 600, 35):  # the first free slot from 08:00 local
            start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, tzinfo=DENVER)
            start += timedelta(minutes=minute + n * 5)
            res = desk.call(
                "POST",
                "/appointments",
                {
                    "patient_id": pid,
                    "provider_id": "prov-okafor",
                    "location_id": "loc-denver",
                    "type_id": TYPE,
                    "start": start.isoformat(),
                },
            )
            if res.status == 201:
                booked[name] = res.body["appointment_id"]
                break
            assert res.status == 409, res.body
    assert set(booked) == set(patients), booked

    fired = stack.advance_clock(timedelta(hours=24))  # passes 02:00 America/New_York once
    assert fired >= 1
    _drain(stack)

    frm = today.isoformat()
    to = (today + timedelta(days=4)).isoformat()
    flags = desk.call("GET", f"/eligibility/flags?from={frm}&to={to}")
    assert flags.status == 200, flags.body
    by_appointment = {f["appointment_id"]: f for f in flags.body["items"]}
    got = {name: by_appointment[a]["kind"] for name, a in booked.items()}
    assert got == {"active": "ok", "inactive": "inactive", "no_coverage": "no_coverage"}
    assert by_appointment[booked["inactive"]]["problem"] is True
    check_id = by_appointment[booked["inactive"]]["check_id"]
    check = desk.call("GET", f"/eligibility/checks/{check_id}")
    assert check.status == 200 and check.body["service_types"] == ["98"]
    assert check.body["requested_by"] == "clinicflow-eligibility-nightly"
    problems = desk.call("GET", f"/eligibility/flags?from={frm}&to={to}&problems_only=true")
    assert {f["kind"] for f in problems.body["items"]} <= {
        "inactive",
        "aaa_error",
        "no_coverage",
        "payer_unavailable",
        "unknown",
        "not_checkable",
    }
    assert datetime.now(UTC)  # the API keeps answering after the batch
