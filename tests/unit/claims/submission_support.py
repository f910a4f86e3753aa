"""Fakes and builders for the claim submission tests (synthetic data only)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from claims_support import make_claim

from clinicflow.audit.model import AuditRecord
from clinicflow.claims.model import Claim, ClaimStatus, Transition
from clinicflow.claims.store import DynamoClaimsStore, claim_item
from clinicflow.claims.submission.model import (
    ClearinghouseProfile,
    EnrollmentStatus,
    PayerEnrollment,
)
from clinicflow.claims.submission.service import Ports
from clinicflow.claims.submission.store import DynamoSubmissionStore
from clinicflow.clearinghouse.claims_port import ClaimsClearinghouse, MemoryObjects
from clinicflow.clearinghouse.claims_sandbox import SandboxClaimsClearinghouse

PRACTICE = "sunrise"


def profile(**changes: Any) -> ClearinghouseProfile:
    """A valid sandbox profile enrolled with MRDN1 and SMTM2 (HRBV3 pending)."""
    base = ClearinghouseProfile(
        practice_id=PRACTICE,
        clearinghouse_id="sandbox",
        submitter_id="SUNRISE01",
        submitter_name="Sunrise Family Medicine",
        contact_name="Billing Office",
        contact_phone="3035550100",
        receiver_id="SANDBOXCH",
        receiver_name="Sandbox Clearinghouse",
        isa_sender_id="SUNRISE01",
        isa_receiver_id="SANDBOXCH",
        enrollments=(
            PayerEnrollment("MRDN1", EnrollmentStatus.ENROLLED, EnrollmentStatus.ENROLLED),
            PayerEnrollment("SMTM2", EnrollmentStatus.ENROLLED),
            PayerEnrollment("HRBV3", EnrollmentStatus.PENDING),
        ),
    )
    return replace(base, **changes)


def ready_claim(n: int, *, payer_id: str = "MRDN1", member_id: str = "SBX-1001") -> Claim:
    """A ready claim with a distinct id and member id."""
    base = make_claim()
    return replace(
        base,
        claim_id=f"C2605040{n:05d}",
        encounter_id=f"enc-{n}",
        status=ClaimStatus.READY,
        payer=replace(base.payer, payer_id=payer_id),
        subscriber=replace(base.subscriber, member_id=f"{member_id}-{n}"),
        history=(Transition(ClaimStatus.DRAFT, ClaimStatus.READY, base.created_at, "biller"),),
        version=2,
    )


def store_claims(claims: Sequence[Claim]) -> None:
    """Put claims straight into the main table (their encounters are not needed here)."""
    for claim in claims:
        claim_item(claim).save()


class FakeQueue:
    """ClaimQueue that records messages."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, messages: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None:
        """Record the messages."""
        self.messages += [dict(m) for m in messages]

    def records(self, *, copies: int = 1) -> list[dict[str, Any]]:
        """SQS records of every message (each `copies` times: duplicate deliveries)."""
        return [
            {"messageId": f"m{i}-{k}", "body": json.dumps(m)}
            for i, m in enumerate(self.messages)
            for k in range(copies)
        ]


class MemoryDocuments(MemoryObjects):
    """Documents in memory, with fake presigned URLs; can fail the next N puts."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_puts = 0

    def put(self, key: str, body: bytes) -> None:
        """Store, or raise while failures are planned."""
        if self.fail_puts:
            self.fail_puts -= 1
            raise ConnectionError("S3 is unavailable")
        super().put(key, body)

    def download_url(self, key: str, expires_in: int) -> str:
        """A fake presigned URL."""
        return f"https://s3.example.test/{key}?X-Amz-Expires={expires_in}"


class FlakySandbox(SandboxClaimsClearinghouse):
    """The sandbox clearinghouse, failing the next N submits (a network outage)."""

    fail_submits = 0
    submitted: list[str]

    def submit(self, name: str, content: bytes) -> None:
        """Fail while planned, else deliver."""
        if self.fail_submits:
            self.fail_submits -= 1
            raise ConnectionError("the clearinghouse is unreachable")
        self.submitted.append(name)
        super().submit(name, content)


class FakeAudit:
    """AuditLog that records."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Record."""
        self.records += list(records)


def make_ports(
    objects: MemoryObjects | None = None, sandbox: FlakySandbox | None = None
) -> tuple[Ports, FakeQueue, MemoryDocuments, FlakySandbox]:
    """Ports on DynamoDB Local with in-memory S3, queue and sandbox clearinghouse."""
    documents = MemoryDocuments()
    channel = sandbox or FlakySandbox(
        objects or MemoryObjects(), PRACTICE, now=lambda: datetime(2026, 5, 6, 9, tzinfo=UTC)
    )
    channel.submitted = getattr(channel, "submitted", [])
    queue = FakeQueue()

    def clearinghouse(_: ClearinghouseProfile) -> ClaimsClearinghouse:
        return channel

    ports = Ports(
        store=DynamoSubmissionStore(),
        claims=DynamoClaimsStore(),
        documents=documents,
        queue=queue,
        clearinghouse=clearinghouse,
        audit=FakeAudit(),
        workers=4,
    )
    return ports, queue, documents, channel


def pyx12_errors(text: str) -> list[str]:
    """Every error pyx12 (bundled 005010X222A1 / X214 maps) reports; empty = valid."""
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    report = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(text), io.StringIO(), None, None, report
    )
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "err_str" in node:
                found.append(str(node["err_str"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(report.getvalue()))
    if not valid and not found:
        found.append("pyx12 reported the file invalid")
    return found
