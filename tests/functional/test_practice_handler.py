"""functions/practice/app.py with events from events/practice, against DynamoDB Local."""

import json

import pytest

from clinicflow.audit.store import list_records
from tests.functional.conftest import build_event, call, load_event

E = "practice/"


def body_of(event_name):
    return json.loads(load_event(event_name)["body"])


def fields(res):
    return [f["field"] for f in res.body["fields"]]


def test_admin_sets_up_the_profile_and_every_role_reads_it(invoke):
    assert invoke("practice", E + "get_practice.json").status == 404
    res = invoke("practice", E + "put_practice.json")
    assert res.status == 201, res.body
    assert res.body["tax_id"] == "36-4812077" and res.body["phone"] == "2175550142"
    assert res.body["billing_address"]["postal_code"] == "627041234"
    for group in ("front-desk", "biller", "provider", "admin"):
        got = invoke("practice", E + "get_practice.json", groups=group)
        assert got.status == 200 and got.body["legal_name"] == "Sunrise Family Medicine PLLC"
    again = invoke(
        "practice", E + "put_practice.json", body={**body_of(E + "put_practice.json"), "version": 1}
    )
    assert again.status == 200 and again.body["stamp"]["version"] == 2
    stale = invoke(
        "practice", E + "put_practice.json", body={**body_of(E + "put_practice.json"), "version": 1}
    )
    assert stale.status == 409 and stale.body["current_version"] == 2
    records, _ = list_records("sunrise")
    assert [(r.action.value, r.resource_type, r.actor, r.source_ip) for r in records] == [
        ("update", "practice", "sunrise-admin", "203.0.113.24"),
        ("create", "practice", "sunrise-admin", "203.0.113.24"),
    ]


@pytest.mark.parametrize("group", ["front-desk", "biller", "provider"])
def test_only_admins_write_the_profile_and_locations(invoke, group):
    assert invoke("practice", E + "put_practice.json", groups=group).status == 403
    assert invoke("practice", E + "create_location.json", groups=group).status == 403
    assert invoke("practice", E + "update_location.json", groups=group).status == 403
    assert invoke("practice", E + "deactivate_location.json", groups=group).status == 403
    assert invoke("practice", E + "get_practice.json").status == 404  # nothing was written


def test_a_token_without_roles_reads_nothing(invoke):
    assert invoke("practice", E + "get_practice.json", groups="").status == 403
    assert invoke("practice", E + "list_payers.json", groups="").status == 403


def test_practice_comes_from_the_token_not_the_body(invoke):
    body = {**body_of(E + "put_practice.json"), "practice_id": "lakeside"}
    assert invoke("practice", E + "put_practice.json", body=body).status == 201
    assert invoke("practice", E + "get_practice.json", practice_id="lakeside").status == 404
    got = invoke("practice", E + "get_practice.json")
    assert got.status == 200 and got.body["practice_id"] == "sunrise"


def test_invalid_profile_answers_422_naming_each_field_and_stores_nothing(invoke):
    body = body_of(E + "put_practice.json")
    body.update(tax_id="12-345", group_npi="1234567890", taxonomy_code="207Q", time_zone="EST")
    body["billing_address"] = {**body["billing_address"], "line1": "P.O. Box 77"}
    res = invoke("practice", E + "put_practice.json", body=body)
    assert res.status == 422
    assert fields(res) == [
        "tax_id",
        "group_npi",
        "taxonomy_code",
        "billing_address.line1",
        "time_zone",
    ]
    assert "P.O. Box 77" not in json.dumps(res.body)
    missing = invoke("practice", E + "put_practice.json", body={"legal_name": "X"})
    assert missing.status == 422 and "tax_id" in fields(missing)
    assert invoke("practice", E + "get_practice.json").status == 404
    assert list_records("sunrise")[0] == []


def test_location_lifecycle_and_cross_practice_404(invoke):
    created = invoke("practice", E + "create_location.json")
    assert created.status == 201, created.body
    loc_id = created.body["location_id"]
    assert created.body["npi"] == "1467580936" and created.body["stamp"]["version"] == 1
    got = invoke("practice", E + "get_location.json", path={"location_id": loc_id})
    assert got.status == 200 and got.body["name"] == "Sunrise Downtown Clinic"
    updated = invoke("practice", E + "update_location.json", path={"location_id": loc_id})
    assert updated.status == 200 and updated.body["name"] == "Sunrise Downtown"
    stale = invoke("practice", E + "update_location.json", path={"location_id": loc_id})
    assert stale.status == 409
    # Another practice can neither see nor change it.
    for event, extra in (
        ("get_location.json", {}),
        ("update_location.json", {}),
        ("deactivate_location.json", {}),
    ):
        res = invoke(
            "practice", E + event, path={"location_id": loc_id}, practice_id="lakeside", **extra
        )
        assert res.status == 404, event
    assert invoke("practice", E + "list_locations.json", practice_id="lakeside").body == {
        "locations": []
    }
    off = invoke("practice", E + "deactivate_location.json", path={"location_id": loc_id})
    assert off.status == 200 and off.body["active"] is False
    assert invoke("practice", E + "list_locations.json").body == {"locations": []}  # active_only
    listed = invoke("practice", E + "list_locations.json", query=None)
    assert [loc["location_id"] for loc in listed.body["locations"]] == [loc_id]
    records, _ = list_records("sunrise", subject_id=loc_id)
    assert [r.action.value for r in records] == ["delete", "update", "create"]


