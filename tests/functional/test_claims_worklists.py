"""GET /encounters: superbills waiting for a provider's sign-off or for billing, per practice."""

from __future__ import annotations

from typing import Any

from tests.functional.test_claims_handler import _encounter, _i, _setup

EVENT = "claims/list_encounters.json"


def test_superbills_by_state_for_sign_off_and_billing(invoke: Any) -> None:
    ids = _setup(invoke)
    made = []
    for _ in range(2):
        res = _i(invoke, "claims", "claims/create_encounter.json", body=_encounter(ids))
        assert res.status == 201, res.body
        made.append(res.body["encounter_id"])
    signed = _i(invoke, "claims", "claims/sign_encounter.json", path={"encounter_id": made[0]})
    assert signed.status == 200, signed.body

    drafts = _i(invoke, "claims", EVENT, query={"status": "draft"}, groups="provider")
    assert drafts.status == 200, drafts.body
    assert [e["encounter_id"] for e in drafts.body["items"]] == [made[1]]
    assert drafts.body["items"][0]["patient_id"] == ids["patient"]
    assert "diagnoses" not in drafts.body["items"][0]  # a summary, not the superbill
    to_bill = _i(invoke, "claims", EVENT, query={"status": "signed"}, groups="biller")
    assert [e["encounter_id"] for e in to_bill.body["items"]] == [made[0]]

    other = _i(invoke, "claims", EVENT, query={"status": "draft"}, practice_id="lakeside")
    assert other.status == 200 and other.body["items"] == []
    bad = _i(invoke, "claims", EVENT, query={"status": "lost"})
    assert bad.status == 422 and bad.body["fields"][0]["field"] == "status"
    nobody = _i(invoke, "claims", EVENT, query={"status": "draft"}, groups="")
    assert nobody.status == 403
