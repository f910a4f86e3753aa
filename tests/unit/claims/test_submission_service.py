"""Submission use cases on DynamoDB Local with in-memory S3, queue and sandbox clearinghouse:
batching, the gate, crash recovery, duplicate deliveries, acknowledgment matching, work queues."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from submission_support import (
    PRACTICE,
    make_ports,
    profile,
    pyx12_errors,
    ready_claim,
    store_claims,
)

from clinicflow.claims.model import ClaimStatus
from clinicflow.claims.submission import service
from clinicflow.claims.submission.codec import read_837p_claim_ids
from clinicflow.claims.submission.model import FileStatus, WorkState
from clinicflow.claims.submission.ports import audit_record
from clinicflow.platform.errors import ConflictError

pytestmark = pytest.mark.usefixtures("tables")
BILLER = service.system_caller(PRACTICE, "biller-1")


def _setup(n: int, **claim_args: Any) -> tuple[Any, ...]:
    ports, queue, documents, sandbox = make_ports()
    ports.store.save_profile(profile(), previous_version=None)
    claims = [ready_claim(i, **claim_args) for i in range(n)]
    store_claims(claims)
    return ports, queue, documents, sandbox, claims


def _status(ports: Any, claim_id: str) -> ClaimStatus:
    found = ports.store.claim(PRACTICE, claim_id)
    assert found is not None
    return found[0].status  # type: ignore[no-any-return]


def _sent_claim_ids(sandbox: Any) -> list[str]:
    """CLM01 of every claim the clearinghouse received, over every file."""
    prefix = f"{PRACTICE}/clearinghouse-sandbox/received/"
    out: list[str] = []
    for key in sandbox._objects.keys(prefix):
        out += read_837p_claim_ids(sandbox._objects.get(key))
    return out


def test_queue_then_batch_into_one_valid_file_per_payer() -> None:
    ports, queue, documents, sandbox, claims = _setup(5)
    other = [ready_claim(10 + i, payer_id="SMTM2") for i in range(3)]
    store_claims(other)
    outcome = service.queue_claims(BILLER, [*claims, *other], ports=ports)
    assert len(outcome.queued) == 8
    # one message per payer (ids only): the batcher sends all of a payer's queued claims
    assert queue.messages == [
        {"practice_id": PRACTICE, "payer_id": "MRDN1"},
        {"practice_id": PRACTICE, "payer_id": "SMTM2"},
    ]
    failed = service.handle_messages(queue.records(), ports=ports)
    assert failed == []
    assert all(_status(ports, c.claim_id) is ClaimStatus.SUBMITTED for c in [*claims, *other])
    assert len(sandbox.received()) == 2  # one file per payer, not one per SQS batch
    files = [k for k in documents.objects if k.endswith("837P.x12")]
    assert len(files) == 2
    for key in files:
        assert pyx12_errors(documents.objects[key].decode()) == []
    assert Counter(_sent_claim_ids(sandbox)) == Counter(c.claim_id for c in [*claims, *other])
    (file,) = ports.store.files_of_claim(PRACTICE, claims[0].claim_id)
    assert file.status is FileStatus.SENT and len(file.claim_ids) == 5
    history = ports.store.claim(PRACTICE, claims[0].claim_id)[0].history
    assert [h.to_status for h in history][-2:] == [ClaimStatus.QUEUED, ClaimStatus.SUBMITTED]
    assert history[-1].reason == f"sent in file {file.file_id}"


def test_racing_workers_and_duplicates_send_each_claim_once() -> None:
    ports, queue, _, sandbox, claims = _setup(24)
    for claim in claims:  # submitted one by one: a message per claim
        service.submit_claim(BILLER, claim.claim_id, expected_version=None, ports=ports)
    assert len(queue.messages) == 24
    records = queue.records(copies=3)  # every message delivered three times
    batches = [records[i : i + 10] for i in range(0, len(records), 10)]
    errors: list[BaseException] = []

    def work(part: list[dict[str, Any]]) -> None:
        try:
            service.handle_messages(part, ports=ports)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sent = Counter(_sent_claim_ids(sandbox))
    assert set(sent) == {c.claim_id for c in claims}
    assert max(sent.values()) == 1  # never twice
    assert all(_status(ports, c.claim_id) is ClaimStatus.SUBMITTED for c in claims)


def test_crash_before_storing_is_finished_by_the_next_run() -> None:
    ports, queue, documents, sandbox, claims = _setup(3)
    service.queue_claims(BILLER, claims, ports=ports)
    documents.fail_puts = 1  # S3 fails after the claims were bound to the file
    failed = service.handle_messages(queue.records(), ports=ports)
    assert len(failed) == 1  # the payer's message stays for a retry
    assert all(_status(ports, c.claim_id) is ClaimStatus.SUBMITTED for c in claims)
    assert sandbox.received() == []  # nothing sent before it is stored
    (open_file,) = ports.store.open_files(PRACTICE, "MRDN1")
    assert open_file.status is FileStatus.BUILDING
    assert service.handle_messages(queue.records(), ports=ports) == []
    assert ports.store.open_files(PRACTICE, "MRDN1") == []
    assert Counter(_sent_claim_ids(sandbox)) == Counter(c.claim_id for c in claims)


def test_send_failure_keeps_the_stored_file_and_resends_the_same_bytes() -> None:
    ports, queue, documents, sandbox, claims = _setup(2)
    service.queue_claims(BILLER, claims, ports=ports)
    sandbox.fail_submits = 1
    assert len(service.handle_messages(queue.records(), ports=ports)) == 1
    (stored,) = ports.store.open_files(PRACTICE, "MRDN1")
    assert stored.status is FileStatus.STORED
    before = documents.objects[stored.key]
    assert service.handle_messages(queue.records(), ports=ports) == []
    assert sandbox.submitted == [f"{stored.file_id}.837"]
    assert documents.objects[stored.key] == before
    assert ports.store.get_file(PRACTICE, stored.file_id).status is FileStatus.SENT  # type: ignore[union-attr]


def test_poison_and_unsettled_messages_are_reported() -> None:
    ports, queue, _, sandbox, claims = _setup(1)
    service.queue_claims(BILLER, claims, ports=ports)
    records = [
        {"messageId": "poison-1", "body": "not json"},
        {
            "messageId": "poison-2",
            "body": json.dumps({"practice_id": "sunrise", "claim_id": "x y"}),
        },
        *queue.records(),
    ]
    assert service.handle_messages(records, ports=ports) == ["poison-1", "poison-2"]
    sandbox.fail_submits = 1  # the clearinghouse is down: the message is retried
    store_claims([ready_claim(7)])
    service.queue_claims(BILLER, [ready_claim(7)], ports=ports)
    assert service.handle_messages(queue.records()[-1:], ports=ports) == ["m1-0"]


def test_submit_is_conditional_idempotent_and_blocked_when_not_enrolled() -> None:
    ports, queue, _, _, claims = _setup(1)
    claim = claims[0]
    queued = service.submit_claim(BILLER, claim.claim_id, expected_version=2, ports=ports)
    assert queued.status is ClaimStatus.QUEUED and queued.version == 3
    again = service.submit_claim(BILLER, claim.claim_id, expected_version=2, ports=ports)
    assert again.version == 3 and len(queue.messages) == 1  # a retried POST is not re-queued
    with pytest.raises(ConflictError):
        service.submit_claim(BILLER, claim.claim_id, expected_version=1, ports=ports)
    pending = ready_claim(5, payer_id="HRBV3")
    store_claims([pending])
    with pytest.raises(ConflictError, match="pending"):
        service.submit_claim(BILLER, pending.claim_id, expected_version=None, ports=ports)
    assert _status(ports, pending.claim_id) is ClaimStatus.READY
    (item,) = service.work_queue(
        BILLER, WorkState.BLOCKED, payer_id="HRBV3", min_age_days=None, limit=10, ports=ports
    )
    assert item.claim_id == pending.claim_id and "pending" in item.reasons[0]


def test_acknowledgments_update_claims_once_and_feed_the_work_queue() -> None:
    ports, queue, documents, sandbox, claims = _setup(3)
    rejected = ready_claim(9, member_id="SBX-REJECT")
    store_claims([rejected])
    service.queue_claims(BILLER, [*claims, rejected], ports=ports)
    service.handle_messages(queue.records(), ports=ports)
    first = service.ingest(PRACTICE, ports=ports)  # the 999
    assert first.files == 1 and first.accepted == first.rejected == 0
    (file,) = ports.store.files_of_claim(PRACTICE, claims[0].claim_id)
    assert file.status is FileStatus.ACCEPTED and file.ack_999 == "A"
    second = service.ingest(PRACTICE, ports=ports)  # the 277CA, one collection later
    assert (second.accepted, second.rejected) == (3, 1)
    assert all(_status(ports, c.claim_id) is ClaimStatus.ACCEPTED for c in claims)
    assert _status(ports, rejected.claim_id) is ClaimStatus.REJECTED
    accepted = ports.store.claim(PRACTICE, claims[0].claim_id)[0]
    assert accepted.payer_claim_number == f"PCN{claims[0].claim_id}"
    raw = [k for k in documents.objects if "/claims/inbound/" in k]
    assert len(raw) == 2  # every acknowledgment stored before it was parsed
    # the same 277CA again (a clearinghouse re-delivery) changes nothing
    again = sandbox._objects.get(raw[1]) or documents.objects[raw[1]]
    sandbox._objects.put(f"{PRACTICE}/clearinghouse-sandbox/ready/dup.277", again)
    third = service.ingest(PRACTICE, ports=ports)
    assert third.accepted == third.rejected == 0
    (item,) = service.work_queue(
        BILLER, WorkState.REJECTED, payer_id="MRDN1", min_age_days=None, limit=10, ports=ports
    )
    assert (
        item.claim_id == rejected.claim_id and "Rejected for invalid information" in item.reasons[0]
    )
    assert (
        service.work_queue(
            BILLER, WorkState.REJECTED, payer_id="SMTM2", min_age_days=None, limit=10, ports=ports
        )
        == []
    )
    later = replace(ports, now=lambda: datetime.now(UTC) + timedelta(days=31))
    assert (
        service.work_queue(
            BILLER, WorkState.REJECTED, payer_id=None, min_age_days=30, limit=10, ports=later
        )[0].age_days
        >= 30
    )
    assert (
        service.work_queue(
            BILLER, WorkState.REJECTED, payer_id=None, min_age_days=30, limit=10, ports=ports
        )
        == []
    )


def test_999_rejection_rejects_every_claim_of_the_file() -> None:
    ports, queue, _, _, claims = _setup(2)
    bad = ready_claim(8, member_id="SBX-X12-REJECT")
    store_claims([bad])
    service.queue_claims(BILLER, [*claims, bad], ports=ports)
    service.handle_messages(queue.records(), ports=ports)
    report = service.ingest(PRACTICE, ports=ports)
    assert report.rejected == 3
    for claim in [*claims, bad]:
        found = ports.store.claim(PRACTICE, claim.claim_id)[0]
        assert found.status is ClaimStatus.REJECTED
        assert found.history[-1].reason.startswith("999 rejected the claim file")
    assert service.ingest(PRACTICE, ports=ports).files == 0  # no 277CA for a rejected set


def test_an_old_277ca_does_not_touch_a_resubmission() -> None:
    ports, queue, _, sandbox, claims = _setup(1)
    claim = claims[0]
    service.queue_claims(BILLER, claims, ports=ports)
    service.handle_messages(queue.records(), ports=ports)
    (first_file,) = ports.store.files_of_claim(PRACTICE, claim.claim_id)
    # pretend a 999 rejected it, it was fixed and sent again in a new file
    current, file_id = ports.store.claim(PRACTICE, claim.claim_id)
    from clinicflow.claims.model import transition

    at = datetime.now(UTC)
    step = current
    for to in (ClaimStatus.REJECTED, ClaimStatus.DRAFT, ClaimStatus.READY):
        step = transition(step, to, at=at, by="biller-1")
    assert ports.store.save_claim(
        step, previous_version=current.version, file_id=file_id, audit=audit_record(BILLER, step)
    )
    service.queue_claims(BILLER, [step], ports=ports)
    service.handle_messages(queue.records()[-1:], ports=ports)
    files = ports.store.files_of_claim(PRACTICE, claim.claim_id)
    assert len(files) == 2
    # the first file's 277CA (accepting) arrives late: it must not accept the new submission
    service.ingest(PRACTICE, ports=ports)
    for key in sandbox._objects.keys(f"{PRACTICE}/clearinghouse-sandbox/ready/"):
        if first_file.file_id not in key:
            sandbox._objects.delete(key)
    service.ingest(PRACTICE, ports=ports)
    assert _status(ports, claim.claim_id) is ClaimStatus.SUBMITTED


def test_files_and_downloads_are_audited() -> None:
    ports, queue, _, _, claims = _setup(1)
    service.queue_claims(BILLER, claims, ports=ports)
    service.handle_messages(queue.records(), ports=ports)
    (file,) = service.claim_files(BILLER, claims[0].claim_id, ports=ports)
    got, url = service.file_download(BILLER, file.file_id, ports=ports)
    assert got.file_id == file.file_id and url.endswith("X-Amz-Expires=300")
    kinds = [(r.action.value, r.resource_type) for r in ports.audit.records]  # type: ignore[attr-defined]
    assert ("read", "claim") in kinds and ("export", "claim_file") in kinds
