"""Correcting a claim (PUT /claims/{id}): the biller fixes what the scrubber found on the claim
itself, scrubs again and the claim becomes ready; stale, foreign and wrong-role calls refused."""

from __future__ import annotations

from typing import Any

from tests.functional.test_claims_handler import _encounter, _i, _setup, _signed_claim


def _scrub(invoke: Any, claim_id: str) -> dict[str, Any]:
    res = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": claim_id})
    assert res.status == 200, res.body
    return dict(res.body)


def test_biller_fixes_scrubber_errors_on_the_claim(invoke: Any) -> None:
    ids = _setup(invoke)
    bad_lines = [
        {"procedure": "99213", "units": "1", "pointers": [1, 3]},
        {"procedure": "93000", "units": "1", "pointers": [2], "charge": "45.50"},
    ]
    claim = _signed_claim(invoke, ids, diagnoses=["E11", "I10"], lines=bad_lines)
    cid = claim["claim_id"]
    found = _scrub(invoke, cid)
    errors = {(f["rule_id"], f["field"]) for f in found["findings"] if f["blocks"]}
    assert ("icd10.billable", "diagnoses.0") in errors
    assert ("pointers.valid", "lines.0.pointers") in errors
    assert found["status"] == "draft"
    # the findings stay on the claim for whoever opens it next
    opened = _i(invoke, "claims", "claims/get_claim.json", path={"claim_id": cid}).body
    assert opened["last_scrub"]["blocked"] is True
    stored = {(f["rule_id"], f["field"]) for f in opened["last_scrub"]["findings"] if f["blocks"]}
    assert stored == errors

    fixed = _encounter(ids, version=found["version"])
    res = _i(invoke, "claims", "claims/correct_claim.json", path={"claim_id": cid}, body=fixed)
    assert res.status == 200, res.body
    assert res.body["diagnoses"] == ["E119", "I10"]
    assert [line["pointers"] for line in res.body["lines"]] == [[1, 2], [2]]
    assert res.body["total_charge"] == "165.50"  # 99213 priced from the fee schedule again
    assert res.body["status"] == "draft" and res.body["version"] == found["version"] + 1
    assert res.body["last_scrub"] is None  # they were about the content replaced

    clean = _scrub(invoke, cid)
    assert [f for f in clean["findings"] if f["blocks"]] == []
    assert clean["status"] == "ready"
    # a ready claim corrected again goes back to draft, and the timeline says why
    again = _i(
        invoke,
        "claims",
        "claims/correct_claim.json",
        path={"claim_id": cid},
        body=_encounter(ids, version=clean["version"], prior_auth_number="PA-1234"),
    )
    assert again.status == 200, again.body
    assert again.body["status"] == "draft" and again.body["prior_auth_number"] == "PA-1234"
    assert [(t["to_status"], t["reason"]) for t in again.body["history"]][-1] == (
        "draft",
        "corrected",
    )


def test_correction_refuses_stale_foreign_wrong_role_and_bad_input(invoke: Any) -> None:
    ids = _setup(invoke)
    cid = _signed_claim(invoke, ids)["claim_id"]
    path = {"claim_id": cid}
    stale = _i(
        invoke, "claims", "claims/correct_claim.json", path=path, body=_encounter(ids, version=9)
    )
    assert stale.status == 409, stale.body
    desk = _i(
        invoke,
        "claims",
        "claims/correct_claim.json",
        path=path,
        body=_encounter(ids),
        groups="front-desk",
    )
    assert desk.status == 403
    other = _i(
        invoke,
        "claims",
        "claims/correct_claim.json",
        path=path,
        body=_encounter(ids),
        practice_id="lakeside",
    )
    assert other.status == 404
    moved = _i(
        invoke,
        "claims",
        "claims/correct_claim.json",
        path=path,
        body=_encounter(ids, patient_id="someone-else"),
    )
    assert moved.status == 422 and moved.body["fields"][0]["field"] == "patient_id"
    malformed = _i(
        invoke,
        "claims",
        "claims/correct_claim.json",
        path=path,
        body=_encounter(ids, diagnoses=["not a code"]),
    )
    assert malformed.status == 422
    assert malformed.body["fields"][0]["field"] == "diagnoses.0"
    unchanged = _i(invoke, "claims", "claims/get_claim.json", path=path)
    assert unchanged.body["diagnoses"] == ["E119", "I10"] and unchanged.body["version"] == 1
