"""Acknowledgments: collect 999/277CA files, store each raw file before parsing, match them
to claims and move the claims to accepted/rejected with the payer's reason in plain words."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from clinicflow.claims.model import (
    ClaimStatus,
    transition,
)
from clinicflow.claims.submission import codec
from clinicflow.claims.submission.model import (
    AckFile,
    FileStatus,
    inbound_key,
)
from clinicflow.claims.submission.ports import (
    ID,
    INGEST,
    Ports,
    audit_record,
    logger,
    system_caller,
)
from clinicflow.platform.identity import Caller


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
            after, previous_version=claim.version, file_id=bound, audit=audit_record(caller, claim)
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
        if not ID.match(claim_ack.claim_id):
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
