"""functions/providers/app.py with events from events/providers, against DynamoDB Local."""

import json

import pytest

from clinicflow.audit.store import list_records
from clinicflow.platform.identity import Caller, Role
from clinicflow.practice import service as practice
from clinicflow.practice.model import AddressInput, LocationInput
from tests.functional.conftest import load_event

F = "providers"
E = "providers/"
ADMIN = Caller("sunrise-admin", "sunrise", frozenset({Role.ADMIN}), "203.0.113.24")


def body_of(event_name):
    return json.loads(load_event(event_name)["body"])


def fields(res):
    return [f["field"] for f in res.body["fields"]]


def add_location(location_id, caller=ADMIN, **changes):
    data = LocationInput(
        name=location_id,
        address=AddressInput("1200 Larimer St", "Denver", "CO", "802021234"),
        time_zone="America/Denver",
        place_of_service="11",
        **changes,
    )
    return practice.create_location(caller, data, new_id=lambda: location_id)


@pytest.fixture
def locations(tables):
    add_location("loc-denver")
    add_location("loc-chicago")


def test_admin_creates_reads_updates_and_deactivates(invoke, locations):
    created = invoke(F, E + "create.json")
    assert created.status == 201, created.body
    pid = created.body["provider_id"]
    assert pid.startswith("prov-") and created.body["version"] == 1
    assert created.body["display_name"] == "Adaeze Okafor, MD"
    assert created.body["color"] == "#1f77b4" and created.body["location_ids"] == ["loc-denver"]

    for group in ("front-desk", "biller", "provider", "admin"):
        got = invoke(F, E + "get.json", path={"provider_id": pid}, groups=group)
        assert got.status == 200 and got.body == created.body
    listed = invoke(F, E + "list.json")
    assert [p["provider_id"] for p in listed.body["providers"]] == [pid]
    assert invoke(F, E + "list.json", query={"location_id": "loc-chicago"}).body == {
        "providers": []
    }

    updated = invoke(F, E + "update.json", path={"provider_id": pid})
    assert updated.status == 200, updated.body
    assert updated.body["version"] == 2 and updated.body["accepts_new_patients"] is False
    assert updated.body["location_ids"] == ["loc-denver", "loc-chicago"]
    at_chicago = invoke(F, E + "list.json", query={"location_id": "loc-chicago"})
    assert [p["provider_id"] for p in at_chicago.body["providers"]] == [pid]

    gone = invoke(F, E + "deactivate.json", path={"provider_id": pid})
    assert gone.status == 200 and gone.body["active"] is False and gone.body["version"] == 3
    again = invoke(F, E + "deactivate.json", path={"provider_id": pid})
    assert again.status == 200 and again.body["version"] == 3
    assert invoke(F, E + "list.json", query={"active_only": "true"}).body == {"providers": []}

    records, _ = list_records("sunrise", subject_id=pid)
    assert [(r.action.value, r.resource_type, r.actor, r.source_ip) for r in records] == [
        ("delete", "provider", "sunrise-admin", "203.0.113.24"),
        ("update", "provider", "sunrise-admin", "203.0.113.24"),
        ("create", "provider", "sunrise-admin", "203.0.113.24"),
    ]


def test_a_given_id_is_kept_and_cannot_be_reused(invoke, locations):
    body = {**body_of(E + "create.json"), "provider_id": "prov-okafor"}
    assert invoke(F, E + "create.json", body=body).status == 201
    assert invoke(F, E + "get.json").body["provider_id"] == "prov-okafor"
    other_npi = {**body, "npi": "1234567893"}
    dup = invoke(F, E + "create.json", body=other_npi)
    assert dup.status == 409 and fields(dup) == ["provider_id"]


@pytest.mark.parametrize(
    ("npi", "message"),
    [("1548293765", "check digit"), ("15482937", "10 digits"), ("9548293764", "begin with")],
)
def test_invalid_npi_is_422_naming_the_field(invoke, locations, npi, message):
    res = invoke(F, E + "create.json", body={**body_of(E + "create.json"), "npi": npi})
    assert res.status == 422 and fields(res) == ["npi"] and message in res.body["message"]
    assert npi not in json.dumps(res.body)
    assert invoke(F, E + "list.json", query=None).body == {"providers": []}


def test_group_npi_of_the_practice_is_refused_for_a_provider(invoke, locations):
    add_location("loc-lab", npi="1234567893")
    res = invoke(F, E + "create.json", body={**body_of(E + "create.json"), "npi": "1234567893"})
    assert res.status == 422 and fields(res) == ["npi"] and "Type 2" in res.body["message"]


def test_other_bad_fields_are_422(invoke, locations):
    body = {**body_of(E + "create.json"), "taxonomy_code": "207Q0000X", "color": "red"}
    res = invoke(F, E + "create.json", body=body)
    assert res.status == 422 and sorted(fields(res)) == ["color", "taxonomy_code"]
    res = invoke(F, E + "create.json", body={k: v for k, v in body.items() if k != "npi"})
    assert res.status == 422 and fields(res) == ["npi"]


def test_duplicate_npi_is_409_and_writes_nothing(invoke, locations):
    first = invoke(F, E + "create.json")
    assert first.status == 201
    body = {**body_of(E + "create.json"), "first_name": "Someone", "last_name": "Else"}
    dup = invoke(F, E + "create.json", body=body)
    assert dup.status == 409 and fields(dup) == ["npi"]
    assert dup.body["existing_provider_id"] == first.body["provider_id"]
    assert len(invoke(F, E + "list.json", query=None).body["providers"]) == 1
    records, _ = list_records("sunrise")
    assert [r.action.value for r in records if r.resource_type == "provider"] == ["create"]