def test_location_validation_names_fields(invoke):
    body = body_of(E + "create_location.json")
    body.update(place_of_service="30", npi="1467580934", time_zone="America/Nowhere")
    body["address"] = {**body["address"], "line1": "Lock Box 9", "state": "XX"}
    res = invoke("practice", E + "create_location.json", body=body)
    assert res.status == 422
    assert set(fields(res)) == {
        "place_of_service",
        "npi",
        "time_zone",
        "address.line1",
        "address.state",
    }


def test_payer_directory_put_get_list_and_roles(invoke):
    res = invoke("practice", E + "put_payer.json")  # a biller
    assert res.status == 201, res.body
    assert res.body["claims"]["clearinghouse_payer_id"] == "SBMRDN1"
    assert invoke("practice", E + "put_payer.json", groups="admin").status == 200
    for group in ("front-desk", "provider"):
        assert invoke("practice", E + "put_payer.json", groups=group).status == 403
    got = invoke("practice", E + "get_payer.json")
    assert got.status == 200 and got.body["stamp"]["version"] == 2
    assert invoke("practice", E + "get_payer.json", practice_id="lakeside").status == 404
    assert invoke("practice", E + "get_payer.json", path={"payer_id": "NOPE1"}).status == 404
    listed = invoke("practice", E + "list_payers.json")
    assert [p["payer_id"] for p in listed.body["payers"]] == ["MRDN1"]
    assert listed.body["cursor"] is None
    other = invoke("practice", E + "list_payers.json", practice_id="lakeside")
    assert other.body == {"payers": [], "cursor": None}


def test_payer_validation_and_paging_with_opaque_cursors(invoke):
    body = body_of(E + "put_payer.json")
    body.update(claim_filing_indicator="ZZZ", timely_filing_days=0)
    body["eligibility"] = {"clearinghouse_id": "sandbox", "endpoint_url": "https://x.example.org"}
    res = invoke("practice", E + "put_payer.json", body=body)
    assert res.status == 422
    assert "claim_filing_indicator" in fields(res)
    bad_id = invoke("practice", E + "put_payer.json", path={"payer_id": "bad.id"})
    assert bad_id.status == 422 and fields(bad_id) == ["payer_id"]
    for i in range(5):
        assert invoke("practice", E + "put_payer.json", path={"payer_id": f"PAY{i}"}).status == 201
    first = invoke("practice", E + "list_payers.json", query={"limit": "2"})
    second = invoke(
        "practice", E + "list_payers.json", query={"limit": "2", "cursor": first.body["cursor"]}
    )
    ids = [p["payer_id"] for p in first.body["payers"] + second.body["payers"]]
    assert ids == ["PAY0", "PAY1", "PAY2", "PAY3"]
    foreign = invoke(
        "practice",
        E + "list_payers.json",
        practice_id="lakeside",
        query={"cursor": first.body["cursor"]},
    )
    assert foreign.status == 422 and fields(foreign) == ["cursor"]


def test_seeded_default_directory_is_served(invoke, tables):
    from clinicflow.platform.identity import Caller, Role
    from clinicflow.practice.service import get_payer, seed_default_payers

    seeder = Caller("seed", "sunrise", frozenset({Role.ADMIN}))
    added = seed_default_payers(seeder)
    assert len(added) >= 12 and seed_default_payers(seeder) == []
    assert get_payer("sunrise", "MCRB0").claim_filing_indicator == "MB"
    listed = invoke("practice", E + "list_payers.json", query={"limit": "200"})
    assert len(listed.body["payers"]) == len(added)


def test_create_location_with_an_idempotency_key_is_safe_to_retry(invoke):
    def post():
        event = build_event(E + "create_location.json")
        event["headers"]["Idempotency-Key"] = "5b0e6a1c-retry"
        event["multiValueHeaders"]["Idempotency-Key"] = ["5b0e6a1c-retry"]
        return call("practice", event)

    first, second = post(), post()
    assert first.status == second.status == 201
    assert first.body == second.body
    listed = invoke("practice", E + "list_locations.json")
    assert len(listed.body["locations"]) == 1
