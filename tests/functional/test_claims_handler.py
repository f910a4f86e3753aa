"""Claims handler: superbill -> sign-off -> claim -> scrub, against DynamoDB Local."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

PRACTICE = "sunrise"


def _i(invoke: Any, *args: Any, **changes: Any) -> Any:
    """Invoke with every event in the same practice (events of slices differ)."""
    changes.setdefault("practice_id", PRACTICE)
    return invoke(*args, **changes)


def _setup(invoke: Any) -> dict[str, str]:
    """Profile, payer, location, provider, patient and coverage; their ids."""
    assert _i(invoke, "practice", "practice/put_practice.json", practice_id=PRACTICE).status in {
        200,
        201,
    }
    assert _i(invoke, "practice", "practice/put_payer.json", groups="admin").status in {200, 201}
    location = _i(invoke, "practice", "practice/create_location.json", groups="admin")
    assert location.status == 201, location.body
    loc = location.body["location_id"]
    provider = _i(
        invoke,
        "providers",
        "providers/create.json",
        groups="admin",
        body={
            "first_name": "Ada",
            "last_name": "Okafor",
            "npi": "1548293764",
            "taxonomy_code": "207Q00000X",
            "location_ids": [loc],
        },
    )
    assert provider.status == 201, provider.body
    patient = _i(invoke, "patients", "patients/create.json")
    assert patient.status == 201, patient.body
    pid = patient.body["id"]
    coverage = _i(
        invoke,
        "coverages",
        "coverages/create.json",
        path={"patient_id": pid},
        body={
            "payer_id": "MRDN1",
            "member_id": "SBX-ACTIVE-1001",
            "group_number": "G-100",
            "claim_filing_indicator": "CI",
            "relationship": "18",
        },
    )
    assert coverage.status == 201, coverage.body
    fees = _i(invoke, "claims", "claims/put_fee_schedule.json")
    assert fees.status == 200, fees.body
    return {
        "patient": pid,
        "coverage": coverage.body["id"],
        "location": loc,
        "provider": provider.body["provider_id"],
    }


def _encounter(ids: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {
        "patient_id": ids["patient"],
        "coverage_id": ids["coverage"],
        "rendering_provider_id": ids["provider"],
        "location_id": ids["location"],
        "service_date": (date.today() - timedelta(days=7)).isoformat(),
        "diagnoses": ["E11.9", "I10"],
        "lines": [
            {"procedure": "99213", "units": "1", "pointers": [1, 2]},
            {"procedure": "93000", "units": "1", "pointers": [2], "charge": "45.50"},
        ],
    }
    body.update(changes)
    return body


def _signed_claim(invoke: Any, ids: dict[str, str], **changes: Any) -> dict[str, Any]:
    created = _i(invoke, "claims", "claims/create_encounter.json", body=_encounter(ids, **changes))
    assert created.status == 201, created.body
    eid = created.body["encounter_id"]
    signed = _i(invoke, "claims", "claims/sign_encounter.json", path={"encounter_id": eid})
    assert signed.status == 200, signed.body
    assert signed.body["status"] == "signed"
    claim = _i(invoke, "claims", "claims/create_claim.json", path={"encounter_id": eid})
    assert claim.status == 201, claim.body
    return dict(claim.body)


def test_superbill_to_clean_claim(invoke: Any) -> None:
    ids = _setup(invoke)
    claim = _signed_claim(invoke, ids)
    assert claim["status"] == "draft" and len(claim["claim_id"]) <= 20
    assert claim["total_charge"] == "165.50"  # 99213 from the fee schedule + 45.50 entered
    assert claim["billing"]["npi"] and claim["subscriber"]["member_id"] == "SBX-ACTIVE-1001"
    scrubbed = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": claim["claim_id"]})
    assert scrubbed.status == 200, scrubbed.body
    blocking = [f for f in scrubbed.body["findings"] if f["blocks"]]
    assert blocking == [], blocking
    assert scrubbed.body["status"] == "ready"
    got = _i(invoke, "claims", "claims/get_claim.json", path={"claim_id": claim["claim_id"]})
    assert got.status == 200
    assert [t["to_status"] for t in got.body["history"]] == ["ready"]


def test_scrubber_findings_and_duplicate_override(invoke: Any) -> None:
    ids = _setup(invoke)
    bad = _signed_claim(
        invoke,
        ids,
        diagnoses=["E11.9", "E10.9"],
        lines=[{"procedure": "85025", "units": "1", "pointers": [1, 3], "charge": "20.00"}],
    )
    found = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": bad["claim_id"]}).body
    rules = {f["rule_id"] for f in found["findings"]}
    assert {"icd10.excludes1", "pointers.valid", "clia.lab"} <= rules
    assert found["status"] == "draft"
    assert all("E10" not in f["message"] for f in found["findings"])  # positions, not codes

    first = _signed_claim(invoke, ids)
    second = _signed_claim(invoke, ids)
    scrub = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": second["claim_id"]})
    dup = [f for f in scrub.body["findings"] if f["rule_id"] == "duplicate.possible"]
    assert dup and dup[0]["severity"] == "warning" and dup[0]["blocks"]
    assert first["claim_id"] in dup[0]["message"]
    override = _i(
        invoke, "claims", "claims/override_finding.json", path={"claim_id": second["claim_id"]}
    )
    assert override.status == 200, override.body
    again = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": second["claim_id"]})
    assert again.body["status"] == "ready", again.body


def test_duplicate_check_finds_a_line_dated_after_its_visit(invoke: Any) -> None:
    """The check reads one window of the patient's claims by date of service: a line billed
    on a later day of an earlier superbill is still found."""
    ids = _setup(invoke)
    visit = date.today() - timedelta(days=40)
    follow_up = visit + timedelta(days=20)
    earlier = _signed_claim(
        invoke,
        ids,
        service_date=visit.isoformat(),
        lines=[
            {"procedure": "99213", "units": "1", "pointers": [1]},
            {"procedure": "93000", "units": "1", "pointers": [2], "charge": "45.50",
             "service_date": follow_up.isoformat()},
        ],
    )  # fmt: skip
    later = _signed_claim(
        invoke,
        ids,
        service_date=follow_up.isoformat(),
        lines=[{"procedure": "93000", "units": "1", "pointers": [1], "charge": "45.50"}],
    )
    scrub = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": later["claim_id"]})
    dup = [f for f in scrub.body["findings"] if f["rule_id"] == "duplicate.possible"]
    assert len(dup) == 1 and dup[0]["field"] == "lines.0", scrub.body["findings"]
    assert earlier["claim_id"] in dup[0]["message"]
    too_late = _encounter(
        ids,
        lines=[{"procedure": "99213", "units": "1", "pointers": [1],
                "service_date": (date.today() + timedelta(days=40)).isoformat()}],
    )  # fmt: skip
    refused = _i(invoke, "claims", "claims/create_encounter.json", body=too_late)
    assert refused.status == 422
    assert [f["field"] for f in refused.body["fields"]] == ["lines.0.service_date"]


def test_roles_tenancy_and_bad_input(invoke: Any) -> None:
    ids = _setup(invoke)
    created = _i(invoke, "claims", "claims/create_encounter.json", body=_encounter(ids))
    eid = created.body["encounter_id"]
    # only providers sign; front desk cannot create claims
    assert (
        _i(
            invoke,
            "claims",
            "claims/sign_encounter.json",
            path={"encounter_id": eid},
            groups="biller",
        ).status
        == 403
    )
    assert (
        _i(
            invoke,
            "claims",
            "claims/create_claim.json",
            path={"encounter_id": eid},
            groups="front-desk",
        ).status
        == 403
    )
    # unsigned encounters are not billed
    assert (
        _i(invoke, "claims", "claims/create_claim.json", path={"encounter_id": eid}).status == 409
    )
    # another practice sees nothing
    other = _i(
        invoke,
        "claims",
        "claims/get_encounter.json",
        path={"encounter_id": eid},
        practice_id="lakeside",
    )
    assert other.status == 404
    bad = _i(
        invoke,
        "claims",
        "claims/create_encounter.json",
        body=_encounter(ids, diagnoses=["notacode"], clia_number="12"),
    )
    assert bad.status == 422
    assert {f["field"] for f in bad.body["fields"]} >= {"diagnoses.0", "clia_number"}
    assert "notacode" not in bad.body["message"]


def test_fee_schedules_prior_auths_and_rule_switches(invoke: Any) -> None:
    ids = _setup(invoke)
    got = _i(invoke, "claims", "claims/get_fee_schedule.json")
    assert got.status == 200 and got.body["fees"]["71046-26"] == "30.00"
    auth = _i(
        invoke,
        "claims",
        "claims/add_prior_auth.json",
        body={
            "patient_id": ids["patient"],
            "payer_id": "MRDN1",
            "number": "PA-100",
            "start_date": "2026-01-01",
            "end_date": "2027-12-31",
            "visits_allowed": 2,
            "procedures": ["97110"],
        },
    )
    assert auth.status == 201, auth.body
    listed = _i(
        invoke, "claims", "claims/list_prior_auths.json", query={"patient_id": ids["patient"]}
    )
    assert [a["number"] for a in listed.body["authorizations"]] == ["PA-100"]
    rules = _i(
        invoke,
        "claims",
        "claims/put_scrubber_rules.json",
        body={"params": {"prior_auth.required": {"procedures": ["97110"]}}},
    )
    assert rules.status == 200, rules.body
    unknown = _i(
        invoke, "claims", "claims/put_scrubber_rules.json", body={"enabled": {"nope": False}}
    )
    assert unknown.status == 422
    claim = _signed_claim(
        invoke,
        ids,
        lines=[{"procedure": "97110", "units": "1", "pointers": [1], "charge": "60.00"}],
    )
    scrub = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": claim["claim_id"]})
    assert "prior_auth.required" in {f["rule_id"] for f in scrub.body["findings"]}