def test_npi_change_moves_the_uniqueness_claim(invoke, locations):
    a = invoke(F, E + "create.json").body["provider_id"]
    new_npi = "1234567893"
    moved = invoke(
        F, E + "update.json", path={"provider_id": a}, body={"npi": new_npi, "version": 1}
    )
    assert moved.status == 200 and moved.body["npi"] == new_npi
    b = invoke(F, E + "create.json")  # the old NPI is free again
    assert b.status == 201, b.body
    taken = invoke(
        F, E + "update.json", path={"provider_id": b.body["provider_id"]}, body={"npi": new_npi}
    )
    assert taken.status == 409 and fields(taken) == ["npi"]
    assert taken.body["existing_provider_id"] == a


def test_unknown_or_inactive_location_is_422(invoke, locations):
    body = {**body_of(E + "create.json"), "location_ids": ["loc-denver", "loc-nowhere"]}
    res = invoke(F, E + "create.json", body=body)
    assert res.status == 422 and fields(res) == ["location_ids"]
    assert "loc-nowhere" not in res.body["message"]
    add_location("loc-closed", active=False)
    body["location_ids"] = ["loc-closed"]
    assert invoke(F, E + "create.json", body=body).status == 422
    pid = invoke(F, E + "create.json").body["provider_id"]
    res = invoke(
        F, E + "update.json", path={"provider_id": pid}, body={"location_ids": ["loc-nowhere"]}
    )
    assert res.status == 422 and fields(res) == ["location_ids"]


@pytest.mark.parametrize("group", ["front-desk", "biller", "provider", ""])
def test_only_admins_write(invoke, locations, group):
    pid = invoke(F, E + "create.json").body["provider_id"]
    assert invoke(F, E + "create.json", groups=group).status == 403
    assert invoke(F, E + "update.json", path={"provider_id": pid}, groups=group).status == 403
    assert invoke(F, E + "deactivate.json", path={"provider_id": pid}, groups=group).status == 403
    got = invoke(F, E + "get.json", path={"provider_id": pid})
    assert got.body["version"] == 1 and got.body["active"] is True


def test_a_token_without_roles_reads_nothing(invoke, locations):
    assert invoke(F, E + "list.json", groups="").status == 403


def test_other_practices_see_nothing(invoke, locations):
    pid = invoke(F, E + "create.json").body["provider_id"]
    other = {"practice_id": "lakeside", "username": "lakeside-admin"}
    assert invoke(F, E + "get.json", path={"provider_id": pid}, **other).status == 404
    assert invoke(F, E + "update.json", path={"provider_id": pid}, **other).status == 404
    assert invoke(F, E + "deactivate.json", path={"provider_id": pid}, **other).status == 404
    assert invoke(F, E + "list.json", query=None, **other).body == {"providers": []}
    # Sunrise's locations are not Lakeside's: the same body is refused there.
    res = invoke(F, E + "create.json", **other)
    assert res.status == 422 and fields(res) == ["location_ids"]


def test_practice_comes_from_the_token_not_the_body(invoke, locations):
    body = {**body_of(E + "create.json"), "practice_id": "lakeside"}
    pid = invoke(F, E + "create.json", body=body).body["provider_id"]
    assert invoke(F, E + "get.json", path={"provider_id": pid}).status == 200


def test_stale_version_is_409_and_changes_nothing(invoke, locations):
    pid = invoke(F, E + "create.json").body["provider_id"]
    assert invoke(F, E + "update.json", path={"provider_id": pid}).status == 200
    stale = invoke(
        F,
        E + "update.json",
        path={"provider_id": pid},
        body={"version": 1, "specialty": "Sports Medicine"},
    )
    assert stale.status == 409 and stale.body["current_version"] == 2
    assert invoke(F, E + "get.json", path={"provider_id": pid}).body["specialty"] == (
        "Family Medicine"
    )


def test_unknown_provider_is_404(invoke, locations):
    assert invoke(F, E + "get.json").status == 404
    assert invoke(F, E + "update.json").status == 404
    assert invoke(F, E + "deactivate.json").status == 404


def test_the_store_refuses_a_write_based_on_a_stale_read(locations):
    from dataclasses import replace

    from clinicflow.platform.errors import ConflictError
    from clinicflow.providers import service
    from clinicflow.providers.model import ProviderChanges, ProviderInput

    data = ProviderInput("Erik", "Lindqvist", "1234567893", "207R00000X")
    p = service.create_provider(service.system_caller("sunrise"), data, provider_id="prov-e")
    service.update_provider(ADMIN, "prov-e", ProviderChanges(specialty="Internal Medicine"))
    store = service.default_repository()
    late = replace(p, specialty="lost update", version=2)
    with pytest.raises(ConflictError):
        store.save(late, previous=p, audit=_audit("prov-e"))
    assert service.get_provider("sunrise", "prov-e").specialty == "Internal Medicine"


def test_concurrent_creates_with_one_npi_have_one_winner(locations):
    from concurrent.futures import ThreadPoolExecutor

    from clinicflow.platform.errors import ConflictError
    from clinicflow.providers import service
    from clinicflow.providers.model import ProviderInput

    def attempt(i):
        data = ProviderInput(f"P{i}", "Racer", "1234567893", "207R00000X")
        try:
            service.create_provider(ADMIN, data, provider_id=f"prov-race-{i}")
        except ConflictError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(16)))
    assert results.count(True) == 1
    assert len(service.list_providers("sunrise")) == 1


def _audit(resource_id):
    from clinicflow.audit.model import Action, AuditRecord

    return AuditRecord.of(ADMIN, Action.UPDATE, "provider", resource_id)
