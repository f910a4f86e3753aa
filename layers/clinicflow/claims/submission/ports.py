"""What claim submission talks to (`Ports`), its job identities and shared records."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.model import (
    Claim,
)
from clinicflow.claims.service import AuditLog, ClaimsRepository
from clinicflow.claims.submission.model import (
    ClearinghouseProfile,
)
from clinicflow.claims.submission.store import DynamoSubmissionStore
from clinicflow.clearinghouse.claims_port import ClaimsClearinghouse
from clinicflow.platform.identity import Caller, Role

logger = logging.getLogger("clinicflow.claims.submission")
CLAIM = "claim"
CLAIM_FILE = "claim_file"
BATCHER = "clinicflow-claim-batcher"
INGEST = "clinicflow-claim-acks"
PRIOR_AUTH_RULE = "prior_auth.required"
ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def system_caller(practice_id: str, username: str) -> Caller:
    """The identity of a job acting for a practice (audited under this name)."""
    return Caller(username=username, practice_id=practice_id, roles=frozenset({Role.ADMIN}))


class ClaimQueue(Protocol):
    """Where submitted claims are put as work (SQS)."""

    def send(self, messages: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None:
        """Send messages (ids only)."""
        ...


class Documents(Protocol):
    """Raw EDI files (S3)."""

    def put(self, key: str, body: bytes) -> None:
        """Store an object."""
        ...

    def get(self, key: str) -> bytes | None:
        """An object, or None."""
        ...

    def download_url(self, key: str, expires_in: int) -> str:
        """A presigned GET URL."""
        ...


@dataclass
class Ports:
    """Everything submission talks to; handlers pass the deployed adapters, tests fakes."""

    store: DynamoSubmissionStore
    claims: ClaimsRepository
    documents: Documents
    queue: ClaimQueue
    clearinghouse: Callable[[ClearinghouseProfile], ClaimsClearinghouse]
    audit: AuditLog
    now: Clock = _now
    lease: timedelta = timedelta(minutes=5)
    workers: int = 8


def audit_record(caller: Caller, claim: Claim, action: Action = Action.UPDATE) -> AuditRecord:
    """The audit record of a job's or user's action on a claim."""
    return AuditRecord.of(caller, action, CLAIM, claim.claim_id, patient_id=claim.patient_id)


def claim_message(claim: Claim) -> dict[str, Any]:
    """The claim queue's message for one claim (ids only): done once the claim is in a sent
    file."""
    return {
        "practice_id": claim.practice_id,
        "claim_id": claim.claim_id,
        "payer_id": claim.payer.payer_id,
    }


def payer_message(practice_id: str, payer_id: str) -> dict[str, Any]:
    """The claim queue's message for a payer's queued claims (bulk queueing): done once a run
    of the batcher sent every claim queued for that payer."""
    return {"practice_id": practice_id, "payer_id": payer_id}
