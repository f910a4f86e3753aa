"""Claim submission on the local stack: HTTP submit -> SQS -> batcher -> 837P in S3 -> sandbox
clearinghouse -> 999/277CA collected on the clock -> claims accepted or rejected."""

from __future__ import annotations

import itertools
import json
import time
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from clinicflow.claims.submission.codec import read_837p_claim_ids
from clinicflow.local.stack import LocalStack
from tests.integration.conftest import ApiClient

pytestmark = pytest.mark.integration

PRACTICE = "sunrise"
PROFILE = {
    "clearinghouse_id": "sandbox",
    "submitter_id": "SUNRISE01",
    "submitter_name": "Sunrise Family Medicine PC",
    "contact_name": "Billing Office",
    "contact_phone": "3035550100",
    "receiver_id": "SANDBOXCH",
    "receiver_name": "ClinicFlow Sandbox Clearinghouse",
    "isa_sender_id": "SUNRISE01",
    "isa_receiver_id": "SANDBOXCH",
    "usage": "T",
    "enrollments": [
        {"payer_id": "MRDN1", "edi": "enrolled", "era": "enrolled"},
        {"payer_id": "SMTM2", "edi": "enrolled", "era": "pending"},
        {"payer_id": "HRBV3", "edi": "pending"},
    ],
}
_counter = itertools.count(1)


def setup_profile(login: Callable[[str], ApiClient], practice: str = PRACTICE) -> None:
    """The practice's sandbox clearinghouse profile (idempotent)."""
    admin = login(f"{practice}-admin")
    current = admin.call("GET", "/clearinghouse/profile")
    body = {**PROFILE, "version": current.body["version"]} if current.status == 200 else PROFILE
    saved = admin.call("PUT", "/clearinghouse/profile", body)
    assert saved.status == 200, saved.body


def make_signed_encounter(
    login: Callable[[str], ApiClient],
    *,
    member_id: str = "SBX-ACTIVE-1001",
    payer_id: str = "MRDN1",
    diagnoses: tuple[str, ...] = ("E11.9", "I10"),
) -> str:
    """A new synthetic patient and coverage, and a superbill the provider signed; its id."""
    n = next(_counter)
    desk = login("sunrise-frontdesk")
    patient = desk.call(
        "POST",
        "/patients",
        {
            "name": {
                "first": "Robin",
                "last": "Claimtest" + "".join(chr(97 + int(d)) for d in str(n)),
            },
            "dob": "1980-03-01",
            "sex": "female",
            "address": {
                "line1": "100 Example Ave",
                "city": "Denver",
                "state": "CO",
                "postal_code": "80202",
            },
            "phones": [{"type": "mobile", "number": "303-555-0142"}],
            "confirm_duplicate": True,
        },
    )
    assert patient.status == 201, patient.body
    pid = patient.body["id"]
    coverage = desk.call(
        "POST",
        f"/patients/{pid}/coverages",
        {
            "payer_id": payer_id,
            "member_id": f"{member_id}-{n}",
            "group_number": "G-100",
            "claim_filing_indicator": "CI",
            "relationship": "18",
            "effective_date": "2026-01-01",
        },
    )
    assert coverage.status == 201, coverage.body
    encounter = desk.call(
        "POST",
        "/encounters",
        {
            "patient_id": pid,
            "coverage_id": coverage.body["id"],
            "rendering_provider_id": "prov-okafor",
            "location_id": "loc-denver",
            "service_date": (date.today() - timedelta(days=3)).isoformat(),
            "diagnoses": list(diagnoses),
            "lines": [
                {"procedure": "99213", "units": "1", "pointers": [1, 2], "charge": "120.00"},
                {"procedure": "93000", "units": "1", "pointers": [2], "charge": "45.50"},
            ],
        },
    )
    assert encounter.status == 201, encounter.body
    eid = str(encounter.body["encounter_id"])
    signed = login("sunrise-provider").call("POST", f"/encounters/{eid}/sign")
    assert signed.status == 200, signed.body
    return eid


