"""The scrubber backtest over a claim rejected, fixed and sent again, on the local stack: the
rejected send is tested as its 837P file in S3 holds it, not as the stored (fixed) claim."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from clinicflow.local.stack import LocalStack
from tests.conftest import ApiClient
from tests.integration.test_claims_submission import (
    claim_status,
    collect_acks,
    make_ready_claim,
    setup_profile,
    wait_for,
    wait_until_sent,
)

pytestmark = pytest.mark.integration


def _answered(stack: LocalStack, login: Callable[[str], ApiClient], claim_id: str, to: str) -> str:
    """Wait for the claim's file to go out and be acknowledged; the file's id."""
    wait_until_sent(login, claim_id)
    collect_acks(stack)  # 999
    collect_acks(stack)  # 277CA
    wait_for(lambda: claim_status(login, claim_id) == to)
    files = login("sunrise-biller").call("GET", f"/claims/{claim_id}/files").body["files"]
    return str(files[-1]["file_id"])  # oldest first


def test_a_rejection_fixed_and_sent_again_is_tested_as_it_was_sent(
    stack: LocalStack, login: Callable[[str], ApiClient]
) -> None:
    setup_profile(login)
    made = make_ready_claim(login, member_id="SBX-REJECT", submit=True)
    claim_id = made["claim_id"]
    first_file = _answered(stack, login, claim_id, "rejected")

    # The front desk fixes the member id; the biller corrects the claim (facts read afresh),
    # scrubs it and sends it again.
    biller, desk = login("sunrise-biller"), login("sunrise-frontdesk")
    claim = biller.call("GET", f"/claims/{claim_id}").body
    path = f"/patients/{claim['patient_id']}/coverages/{claim['coverage_id']}"
    coverage = desk.call("GET", path).body
    fixed = desk.call(
        "PATCH", path, {"member_id": "SBX-ACTIVE-7001", "version": coverage["version"]}
    )
    assert fixed.status == 200, fixed.body
    body = {
        "version": claim["version"],
        "patient_id": claim["patient_id"],
        "coverage_id": claim["coverage_id"],
        "rendering_provider_id": "prov-okafor",
        "location_id": "loc-denver",
        "service_date": claim["service_date"],
        "diagnoses": claim["diagnoses"],
        "lines": [
            {"procedure": x["procedure"], "units": x["units"], "pointers": x["pointers"],
             "charge": x["charge"]}
            for x in claim["lines"]
        ],
    }  # fmt: skip
    corrected = biller.call("PUT", f"/claims/{claim_id}", body)
    assert corrected.status == 200, corrected.body
    scrubbed = biller.call("POST", f"/claims/{claim_id}/scrub")
    assert scrubbed.body["status"] == "ready", scrubbed.body
    sent = biller.call("POST", f"/claims/{claim_id}/submit", {"version": scrubbed.body["version"]})
    assert sent.status == 202, sent.body
    second_file = _answered(stack, login, claim_id, "accepted")
    assert second_file != first_file
    assert biller.call("GET", f"/claims/{claim_id}").body["subscriber"]["member_id"] == (
        "SBX-ACTIVE-7001"
    )

    # Sends are stamped by the functions' clock; the stack's clock may run ahead of it.
    today = datetime.now(UTC).date()
    latest = max(today, stack.clock.now().date())
    report = biller.call(
        "GET",
        f"/claims/backtest?from_date={today - timedelta(days=1)}"
        f"&to_date={latest + timedelta(days=1)}&payer_id=MRDN1",
    )
    assert report.status == 200, report.body
    missed = [m for m in report.body["missed"] if m["claim_id"] == claim_id]
    assert [(m["outcome"], m["file_id"]) for m in missed] == [("rejected", first_file)]
    assert "contract/member number" in missed[0]["reason"]
    others = [
        e
        for key in ("caught", "false_blocks")
        for e in report.body[key]
        if e["claim_id"] == claim_id
    ]
    assert others == []  # the accepted send (second file) passes today's rules
    assert report.body["untested"] == 0
    assert "SBX-REJECT" not in str(report.body)  # ids, codes and reasons only
