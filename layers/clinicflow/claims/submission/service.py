"""Claim submission use cases: the clearinghouse profile, the work queue and the 837P files
of a claim; queueing, sending and acknowledgments live in their own modules and are
re-exported here, so handlers import one service."""

from __future__ import annotations

from dataclasses import replace

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.model import (
    Claim,
    ClaimStatus,
)
from clinicflow.claims.submission.acks import IngestReport, ingest
from clinicflow.claims.submission.model import (
    ClaimFile,
    ClearinghouseProfile,
    WorkItem,
    WorkState,
    age_days,
    check_profile,
)
from clinicflow.claims.submission.ports import (
    CLAIM_FILE,
    ID,
    ClaimQueue,
    Documents,
    Ports,
    audit_record,
    system_caller,
)
from clinicflow.claims.submission.queueing import (
    AuthorizationExhaustedError,
    QueueOutcome,
    block_claim,
    queue_claims,
    submit_claim,
)
from clinicflow.claims.submission.sending import SendReport, handle_messages, send_queued
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller


# --- profile ---------------------------------------------------------------------------------
def get_profile(caller: Caller, ports: Ports) -> ClearinghouseProfile:
    """The practice's clearinghouse profile (404 when none)."""
    found = ports.store.get_profile(caller.practice_id)
    if found is None:
        raise NotFoundError("no clearinghouse profile: set one up first")
    return found


def put_profile(
    caller: Caller, profile: ClearinghouseProfile, *, expected_version: int | None, ports: Ports
) -> ClearinghouseProfile:
    """Create or replace the practice's profile (version checked)."""
    current = ports.store.get_profile(caller.practice_id)
    if current is not None and expected_version is not None and expected_version != current.version:
        raise ConflictError(
            "the profile changed since it was read; reload it",
            details={"current_version": current.version},
        )
    checked = check_profile(
        replace(
            profile,
            practice_id=caller.practice_id,
            version=current.version + 1 if current else 1,
            updated_at=ports.now(),
            updated_by=caller.username,
        )
    )
    ports.store.save_profile(checked, previous_version=current.version if current else None)
    return checked


# --- work queue and files ------------------------------------------------------------------
def _last_reason(claim: Claim) -> tuple[str, ...]:
    return (claim.history[-1].reason,) if claim.history and claim.history[-1].reason else ()


def work_queue(
    caller: Caller,
    state: WorkState,
    *,
    payer_id: str | None,
    min_age_days: int | None,
    limit: int,
    ports: Ports,
) -> list[WorkItem]:
    """Claims to work: rejected (with the payer's reason), blocked, or waiting for acks.
    Oldest first; ages are whole days since the claim entered the state."""
    now = ports.now()
    items: list[WorkItem] = []
    if state is WorkState.BLOCKED:
        for block in ports.store.blocks(caller.practice_id):
            if payer_id and block.payer_id != payer_id:
                continue
            items.append(
                WorkItem(
                    block.claim_id, state, "blocked", block.payer_id, block.at,
                    age_days(block.at, now), block.reasons,
                )
            )  # fmt: skip
    else:
        statuses = (
            [ClaimStatus.REJECTED]
            if state is WorkState.REJECTED
            else [ClaimStatus.QUEUED, ClaimStatus.SUBMITTED]
        )
        for status in statuses:
            for claim, _ in ports.store.claims_in_state(caller.practice_id, status, payer_id):
                since = claim.updated_at
                items.append(
                    WorkItem(
                        claim.claim_id, state, claim.status.value, claim.payer.payer_id, since,
                        age_days(since, now), _last_reason(claim), claim.total_charge,
                    )
                )  # fmt: skip
    if min_age_days is not None:
        items = [i for i in items if i.age_days >= min_age_days]
    items.sort(key=lambda i: i.since)
    return items[:limit]


def claim_files(caller: Caller, claim_id: str, *, ports: Ports) -> list[ClaimFile]:
    """The 837P files a claim was sent in (audited: they carry the claim's PHI)."""
    claim = ports.claims.get_claim(caller.practice_id, claim_id)
    if claim is None:
        raise NotFoundError("claim not found")
    files = ports.store.files_of_claim(caller.practice_id, claim_id)
    ports.audit.append([audit_record(caller, claim, Action.READ)])
    return files


def file_download(
    caller: Caller, file_id: str, *, ports: Ports, expires_in: int = 300
) -> tuple[ClaimFile, str]:
    """A file's record and a presigned URL to download it (audited)."""
    if not ID.match(file_id):
        raise ValidationError(FieldError("file_id", "must be letters, digits, '_' or '-'"))
    file = ports.store.get_file(caller.practice_id, file_id)
    if file is None or not file.key:
        raise NotFoundError("claim file not found")
    url = ports.documents.download_url(file.key, expires_in)
    ports.audit.append([AuditRecord.of(caller, Action.EXPORT, CLAIM_FILE, file.file_id)])
    return file, url


__all__ = [
    "AuthorizationExhaustedError",
    "ClaimQueue",
    "Documents",
    "IngestReport",
    "Ports",
    "QueueOutcome",
    "SendReport",
    "block_claim",
    "claim_files",
    "file_download",
    "get_profile",
    "handle_messages",
    "ingest",
    "put_profile",
    "queue_claims",
    "send_queued",
    "submit_claim",
    "system_caller",
    "work_queue",
]
