"""functions/patients/app.py with events from events/patients/, against DynamoDB Local."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest

from clinicflow.audit.store import list_records
from tests.functional.conftest import build_event, call, load_event

PRACTICE = "prac-demo-a"
OTHER_PRACTICE = "prac-demo-b"


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_event("patients/create.json")["body"])
    body.update(changes)
    return body


def _create(invoke: Any, **changes: Any) -> dict[str, Any]:
    res = invoke("patients", "patients/create.json", body=_body(**changes))
    assert res.status == 201, res.body
    return dict(res.body)


def _person(first: str, last: str, dob: str, **more: Any) -> dict[str, Any]:
    return {"name": {"first": first, "last": last}, "dob": dob, **more}


def _audit(patient_id: str, practice: str = PRACTICE) -> list[tuple[str, str]]:
    records, _ = list_records(practice, subject_id=patient_id, limit=100)
    return sorted((r.action.value, r.actor) for r in records)


def test_create_read_update_deactivate_with_audit(invoke: Any) -> None:
    created = _create(invoke)
    pid = created["id"]
    assert created["status"] == "active"
    assert created["version"] == 1
    assert created["mrn"] == "00000001"
    assert created["phones"] == [
        {"type": "mobile", "number": "+12175550142"},
        {"type": "home", "number": "+12175550199"},
    ]
    assert created["sms_consent"] == {
        "status": "granted",
        "at": "2025-03-01T15:04:05Z",
        "method": "written",
    }

    got = invoke("patients", "patients/get.json", path={"patient_id": pid})
    assert got.status == 200
    assert got.body == created

    updated = invoke("patients", "patients/update.json", path={"patient_id": pid})
    assert updated.status == 200, updated.body
    assert updated.body["version"] == 2
    assert updated.body["preferred_name"] == "Tessa"
    assert updated.body["name"] == created["name"]  # untouched fields kept

    cleared = invoke(
        "patients",
        "patients/update.json",
        path={"patient_id": pid},
        body={"version": 2, "preferred_name": None, "sms_consent": None},
    )
    assert cleared.status == 200, cleared.body
    assert "preferred_name" not in cleared.body or cleared.body["preferred_name"] is None
    assert cleared.body["consent_history"][0]["channel"] == "sms_consent"

    gone = invoke("patients", "patients/deactivate.json", path={"patient_id": pid})
    assert gone.status == 200
    assert gone.body["status"] == "inactive"
    again = invoke("patients", "patients/get.json", path={"patient_id": pid})
    assert again.body["status"] == "inactive"  # never lost
    assert again.body["email"] == created["email"]

    assert _audit(pid) == sorted(
        [
            ("create", "frontdesk.demo"),
            ("read", "frontdesk.demo"),
            ("update", "frontdesk.demo"),
            ("update", "frontdesk.demo"),
            ("delete", "admin.demo"),
            ("read", "frontdesk.demo"),
        ]
    )
    records, _ = list_records(PRACTICE, subject_id=pid)
    assert {r.source_ip for r in records} == {"203.0.113.10"}


def test_reactivate_with_patch(invoke: Any) -> None:
    pid = _create(invoke)["id"]
    invoke("patients", "patients/deactivate.json", path={"patient_id": pid})
    res = invoke(
        "patients",
        "patients/update.json",
        path={"patient_id": pid},
        body={"version": 2, "status": "active"},
    )
    assert res.status == 200, res.body
    assert res.body["status"] == "active"


def test_given_mrn_is_normalised_and_unique(invoke: Any) -> None:
    first = _create(invoke, mrn="ab-1001")
    assert first["mrn"] == "AB-1001"
    res = invoke(
        "patients",
        "patients/create.json",
        body=_body(mrn="AB-1001", **_person("Other", "Person", "1990-01-01")),
    )
    assert res.status == 409
    assert res.body["fields"] == [
        {"field": "mrn", "message": "already assigned to another patient"}
    ]


def test_generated_mrn_skips_one_taken_by_hand(invoke: Any) -> None:
    _create(invoke, mrn="00000001", **_person("Ann", "Able", "1970-01-01"))
    second = _create(invoke, **_person("Ben", "Baker", "1971-01-01"))
    assert second["mrn"] == "00000002"


def test_likely_duplicate_answers_409_with_candidate_then_confirm(invoke: Any) -> None:
    original = _create(invoke, **_person("Zoë", "García-López", "1990-05-06"))
    res = invoke(
        "patients",
        "patients/create.json",
        body=_body(**_person("ZOE", "garcia lopez", "1990-05-06")),
    )
    assert res.status == 409
    assert res.body["candidates"] == [
        {
            "id": original["id"],
            "mrn": original["mrn"],
            "first_name": "Zoë",
            "last_name": "García-López",
            "dob": "1990-05-06",
            "status": "active",
        }
    ]
    assert "Zo" not in res.body["message"]  # no PHI in messages

    other_dob = invoke(
        "patients",
        "patients/create.json",
        body=_body(**_person("Zoe", "Garcia-Lopez", "1990-05-07")),
    )
    assert other_dob.status == 201

    confirmed = invoke(
        "patients",
        "patients/create.json",
        body=_body(confirm_duplicate=True, **_person("ZOE", "garcia lopez", "1990-05-06")),
    )
    assert confirmed.status == 201
    assert confirmed.body["id"] != original["id"]

    third = invoke(
        "patients",
        "patients/create.json",
        body=_body(**_person("Zoe", "Garcia Lopez", "1990-05-06")),
    )
    assert third.status == 409
    assert {c["id"] for c in third.body["candidates"]} == {original["id"], confirmed.body["id"]}


def test_invalid_input_answers_422_naming_each_field(invoke: Any) -> None:
    body = _body(
        dob="1984-13-40",
        email="not-an-email",
        phones=[{"type": "pager", "number": "12"}],
        address={"line1": "1 A St", "city": "X", "state": "ZZ", "postal_code": "1234"},
    )
    del body["sex"]
    body["name"] = {"first": "", "last": "Synthetico"}
    res = invoke("patients", "patients/create.json", body=body)
    assert res.status == 422
    fields = {f["field"] for f in res.body["fields"]}
    assert {
        "dob",
        "email",
        "sex",
        "name.first",
        "phones.0.type",
        "phones.0.number",
        "address.state",
        "address.postal_code",
        "address.city",
    } <= fields
    assert "not-an-email" not in json.dumps(res.body)


def test_business_rules_answer_422_naming_fields(invoke: Any) -> None:
    body = _body(
        phones=[{"type": "home", "number": "217-555-0199"}],  # SMS consent needs a mobile
        guarantor={"relationship": "parent", "name": {"first": "Pat", "last": "Parent"}},
        dob="2999-01-01",
    )
    res = invoke("patients", "patients/create.json", body=body)
    assert res.status == 422
    assert {f["field"] for f in res.body["fields"]} == {"dob"}
    res = invoke("patients", "patients/create.json", body={**body, "dob": "2001-01-01"})
    assert res.status == 422
    assert {f["field"] for f in res.body["fields"]} == {
        "sms_consent",
        "guarantor.address",
        "guarantor.phone",
    }


def test_stale_version_answers_409(invoke: Any) -> None:
    pid = _create(invoke)["id"]
    assert invoke("patients", "patients/update.json", path={"patient_id": pid}).status == 200
    stale = invoke("patients", "patients/update.json", path={"patient_id": pid})
    assert stale.status == 409
    assert stale.body["current_version"] == 2
    missing_version = invoke(
        "patients", "patients/update.json", path={"patient_id": pid}, body={"email": None}
    )
    assert missing_version.status == 422
    assert missing_version.body["fields"][0]["field"] == "version"


def test_other_practice_gets_404_everywhere(invoke: Any) -> None:
    pid = _create(invoke)["id"]
    for event in ("patients/get.json", "patients/update.json", "patients/deactivate.json"):
        res = invoke("patients", event, path={"patient_id": pid}, practice_id=OTHER_PRACTICE)
        assert res.status == 404, event
    search = invoke("patients", "patients/search.json", practice_id=OTHER_PRACTICE)
    assert search.body["items"] == []
    listed = invoke("patients", "patients/list.json", practice_id=OTHER_PRACTICE)
    assert listed.body["items"] == []
    mine = invoke("patients", "patients/get.json", path={"patient_id": pid})
    assert mine.body["version"] == 1  # untouched by the other practice
    assert invoke("patients", "patients/get.json", path={"patient_id": "not-an-id"}).status == 404
    assert invoke("patients", "patients/get.json", path={"patient_id": "../x"}).status == 404


@pytest.mark.parametrize(
    ("event", "groups", "status"),
    [
        ("patients/create.json", "provider", 403),
        ("patients/create.json", "biller", 201),
        ("patients/deactivate.json", "biller", 403),
        ("patients/deactivate.json", "provider", 403),
        ("patients/update.json", "provider", 403),
        ("patients/get.json", "provider", 200),
        ("patients/search.json", "provider", 200),
        ("patients/list.json", "provider", 200),
        ("patients/get.json", "", 403),
    ],
)
def test_roles(invoke: Any, event: str, groups: str, status: int) -> None:
    pid = _create(invoke, **_person("Role", "Tester", "1960-02-02"))["id"]
    body: Any = json.loads(load_event(event)["body"] or "null")
    if event == "patients/create.json":
        body = _body(**_person("Other", "Person", "1961-03-03"))
    res = invoke(
        "patients",
        event,
        path={"patient_id": pid} if "{" in load_event(event)["resource"] else None,
        body=body,
        groups=groups,
    )
    assert res.status == status, res.body
    if status == 403:
        assert res.body["error"] == "forbidden"


def test_missing_identity_answers_401() -> None:
    event = build_event("patients/list.json")
    del event["requestContext"]["authorizer"]
    assert call("patients", event).status == 401


def _search(invoke: Any, **criteria: Any) -> Any:
    res = invoke("patients", "patients/search.json", body=criteria)
    assert res.status == 200, res.body
    return res.body


def test_search_by_each_criterion(invoke: Any) -> None:
    a = _create(
        invoke,
        mrn="A-1",
        **_person(
            "Émile", "Durand", "1950-01-01", phones=[{"type": "mobile", "number": "312-555-0101"}]
        ),
    )
    b = _create(invoke, mrn="B-2", **_person("Emma", "Dupont", "1960-02-02"))
    c = _create(
        invoke,
        mrn="C-3",
        sms_consent=None,
        **_person(
            "Carl", "Durand", "1960-02-02", phones=[{"type": "work", "number": "+1 (312) 555-0101"}]
        ),
    )

    def ids(body: Any) -> set[str]:
        return {p["id"] for p in body["items"]}

    assert ids(_search(invoke, last_name="du")) == {a["id"], b["id"], c["id"]}
    assert ids(_search(invoke, last_name="DUR")) == {a["id"], c["id"]}
    assert ids(_search(invoke, last_name="dur", first_name="emi")) == {a["id"]}
    assert ids(_search(invoke, last_name="du", first_name="EM")) == {a["id"], b["id"]}
    assert ids(_search(invoke, dob="1960-02-02")) == {b["id"], c["id"]}
    assert ids(_search(invoke, dob="1960-02-02", last_name="dur")) == {c["id"]}
    assert ids(_search(invoke, mrn="b-2")) == {b["id"]}
    assert ids(_search(invoke, mrn="b-2", last_name="dur")) == set()
    assert ids(_search(invoke, phone="3125550101")) == {a["id"], c["id"]}
    assert ids(_search(invoke, phone="312.555.0101", first_name="car", last_name="d")) == {c["id"]}
    assert ids(_search(invoke, last_name="zz")) == set()

    hit = _search(invoke, mrn="A-1")["items"][0]
    assert set(hit) == {"id", "mrn", "first_name", "last_name", "dob", "status"}
    assert ("search", "frontdesk.demo") in _audit(a["id"])


def test_search_skips_inactive_unless_asked(invoke: Any) -> None:
    pid = _create(invoke)["id"]
    invoke("patients", "patients/deactivate.json", path={"patient_id": pid})
    assert _search(invoke, last_name="synth")["items"] == []
    assert [
        p["id"] for p in _search(invoke, last_name="synth", include_inactive=True)["items"]
    ] == [pid]


def test_search_paginates_and_audits_each_hit(invoke: Any) -> None:
    created = [
        _create(invoke, **_person(f"Pat{chr(97 + i)}", "Pager", f"1970-01-0{i + 1}"))["id"]
        for i in range(5)
    ]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        body = _search(invoke, last_name="pag", limit=2, cursor=cursor)
        pages += 1
        assert len(body["items"]) <= 2
        seen += [p["id"] for p in body["items"]]
        cursor = body["cursor"]
        if not cursor:
            break
        assert "pager" not in cursor.lower()[:0]  # opaque token (content not asserted)
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))
    assert pages >= 3
    for pid in created:
        assert _audit(pid).count(("search", "frontdesk.demo")) == 1


def test_search_validation(invoke: Any) -> None:
    res = invoke("patients", "patients/search.json", body={"first_name": "ann"})
    assert res.status == 422
    assert res.body["fields"][0]["field"] == "criteria"
    res = invoke(
        "patients", "patients/search.json", body={"last_name": "a", "limit": 500, "phone": "12"}
    )
    assert res.status == 422
    assert {f["field"] for f in res.body["fields"]} == {"limit", "phone"}
    bad_cursor = invoke(
        "patients", "patients/search.json", body={"last_name": "a", "cursor": "eyJQSyI6Im90aGVyIn0"}
    )
    assert bad_cursor.status == 422
    assert bad_cursor.body["fields"][0]["field"] == "cursor"


def test_update_moves_index_entries(invoke: Any) -> None:
    pid = _create(
        invoke,
        mrn="M-1",
        **_person(
            "Ida", "Index", "1980-08-08", phones=[{"type": "mobile", "number": "217-555-0110"}]
        ),
    )["id"]
    res = invoke(
        "patients",
        "patients/update.json",
        path={"patient_id": pid},
        body={
            "version": 1,
            "mrn": "M-2",
            "name": {"first": "Ida", "last": "Moved"},
            "dob": "1980-08-09",
            "phones": [{"type": "mobile", "number": "217-555-0111"}],
        },
    )
    assert res.status == 200, res.body
    assert _search(invoke, last_name="index")["items"] == []
    assert _search(invoke, dob="1980-08-08")["items"] == []
    assert _search(invoke, phone="2175550110")["items"] == []
    assert _search(invoke, mrn="M-1")["items"] == []
    for criteria in (
        {"last_name": "mov"},
        {"dob": "1980-08-09"},
        {"phone": "2175550111"},
        {"mrn": "M-2"},
    ):
        assert [p["id"] for p in _search(invoke, **criteria)["items"]] == [pid], criteria
    # the old MRN is free again; the new one is taken
    assert (
        invoke(
            "patients",
            "patients/create.json",
            body=_body(mrn="M-1", **_person("New", "Person", "1999-09-09")),
        ).status
        == 201
    )
    clash = invoke(
        "patients",
        "patients/create.json",
        body=_body(mrn="M-2", **_person("Newer", "Person", "1999-09-10")),
    )
    assert clash.status == 409
    # the renamed patient is a duplicate under its new name only
    dup = invoke(
        "patients", "patients/create.json", body=_body(**_person("Ida", "Moved", "1980-08-09"))
    )
    assert dup.status == 409
    assert (
        invoke(
            "patients", "patients/create.json", body=_body(**_person("Ida", "Index", "1980-08-08"))
        ).status
        == 201
    )


def test_list_recent_newest_first_paginated(invoke: Any) -> None:
    ids = [
        _create(invoke, **_person("Rec", f"Ent{chr(97 + i)}", "1990-01-01"))["id"] for i in range(3)
    ]
    # touching the first one makes it the most recent
    invoke(
        "patients",
        "patients/update.json",
        path={"patient_id": ids[0]},
        body={"version": 1, "preferred_language": "es"},
    )
    first = invoke("patients", "patients/list.json", query={"limit": "2"})
    assert first.status == 200
    assert [p["id"] for p in first.body["items"]] == [ids[0], ids[2]]
    rest = invoke(
        "patients", "patients/list.json", query={"limit": "2", "cursor": first.body["cursor"]}
    )
    assert [p["id"] for p in rest.body["items"]] == [ids[1]]
    assert rest.body["cursor"] is None
    invoke("patients", "patients/deactivate.json", path={"patient_id": ids[1]})
    active = invoke("patients", "patients/list.json", query={"status": "active"})
    assert ids[1] not in [p["id"] for p in active.body["items"]]
    assert ("read", "frontdesk.demo") in _audit(ids[2])
    assert invoke("patients", "patients/list.json", query={"limit": "0"}).status == 422
    tampered = invoke("patients", "patients/list.json", query={"cursor": "bm90LWEtY3Vyc29y"})
    assert tampered.status == 422


def test_no_phi_in_logs(invoke: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # the level functions run at (LOG_LEVEL)
    marker = "Quizzlewhistle"
    pid = _create(invoke, **_person("Xaviera", marker, "1977-07-07"))["id"]
    invoke("patients", "patients/get.json", path={"patient_id": pid})
    invoke("patients", "patients/search.json", body={"last_name": marker[:5]})
    invoke(
        "patients", "patients/create.json", body=_body(**_person("Xaviera", marker, "1977-07-07"))
    )
    broken = copy.deepcopy(_body(**_person("Xaviera", marker, "1977-07-07")))
    broken["email"] = marker
    invoke("patients", "patients/create.json", body=broken)
    assert marker.lower() not in caplog.text.lower()
    assert "xaviera" not in caplog.text.lower()
