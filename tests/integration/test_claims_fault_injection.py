"""Fault injection on the local stack: a batcher that crashes on a share of its batches (before
and after doing the work), a clearinghouse that drops connections, and every message delivered
several times. Every claim is sent exactly once; nothing is lost."""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from clinicflow.claims.submission.codec import read_837p_claim_ids
from clinicflow.clearinghouse.claims_sandbox import SandboxClaimsClearinghouse
from clinicflow.local.stack import LocalStack
from tests.integration.conftest import ApiClient
from tests.integration.test_claims_submission import (
    claim_status,
    documents,
    make_ready_claim,
    setup_profile,
    wait_for,
)

pytestmark = pytest.mark.integration
CLAIMS = 12


def test_crashes_and_duplicates_send_every_claim_exactly_once(
    stack: LocalStack, login: Callable[[str], ApiClient], monkeypatch: pytest.MonkeyPatch
):
    assert stack.template is not None and stack.registry is not None
    setup_profile(login)
    sqs = stack.client("sqs")
    queue = stack.template.physical["ClaimSubmitQueue"]
    dlq = stack.template.physical["ClaimSubmitDLQ"]
    real = stack.registry.handler("ClaimBatcherFunction")
    calls = itertools.count(1)
    lock = threading.Lock()
    crashes = Counter[str]()

    def crashing_worker(event: dict[str, Any], context: Any) -> Any:
        with lock:
            n = next(calls)
        if n <= 12 and n % 3 == 1:
            crashes["before"] += 1
            raise RuntimeError("worker killed before doing anything")
        result = real(event, context)
        if n <= 12 and n % 3 == 2:
            crashes["after"] += 1
            raise RuntimeError("worker killed after the work, before deleting messages")
        return result

    sends = itertools.count(1)
    real_submit = SandboxClaimsClearinghouse.submit

    def flaky_submit(self: SandboxClaimsClearinghouse, name: str, content: bytes) -> None:
        if next(sends) in {1, 3}:
            raise ConnectionError("connection to the clearinghouse dropped")
        real_submit(self, name, content)

    monkeypatch.setattr(SandboxClaimsClearinghouse, "submit", flaky_submit)
    stack.registry._handlers["ClaimBatcherFunction"] = crashing_worker
    # Time is compressed (1 s visibility instead of 360 s), so the retry budget before the DLQ
    # is widened to cover the same span of retries the deployed queue allows.
    redrive = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["RedrivePolicy"])[
        "Attributes"
    ]["RedrivePolicy"]
    widened = json.dumps({**json.loads(redrive), "maxReceiveCount": 100})
    sqs.set_queue_attributes(
        QueueUrl=queue, Attributes={"VisibilityTimeout": "1", "RedrivePolicy": widened}
    )
    try:
        claims = [make_ready_claim(login, submit=True) for _ in range(CLAIMS)]
        ids = {c["claim_id"] for c in claims}
        for claim in claims:  # duplicate deliveries: two more copies of every message
            body = json.dumps(
                {"practice_id": "sunrise", "claim_id": claim["claim_id"], "payer_id": "MRDN1"}
            )
            for _ in range(2):
                sqs.send_message(QueueUrl=queue, MessageBody=body)

        def drained() -> bool:
            attrs = sqs.get_queue_attributes(
                QueueUrl=queue,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            return all(int(v) == 0 for v in attrs.values())

        wait_for(lambda: all(claim_status(login, i) == "submitted" for i in ids), timeout=120)
        wait_for(drained, timeout=120)
    finally:
        stack.registry._handlers["ClaimBatcherFunction"] = real
        sqs.set_queue_attributes(
            QueueUrl=queue, Attributes={"VisibilityTimeout": "360", "RedrivePolicy": redrive}
        )
    assert crashes["before"] >= 2 and crashes["after"] >= 2
    assert next(sends) > 3  # the clearinghouse failures happened, and sending went on
    # exactly once at the clearinghouse, and in the stored 837P files
    received = documents(stack, "sunrise/clearinghouse-sandbox/received/")
    sent = Counter(i for body in received.values() for i in read_837p_claim_ids(body) if i in ids)
    assert set(sent) == ids and max(sent.values()) == 1, sent
    stored = documents(stack, "sunrise/claims/files/")
    filed = Counter(i for body in stored.values() for i in read_837p_claim_ids(body) if i in ids)
    assert filed == sent
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert [m for m in dead if any(i in m["Body"] for i in ids)] == []  # nothing dead-lettered
