"""Claim submission handlers with events from events/claims/, against DynamoDB Local.

The paths that need S3/SQS (sending, files) run on the local stack in
tests/integration/test_claims_*.py; here: profile, roles, enrollment blocks, work queues,
the batcher's poison handling and the billing-cycle task dispatcher."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.functional.conftest import load_event, load_handler
from tests.functional.test_claims_handler import _i, _setup, _signed_claim


def test_profile_put_get_roles_and_validation(invoke: Any) -> None:
    put = invoke("claim_submission", "claims/put_clearinghouse_profile.json")
    assert put.status == 200, put.body
    assert put.body["version"] == 1 and put.body["practice_id"] == "sunrise"
    got = invoke("claim_submission", "claims/get_clearinghouse_profile.json")
    assert got.status == 200 and got.body["enrollments"][0]["payer_id"] == "MRDN1"
    stale = invoke("claim_submission", "claims/put_clearinghouse_profile.json")
    assert stale.status == 200  # no version given: replaces
    body = json.loads(load_event("claims/put_clearinghouse_profile.json")["body"])
    bad = invoke(
        "claim_submission",
        "claims/put_clearinghouse_profile.json",
        body={**body, "version": 1, "isa_sender_qualifier": "99"},
    )
    assert bad.status in {409, 422}
    bad = invoke(
        "claim_submission",
        "claims/put_clearinghouse_profile.json",
        body={**body, "isa_sender_qualifier": "99"},
    )
    assert bad.status == 422 and "isa_sender_qualifier" in bad.body["message"]
    assert (
        invoke("claim_submission", "claims/put_clearinghouse_profile.json", groups="biller").status
        == 403
    )
    other = invoke(
        "claim_submission", "claims/get_clearinghouse_profile.json", practice_id="lakeside"
    )
    assert other.status == 404


def test_submit_blocked_when_not_enrolled_then_listed_as_blocked(invoke: Any) -> None:
    ids = _setup(invoke)
    claim = _signed_claim(invoke, ids)
    scrubbed = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": claim["claim_id"]})
    assert scrubbed.body["status"] == "ready", scrubbed.body
    body = json.loads(load_event("claims/put_clearinghouse_profile.json")["body"])
    body["enrollments"] = [{"payer_id": "MRDN1", "edi": "not_enrolled"}]
    assert (
        invoke("claim_submission", "claims/put_clearinghouse_profile.json", body=body).status == 200
    )
    refused = invoke(
        "claim_submission",
        "claims/submit_claim.json",
        path={"claim_id": claim["claim_id"]},
        body={"version": scrubbed.body["version"]},
    )
    assert refused.status == 409 and "not enrolled" in refused.body["message"]
    queue = invoke("claim_submission", "claims/work_queue.json", query={"state": "blocked"})
    assert queue.status == 200
    assert [i["claim_id"] for i in queue.body["items"]] == [claim["claim_id"]]
    assert queue.body["items"][0]["reasons"] == [
        "the practice is not enrolled for EDI claims with payer MRDN1"
    ]
    assert invoke("claim_submission", "claims/work_queue.json").body["items"] == []
    assert (
        invoke("claim_submission", "claims/work_queue.json", query={"state": "nope"}).status == 422
    )
    forbidden = invoke("claim_submission", "claims/submit_claim.json", groups="front-desk")
    assert forbidden.status == 403
    missing = invoke("claim_submission", "claims/submit_claim.json", path={"claim_id": "NOPE"})
    assert missing.status == 404
    files = invoke(
        "claim_submission", "claims/list_claim_files.json", path={"claim_id": claim["claim_id"]}
    )
    assert files.status == 200 and files.body["files"] == []
    assert invoke("claim_submission", "claims/get_claim_file.json").status == 404


def test_batcher_reports_poison_messages(tables: Any) -> None:
    event = load_event("claims/batcher_sqs.json")
    event["Records"][0]["body"] = "not a claim message"
    result = load_handler("claim_batcher")(event, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_billing_cycle_task_collects_nothing_for_an_idle_practice(tables: Any) -> None:
    handler = load_handler("billing_cycle")
    out = handler(load_event("claims/billing_cycle_collect.json"), None)
    assert out["cycle_id"] == "sunrise-nightly-20261129" and out["chunks"] == []
    with pytest.raises(ValueError, match="step"):
        handler({"step": "nope"}, None)