def make_ready_claim(
    login: Callable[[str], ApiClient],
    *,
    member_id: str = "SBX-ACTIVE-1001",
    payer_id: str = "MRDN1",
    submit: bool = False,
) -> dict[str, Any]:
    """A signed superbill's claim, scrubbed clean (ready); submitted when asked."""
    eid = make_signed_encounter(login, member_id=member_id, payer_id=payer_id)
    biller = login("sunrise-biller")
    claim = biller.call("POST", f"/encounters/{eid}/claim")
    assert claim.status == 201, claim.body
    scrubbed = biller.call("POST", f"/claims/{claim.body['claim_id']}/scrub")
    assert scrubbed.status == 200, scrubbed.body
    assert scrubbed.body["status"] == "ready", [f for f in scrubbed.body["findings"] if f["blocks"]]
    out = {"claim_id": claim.body["claim_id"], "version": scrubbed.body["version"], "eid": eid}
    if submit:
        sent = biller.call("POST", f"/claims/{out['claim_id']}/submit", {"version": out["version"]})
        assert sent.status == 202, sent.body
    return out


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll until the predicate holds (the stack's pollers tick every 0.2 s)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def claim_status(login: Callable[[str], ApiClient], claim_id: str) -> str:
    """The claim's lifecycle status."""
    got = login("sunrise-biller").call("GET", f"/claims/{claim_id}")
    assert got.status == 200, got.body
    return str(got.body["status"])


def wait_until_sent(login: Callable[[str], ApiClient], *claim_ids: str) -> None:
    """Wait until each claim is submitted and its latest 837P file sent (a claim is submitted
    once bound to its file; the file goes to the clearinghouse a moment later)."""
    biller = login("sunrise-biller")

    def sent(claim_id: str) -> bool:
        if claim_status(login, claim_id) != "submitted":
            return False
        files = biller.call("GET", f"/claims/{claim_id}/files")
        assert files.status == 200, files.body
        return bool(files.body["files"]) and files.body["files"][-1]["status"] == "sent"

    for claim_id in claim_ids:
        wait_for(lambda c=claim_id: sent(c))


def collect_acks(stack: LocalStack) -> None:
    """The acknowledgment schedule (rate 15 minutes) firing on the local clock."""
    stack.advance_clock(timedelta(minutes=15, seconds=1))


def documents(stack: LocalStack, prefix: str) -> dict[str, bytes]:
    """Objects of the documents bucket under a prefix."""
    assert stack.template is not None
    s3 = stack.client("s3")
    bucket = stack.template.physical["DocumentsBucket"]
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return out


def test_submit_batch_send_and_acknowledge(stack: LocalStack, login: Callable[[str], ApiClient]):
    setup_profile(login)
    good = make_ready_claim(login, submit=True)
    rejected = make_ready_claim(login, member_id="SBX-REJECT", submit=True)
    biller = login("sunrise-biller")
    wait_until_sent(login, good["claim_id"], rejected["claim_id"])

    (file,) = biller.call("GET", f"/claims/{good['claim_id']}/files").body["files"]
    assert file["claim_count"] >= 1
    download = biller.call("GET", f"/claim-files/{file['file_id']}")
    assert download.status == 200 and download.body["expires_in"] == 300
    with urllib.request.urlopen(download.body["download_url"], timeout=10) as response:
        text = response.read()
    assert good["claim_id"] in read_837p_claim_ids(text)
    assert "Claimtest" not in download.body["download_url"]  # ids only in keys and URLs

    collect_acks(stack)  # 999s
    collect_acks(stack)  # 277CAs, one collection later
    wait_for(lambda: claim_status(login, good["claim_id"]) == "accepted")
    assert claim_status(login, rejected["claim_id"]) == "rejected"
    accepted = biller.call("GET", f"/claims/{good['claim_id']}").body
    assert accepted["payer_claim_number"] == f"PCN{good['claim_id']}"

    queue = biller.call("GET", "/claims/work-queue?state=rejected&payer_id=MRDN1")
    assert queue.status == 200, queue.body
    item = next(i for i in queue.body["items"] if i["claim_id"] == rejected["claim_id"])
    assert "Rejected for invalid information" in item["reasons"][0]
    assert "contract/member number" in item["reasons"][0]
    assert "SBX-REJECT" not in json.dumps(queue.body)  # the reason names codes, not values
    files = biller.call("GET", f"/claims/{good['claim_id']}/files").body["files"]
    assert files[0]["status"] == "accepted" and files[0]["ack_999"] == "A"

    # raw files: every 837P and every acknowledgment is in S3 under ids only
    stored = documents(stack, f"{PRACTICE}/claims/")
    assert any(k.endswith("/837P.x12") for k in stored)
    assert sum("/claims/inbound/" in k for k in stored) >= 2


def test_enrollment_blocks_and_roles(login: Callable[[str], ApiClient]):
    setup_profile(login)
    claim = make_ready_claim(login, payer_id="HRBV3")
    biller = login("sunrise-biller")
    refused = biller.call(
        "POST", f"/claims/{claim['claim_id']}/submit", {"version": claim["version"]}
    )
    assert refused.status == 409, refused.body
    assert "pending" in refused.body["message"]
    blocked = biller.call("GET", "/claims/work-queue?state=blocked").body["items"]
    assert any(i["claim_id"] == claim["claim_id"] for i in blocked)
    assert (
        login("sunrise-frontdesk").call("POST", f"/claims/{claim['claim_id']}/submit", {}).status
        == 403
    )
    assert (
        login("lakeside-biller").call("POST", f"/claims/{claim['claim_id']}/submit", {}).status
        == 404
    )
    assert login("sunrise-biller").call("PUT", "/clearinghouse/profile", PROFILE).status == 403
    stale = biller.call("POST", f"/claims/{claim['claim_id']}/submit", {"version": 1})
    assert stale.status == 409


def test_poison_message_lands_in_the_dlq_and_redrive_moves_it_back(stack: LocalStack):
    assert stack.template is not None
    sqs = stack.client("sqs")
    queue = stack.template.physical["ClaimSubmitQueue"]
    dlq = stack.template.physical["ClaimSubmitDLQ"]
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "0"})
    try:
        sqs.send_message(QueueUrl=queue, MessageBody="not a claim message")
        wait_for(
            lambda: (
                int(
                    sqs.get_queue_attributes(
                        QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"]
                    )["Attributes"]["ApproximateNumberOfMessages"]
                )
                == 1
            )
        )
        from clinicflow.claims.submission.aws import redrive

        assert redrive(sqs, dlq, queue) == 1
        assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []
        wait_for(  # the poison goes round again and lands back in the DLQ
            lambda: (
                int(
                    sqs.get_queue_attributes(
                        QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"]
                    )["Attributes"]["ApproximateNumberOfMessages"]
                )
                == 1
            )
        )
    finally:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "360"})
        sqs.purge_queue(QueueUrl=dlq)
