"""Building and sending 837P files (`send_queued`) and the claim queue's consumer
(`handle_messages`); see the package docstring for the gate that sends each claim once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from clinicflow.claims.model import (
    Claim,
    ClaimStatus,
    transition,
)
from clinicflow.claims.submission import codec
from clinicflow.claims.submission.model import (
    MAX_CLAIMS_PER_FILE,
    OPEN_FILE_STATES,
    ClaimFile,
    ClearinghouseProfile,
    FileStatus,
    file_id_for,
    file_key,
    sent_in_file,
)
from clinicflow.claims.submission.ports import (
    BATCHER,
    ID,
    Ports,
    audit_record,
    logger,
    system_caller,
)
from clinicflow.clearinghouse.claims_port import ClaimsClearinghouse
from clinicflow.platform.errors import ConflictError
from clinicflow.platform.identity import Caller


# --- building and sending files ------------------------------------------------------------
@dataclass
class SendReport:
    """What one `send_queued` run did."""

    files: list[str] = field(default_factory=list)
    claims_sent: int = 0
    more: bool = False


def _bind_all(
    ports: Ports, caller: Caller, candidates: list[tuple[Claim, int]], file: ClaimFile
) -> list[Claim]:
    def bind(pair: tuple[Claim, int]) -> Claim | None:
        claim, version = pair
        if claim.status is not ClaimStatus.QUEUED:
            return None
        after = transition(
            replace(claim, version=version),
            ClaimStatus.SUBMITTED,
            at=file.created_at,
            by=caller.username,
            reason=sent_in_file(file.file_id),
        )
        won = ports.store.bind(
            after, previous_version=version, file_id=file.file_id, audit=audit_record(caller, claim)
        )
        return after if won else None

    with ThreadPoolExecutor(max_workers=max(1, ports.workers)) as pool:
        results = list(pool.map(bind, candidates))
    return [c for c in results if c is not None]


def _store_file(
    ports: Ports, profile: ClearinghouseProfile, file: ClaimFile, claims: list[Claim]
) -> tuple[ClaimFile, bytes]:
    content = codec.build_file(
        claims,
        profile,
        file_id=file.file_id,
        control_number=file.control_number,
        created=file.created_at,
    )
    key = file_key(file.practice_id, file.file_id)
    ports.documents.put(key, content)  # stored before it is ever sent
    stored = replace(
        file,
        status=FileStatus.STORED,
        claim_ids=tuple(sorted(c.claim_id for c in claims)),
        total_charge=sum((c.total_charge for c in claims), Decimal("0")),
        key=key,
        usage=profile.usage,
    )
    lease_until = (ports.now() + ports.lease).isoformat()
    if not ports.store.save_file(stored, expect=FileStatus.BUILDING, lease_until=lease_until):
        raise ConflictError("the file changed while it was being built")
    return stored, content


def _send_file(
    ports: Ports, channel: ClaimsClearinghouse, file: ClaimFile, content: bytes
) -> ClaimFile:
    channel.submit(f"{file.file_id}.837", content)
    sent = replace(file, status=FileStatus.SENT, sent_at=ports.now())
    ports.store.save_file(sent, expect=FileStatus.STORED)
    logger.info(
        "claim file sent",
        extra={
            "practice_id": file.practice_id,
            "file_id": file.file_id,
            "claims": len(file.claim_ids),
        },
    )
    return sent


def _finish_open_file(
    ports: Ports,
    profile: ClearinghouseProfile,
    channel: ClaimsClearinghouse,
    file: ClaimFile,
    report: SendReport,
) -> None:
    """Finish a file a previous run left open (it holds the lease now)."""
    p = file.practice_id
    try:
        if file.status is FileStatus.BUILDING:
            bound = [
                ports.store.claim(p, cid) for cid in ports.store.claim_ids_of_file(p, file.file_id)
            ]
            claims = [c for c, fid in (b for b in bound if b) if fid == file.file_id]
            if not claims:
                return
            file, content = _store_file(ports, profile, file, claims)
        else:
            content = ports.documents.get(file.key) or b""
            if not content:
                raise ConflictError("a stored claim file is missing from S3")
        _send_file(ports, channel, file, content)
        report.files.append(file.file_id)
        report.claims_sent += len(file.claim_ids)
    except BaseException:
        ports.store.release_lease(p, file.file_id)
        raise


def send_queued(
    practice_id: str,
    payer_id: str,
    *,
    ports: Ports,
    actor: str = BATCHER,
    deadline: datetime | None = None,
    max_claims: int = MAX_CLAIMS_PER_FILE,
) -> SendReport:
    """Finish open files, then put every queued claim of the payer in 837P files and send them.

    Safe to run concurrently and repeatedly: claims are bound to files by the gate, files are
    finished under a lease, and the clearinghouse ignores a file name it already received.
    """
    profile = ports.store.get_profile(practice_id)
    if profile is None:
        raise ConflictError("the practice has no clearinghouse profile")
    channel = ports.clearinghouse(profile)
    caller = system_caller(practice_id, actor)
    report = SendReport()
    for open_file in ports.store.open_files(practice_id, payer_id):
        if ports.store.take_lease(
            practice_id, open_file.file_id, open_file.status, now=ports.now(), lease=ports.lease
        ):
            _finish_open_file(ports, profile, channel, open_file, report)
    while True:
        if deadline is not None and ports.now() >= deadline:
            report.more = True
            break
        candidates = list(
            ports.store.claims_in_state(practice_id, ClaimStatus.QUEUED, payer_id, limit=max_claims)
        )
        if not candidates:
            break
        at = ports.now()
        control = ports.store.next_control_number(practice_id)
        file = ClaimFile(practice_id, file_id_for(control, at), payer_id, control, at)
        ports.store.create_file(file, lease=ports.lease, now=at)
        try:
            won = _bind_all(ports, caller, candidates, file)
            if not won:
                ports.store.delete_empty_file(practice_id, file.file_id)
                break  # others hold these claims (or the index lags): let them finish
            stored, content = _store_file(ports, profile, file, won)
            _send_file(ports, channel, stored, content)
        except BaseException:
            ports.store.release_lease(practice_id, file.file_id)
            raise
        report.files.append(file.file_id)
        report.claims_sent += len(won)
    return report


# --- the queue's consumer ------------------------------------------------------------------
def _parse_message(body: str) -> tuple[str, str, str] | None:
    """(practice id, payer id, claim id or "" for a payer's message), or None when unreadable."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    practice_id, payer_id, claim_id = (data.get(k) for k in ("practice_id", "payer_id", "claim_id"))
    if not all(isinstance(v, str) and ID.match(v) for v in (practice_id, payer_id)):
        return None
    if claim_id is not None and not (isinstance(claim_id, str) and ID.match(claim_id)):
        return None
    return str(practice_id), str(payer_id), str(claim_id or "")


def _settled(ports: Ports, practice_id: str, claim_id: str) -> bool:
    """True when the claim no longer needs this message: not queued, and its file was sent."""
    found = ports.store.claim(practice_id, claim_id)
    if found is None:
        return True
    claim, file_id = found
    if claim.status is ClaimStatus.QUEUED:
        return False
    if claim.status is ClaimStatus.SUBMITTED and file_id:
        file = ports.store.get_file(practice_id, file_id)
        return file is not None and file.status not in OPEN_FILE_STATES
    return True


def handle_messages(records: Sequence[dict[str, Any]], *, ports: Ports) -> list[str]:
    """Process one SQS batch; returns the message ids to report as failures. A claim's message
    is done when the claim is in a sent file; a payer's when nothing of it was left to send."""
    failed: list[str] = []
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for record in records:
        parsed = _parse_message(str(record.get("body", "")))
        if parsed is None:
            logger.warning(
                "unreadable claim message", extra={"message_id": record.get("messageId")}
            )
            failed.append(str(record.get("messageId")))
            continue
        practice_id, payer_id, claim_id = parsed
        groups.setdefault((practice_id, payer_id), []).append((str(record["messageId"]), claim_id))
    for (practice_id, payer_id), items in groups.items():
        try:
            report = send_queued(practice_id, payer_id, ports=ports)
        except Exception as exc:
            logger.warning(
                "claim batch failed",
                extra={
                    "practice_id": practice_id,
                    "payer_id": payer_id,
                    "error_type": type(exc).__name__,
                },
            )
            failed += [message_id for message_id, _ in items]
            continue
        for message_id, claim_id in items:
            done = _settled(ports, practice_id, claim_id) if claim_id else not report.more
            if not done:
                failed.append(message_id)
    return failed
