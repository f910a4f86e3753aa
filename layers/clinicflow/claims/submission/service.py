"""Claim submission use cases: queue, batch into 837P files, send, ingest acknowledgments.

The path of a claim (docs/claims-submission.md):

1. `submit_claim` / `queue_claims`: ready -> queued, a DynamoDB condition on (claim, version),
   then a message (ids only) on the SQS claim queue.
2. `send_queued` (the queue's Lambda, and the billing cycle): for one practice and payer,
   open a file record (`building`), **bind** every queued claim to it — the gate: a
   transaction that makes the claim `submitted` in that file only if it is still queued at the
   version read, so a claim is in one file whatever the duplicate deliveries or racing
   workers —, build the 837P, store it in S3 (`stored`), then send it through the
   clearinghouse port (`sent`). A file interrupted at any point is finished by the next run
   (leases, and a rebuild from the bound claims that yields the same bytes); the port is
   idempotent by file name, so a re-sent file is never delivered twice.
3. `handle_messages`: a message is done when its claim left `queued` and its file was sent;
   otherwise it is reported as a batch item failure and retried (then the DLQ).
4. `ingest`: collect 999/277CA files, store each raw file in S3 before parsing, match them
   (999 by GS06 control number; 277CA by our file id in 2000B TRN02 and CLM01 = claim id),
   move claims to accepted/rejected with the payer's reason in plain words.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.model import (
    EXHAUSTED,
    Authorization,
    AuthorizationKind,
    Claim,
    ClaimStatus,
    Frequency,
    transition,
)
from clinicflow.claims.service import AuditLog, ClaimsRepository
from clinicflow.claims.store import AuthorizationChangedError
from clinicflow.claims.submission import codec
from clinicflow.claims.submission.model import (
    MAX_CLAIMS_PER_FILE,
    OPEN_FILE_STATES,
    AckFile,
    Block,
    ClaimFile,
    ClearinghouseProfile,
    FileStatus,
    WorkItem,
    WorkState,
    age_days,
    check_profile,
    file_id_for,
    file_key,
    inbound_key,
)
from clinicflow.claims.submission.store import DynamoSubmissionStore
from clinicflow.clearinghouse.claims_port import ClaimsClearinghouse
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role

logger = logging.getLogger("clinicflow.claims.submission")
CLAIM = "claim"
CLAIM_FILE = "claim_file"
BATCHER = "clinicflow-claim-batcher"
INGEST = "clinicflow-claim-acks"
PRIOR_AUTH_RULE = "prior_auth.required"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
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


def _audit(caller: Caller, claim: Claim, action: Action = Action.UPDATE) -> AuditRecord:
    return AuditRecord.of(caller, action, CLAIM, claim.claim_id, patient_id=claim.patient_id)


def _message(claim: Claim) -> dict[str, Any]:
    return {
        "practice_id": claim.practice_id,
        "claim_id": claim.claim_id,
        "payer_id": claim.payer.payer_id,
    }


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


# --- queueing --------------------------------------------------------------------------------
def block_claim(ports: Ports, claim: Claim, reasons: list[str], rule_ids: list[str]) -> None:
    """Record why a claim cannot go out (shown in the blocked work queue)."""
    ports.store.put_block(
        Block(
            claim.practice_id,
            claim.claim_id,
            claim.payer.payer_id,
            tuple(r[:300] for r in reasons),
            tuple(rule_ids),
            ports.now(),
        )
    )


def _enrollment_problem(profile: ClearinghouseProfile | None, payer_id: str) -> str | None:
    if profile is None:
        return "the practice has no clearinghouse profile"
    return profile.enrollment_problem(payer_id)


class AuthorizationExhaustedError(ConflictError):
    """The prior authorization the claim cites has no visit left (the scrubber's message)."""

    def __init__(self) -> None:
        super().__init__(
            f"the claim cannot be sent: {EXHAUSTED}",
            details={"reason": EXHAUSTED, "field": "prior_auth_number"},
        )


def _authorization_for(ports: Ports, claim: Claim) -> Authorization | None:
    """The prior authorization on file whose visit this claim uses when it is queued: the
    number the claim cites, with the claim's payer, covering one of its lines. None when the
    claim already used one, is a void, cites none or none is on file (the scrubber decides
    whether one is required). Exhausted: the first covering one, so the caller refuses."""
    if claim.authorization_id or claim.frequency is Frequency.VOID or not claim.prior_auth_number:
        return None
    covering = [
        a
        for a in ports.claims.authorizations_of(claim.practice_id, claim.patient_id)
        if a.kind is AuthorizationKind.PRIOR_AUTH
        and a.number == claim.prior_auth_number
        and a.payer_id == claim.payer.payer_id
        and any(a.covers(line.procedure, line.service_date) for line in claim.lines)
    ]
    found = [a for a in covering if a.visits_left > 0] or covering
    return found[0] if found else None


def _queue(ports: Ports, caller: Caller, claim: Claim) -> Claim:
    """ready -> queued at the version read; when the claim cites a prior authorization, one
    of its visits is used in the same transaction (AuthorizationExhaustedError when none is
    left; another claim taking a visit meanwhile makes it re-read and retry)."""
    after = transition(claim, ClaimStatus.QUEUED, at=ports.now(), by=caller.username)
    audit = _audit(caller, claim)
    for _ in range(10):
        auth = _authorization_for(ports, claim)
        if auth is None:
            ports.claims.save_claim(after, previous_version=claim.version, audit=audit)
            return after
        if auth.visits_left <= 0:
            raise AuthorizationExhaustedError
        using = replace(after, authorization_id=auth.authorization_id)
        try:
            ports.claims.save_claim_with_authorization(
                using,
                previous_version=claim.version,
                auth=auth.used_once(caller.username, ports.now()),
                auth_version=auth.version,
                audit=audit,
            )
        except AuthorizationChangedError:
            continue
        return using
    raise ConflictError("the authorization is busy; retry")


def submit_claim(
    caller: Caller,
    claim_id: str,
    *,
    expected_version: int | None,
    ports: Ports,
    delay_seconds: int = 0,
) -> Claim:
    """Queue a ready claim for sending (202). A queued claim is returned as is (a retried POST);
    a payer the practice is not enrolled with blocks it (409 with the reason)."""
    claim = ports.claims.get_claim(caller.practice_id, claim_id)
    if claim is None:
        raise NotFoundError("claim not found")
    if expected_version is not None and expected_version != claim.version:
        if claim.status is ClaimStatus.QUEUED and expected_version == claim.version - 1:
            return claim  # the same submission, retried
        raise ConflictError(
            "the claim changed since it was read; reload it and retry",
            details={"current_version": claim.version},
        )
    if claim.status is ClaimStatus.QUEUED:
        return claim
    transition(claim, ClaimStatus.QUEUED, at=ports.now(), by=caller.username)  # legal?
    problem = _enrollment_problem(ports.store.get_profile(caller.practice_id), claim.payer.payer_id)
    if problem:
        block_claim(ports, claim, [problem], ["enrollment.edi"])
        raise ConflictError(f"the claim cannot be sent: {problem}", details={"reason": problem})
    try:
        after = _queue(ports, caller, claim)
    except AuthorizationExhaustedError:
        block_claim(ports, claim, [EXHAUSTED], [PRIOR_AUTH_RULE])
        raise
    ports.store.clear_block(caller.practice_id, claim_id)
    ports.queue.send([_message(after)], delay_seconds=delay_seconds)
    return after


@dataclass
class QueueOutcome:
    """What `queue_claims` did."""

    queued: list[str] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)
    blocked_rules: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def queue_claims(
    caller: Caller, claims: Iterable[Claim], *, ports: Ports, delay_seconds: int = 0
) -> QueueOutcome:
    """Queue many ready claims (the billing cycle): one conditional write each (`workers` at a
    time), then the messages in batches. A claim that changed meanwhile is skipped, never
    queued twice; one whose payer is not enrolled, or whose prior authorization has no visit
    left, is blocked with the reason."""
    profile = ports.store.get_profile(caller.practice_id)

    def one(claim: Claim) -> tuple[str, Claim, str, str]:
        """(outcome, claim after, rule id, reason) of one claim."""
        problem = _enrollment_problem(profile, claim.payer.payer_id)
        if problem:
            block_claim(ports, claim, [problem], ["enrollment.edi"])
            return "blocked", claim, "enrollment.edi", problem
        try:
            return "queued", _queue(ports, caller, claim), "", ""
        except AuthorizationExhaustedError:
            block_claim(ports, claim, [EXHAUSTED], [PRIOR_AUTH_RULE])
            return "blocked", claim, PRIOR_AUTH_RULE, EXHAUSTED
        except ConflictError:
            return "skipped", claim, "", ""

    with ThreadPoolExecutor(max_workers=max(1, ports.workers)) as pool:
        results = list(pool.map(one, claims))
    out = QueueOutcome()
    for outcome, claim, rule_id, reason in results:
        if outcome == "blocked":
            out.blocked[claim.claim_id] = reason
            out.blocked_rules[claim.claim_id] = rule_id
        elif outcome == "skipped":
            out.skipped.append(claim.claim_id)
        else:
            out.queued.append(claim.claim_id)
    if out.queued:
        ports.store.clear_blocks(caller.practice_id, out.queued)
        ports.queue.send(
            [_message(c) for o, c, _, _ in results if o == "queued"], delay_seconds=delay_seconds
        )
    return out


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
            reason=f"sent in file {file.file_id}",
        )
        won = ports.store.bind(
            after, previous_version=version, file_id=file.file_id, audit=_audit(caller, claim)
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
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    values = [data.get(k) for k in ("practice_id", "claim_id", "payer_id")]
    if not all(isinstance(v, str) and _ID.match(v) for v in values):
        return None
    return values[0], values[1], values[2]  # type: ignore[return-value]


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
    """Process one SQS batch; returns the message ids to report as failures."""
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
        practice_id, claim_id, payer_id = parsed
        groups.setdefault((practice_id, payer_id), []).append((str(record["messageId"]), claim_id))
    for (practice_id, payer_id), items in groups.items():
        try:
            send_queued(practice_id, payer_id, ports=ports)
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
            if not _settled(ports, practice_id, claim_id):
                failed.append(message_id)
    return failed


# --- acknowledgments -------------------------------------------------------------------------
@dataclass
class IngestReport:
    """What one collection did (counts only)."""

    files: int = 0
    accepted: int = 0
    rejected: int = 0
    unmatched: int = 0
    unreadable: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict[str, int]:
        """JSON-ready counts."""
        return dict(self.__dict__)


def _move(  # noqa: PLR0917 (one call shape, three callers)
    ports: Ports,
    caller: Caller,
    claim_id: str,
    file_id: str | None,
    to: ClaimStatus,
    reason: str,
    payer_claim_number: str = "",
) -> bool:
    """submitted -> accepted/rejected for a claim bound to `file_id` (None: any file)."""
    for _ in range(3):
        found = ports.store.claim(caller.practice_id, claim_id)
        if found is None:
            return False
        claim, bound = found
        if claim.status is not ClaimStatus.SUBMITTED or (file_id and bound != file_id):
            return False  # already applied, or an older submission's acknowledgment
        after = transition(
            claim,
            to,
            at=ports.now(),
            by=caller.username,
            reason=reason,
            payer_claim_number=payer_claim_number,
        )
        if ports.store.save_claim(
            after, previous_version=claim.version, file_id=bound, audit=_audit(caller, claim)
        ):
            return True
    return False


def _apply_999(ports: Ports, caller: Caller, ack: AckFile, report: IngestReport) -> None:
    file = ports.store.file_by_control_number(caller.practice_id, ack.group_control_number or 0)
    if file is None:
        report.unmatched += 1
        return
    verdict = next(iter(ack.sets), None)
    rejected = verdict is None or verdict.rejected or ack.group_status == "R"
    reason = verdict.reason if verdict else "999 rejected the claim file"
    if rejected:
        for claim_id in file.claim_ids:
            if _move(ports, caller, claim_id, file.file_id, ClaimStatus.REJECTED, reason):
                report.rejected += 1
    after = replace(
        file,
        status=FileStatus.REJECTED if rejected else FileStatus.ACCEPTED,
        ack_999=verdict.status if verdict else "R",
        ack_reason=reason,
    )
    if file.status in {FileStatus.STORED, FileStatus.SENT}:
        ports.store.save_file(after, expect=file.status)


def _apply_277ca(ports: Ports, caller: Caller, ack: AckFile, report: IngestReport) -> None:
    file = ports.store.get_file(caller.practice_id, ack.file_id) if ack.file_id else None
    accepted = rejected = 0
    for claim_ack in ack.claims:
        if not _ID.match(claim_ack.claim_id):
            report.unmatched += 1
            continue
        file_id = file.file_id if file else None
        if claim_ack.outcome == "accepted":
            if _move(
                ports,
                caller,
                claim_ack.claim_id,
                file_id,
                ClaimStatus.ACCEPTED,
                claim_ack.reason,
                claim_ack.payer_claim_number,
            ):
                accepted += 1
        elif claim_ack.outcome == "rejected" and _move(
            ports, caller, claim_ack.claim_id, file_id, ClaimStatus.REJECTED, claim_ack.reason
        ):
            rejected += 1
    report.accepted += accepted
    report.rejected += rejected
    if file is not None and (accepted or rejected):
        latest = ports.store.get_file(caller.practice_id, file.file_id) or file
        ports.store.save_file(
            replace(
                latest,
                claims_accepted=latest.claims_accepted + accepted,
                claims_rejected=latest.claims_rejected + rejected,
            ),
            expect=latest.status,
        )


def ingest(practice_id: str, *, ports: Ports) -> IngestReport:
    """Collect the practice's 999/277CA files and apply them; idempotent per file."""
    profile = ports.store.get_profile(practice_id)
    report = IngestReport()
    if profile is None:
        return report
    channel = ports.clearinghouse(profile)
    caller = system_caller(practice_id, INGEST)
    for inbound in channel.collect():
        inbound_id = hashlib.sha256(inbound.name.encode()).hexdigest()[:32]
        key = inbound_key(practice_id, inbound_id)
        ports.documents.put(key, inbound.content)  # stored before it is parsed
        status = ports.store.begin_inbound(
            practice_id, inbound_id, name=inbound.name, key=key, at=ports.now()
        )
        if status in {"processed", "unreadable"}:
            report.duplicates += 1
            channel.acknowledge(inbound.name)
            continue
        report.files += 1
        try:
            acks = codec.read_acks(inbound.content)
        except codec.UnreadableAckError:
            report.unreadable += 1
            ports.store.finish_inbound(practice_id, inbound_id, "unreadable", {})
            channel.acknowledge(inbound.name)
            logger.warning(
                "unreadable acknowledgment",
                extra={"practice_id": practice_id, "inbound_id": inbound_id},
            )
            continue
        before = report.as_dict()
        for ack in acks:
            if ack.kind == "999":
                _apply_999(ports, caller, ack, report)
            else:
                _apply_277ca(ports, caller, ack, report)
        after = report.as_dict()
        summary = {k: after[k] - before[k] for k in ("accepted", "rejected", "unmatched")}
        summary["kinds"] = sorted({a.kind for a in acks})  # type: ignore[assignment]
        ports.store.finish_inbound(practice_id, inbound_id, "processed", summary)
        channel.acknowledge(inbound.name)
    return report


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
    ports.audit.append([_audit(caller, claim, Action.READ)])
    return files


def file_download(
    caller: Caller, file_id: str, *, ports: Ports, expires_in: int = 300
) -> tuple[ClaimFile, str]:
    """A file's record and a presigned URL to download it (audited)."""
    if not _ID.match(file_id):
        raise ValidationError(FieldError("file_id", "must be letters, digits, '_' or '-'"))
    file = ports.store.get_file(caller.practice_id, file_id)
    if file is None or not file.key:
        raise NotFoundError("claim file not found")
    url = ports.documents.download_url(file.key, expires_in)
    ports.audit.append([AuditRecord.of(caller, Action.EXPORT, CLAIM_FILE, file.file_id)])
    return file, url
