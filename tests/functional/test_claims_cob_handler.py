"""Claims handler, coordination-of-benefits and void routes: roles, tenancy, bad input and
lifecycle refusals, against DynamoDB Local."""

from __future__ import annotations

from typing import Any

from test_claims_handler import PRACTICE, _i, _setup, _signed_claim


def test_cob_routes_check_roles_input_tenancy_and_lifecycle(invoke: Any) -> None:
    ids = _setup(invoke)
    claim = _signed_claim(invoke, ids)
    path = {"claim_id": claim["claim_id"]}
    record = "claims/record_adjudication.json"
    # billers and admins only
    denied = _i(invoke, "claims", record, path=path, groups="frontdesk")
    assert denied.status == 403, denied.body
    # bad input names the field and why
    bad = _i(
        invoke,
        "claims",
        record,
        path=path,
        body={"adjudication": {"paid": "10", "adjudicated_on": "2026-05-15",
                               "adjustments": [{"group": "XX", "reason": "45", "amount": "1"}]}},
    )  # fmt: skip
    assert bad.status == 422, bad.body
    assert "group" in str(bad.body)
    # a draft claim has no payer decision to record, nothing to bill next and nothing to void
    early = _i(invoke, "claims", record, path=path, body={"adjudication": {
        "paid": "100", "adjudicated_on": "2026-05-15"}})  # fmt: skip
    assert early.status == 409, early.body
    nxt = _i(invoke, "claims", "claims/create_next_claim.json", path=path)
    assert nxt.status == 409, nxt.body
    void = _i(invoke, "claims", "claims/void_claim.json", path=path, body={
        "payer_claim_number": "MRDN-9001"})  # fmt: skip
    assert void.status == 409, void.body
    # another practice's claim is not found
    other = _i(invoke, "claims", "claims/void_claim.json", path=path, practice_id="lakeside",
               body={"payer_claim_number": "MRDN-9001"})  # fmt: skip
    assert other.status == 404, other.body
    got = _i(invoke, "claims", "claims/get_claim.json", path=path)
    assert got.body["status"] == "draft" and got.body["version"] == claim["version"]
    assert got.body["practice_id"] == PRACTICE
