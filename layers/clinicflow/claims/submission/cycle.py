"""The billing cycle's Lambda tasks (infra/statemachines/billing_cycle.asl.json).

collect -> process (a Map over chunks) -> send (loops while `more`) -> summarise -> notify.

- **collect** lists the work: signed encounters (to bill), draft and ready claims (to scrub
  and queue). It writes the work in chunks of `BILLING_CHUNK_SIZE` (100; larger past
  `MAX_CHUNKS` chunks) to DynamoDB and returns only chunk numbers, so the execution's
  payloads stay small and its history grows by a handful of events per chunk (20,000
  encounters: 200 chunks, ~1,500 events).
- **process** bills one chunk: claim from each encounter, scrub, queue the clean ones (with
  a delayed SQS message per payer: the queue's batcher is the safety net if the cycle stops),
  block the others with the scrubber's reasons. Re-running a chunk (Retry) is harmless: a billed
  encounter leads to its existing claim, a queued claim is left alone.
- **send** builds and sends the payers' 837P files now (`send_queued`), within a time budget.
- **summarise** adds the chunks' results: claims sent, blocked (by rule), failed.
- **notify** publishes the summary (ids and counts, no PHI) to the billers' SNS topic.
Every step keeps table access in Lambda (moto's Step Functions would hit its own DynamoDB).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

from clinicflow.claims import service as claims_service
from clinicflow.claims.model import Claim, ClaimStatus, FeeSchedule
from clinicflow.claims.scrubber import RuleSettings
from clinicflow.claims.store import DynamoClaimsStore
from clinicflow.claims.submission import service
from clinicflow.claims.submission.model import chunks
from clinicflow.claims.submission.service import Ports, queue_claims, send_queued
from clinicflow.platform.errors import ClinicFlowError, ConflictError, ValidationError

logger = logging.getLogger("clinicflow.claims.cycle")
ACTOR = "clinicflow-billing-cycle"
SAFETY_NET_DELAY = 300  # seconds before the batcher looks at claims the cycle queued
# At most this many chunks per execution: the Map's item list stays far below the 256 KB
# payload limit (~70 bytes an item) and the history below the 25,000-event cap (~7 events a
# chunk); a larger practice gets larger chunks instead of more of them.
MAX_CHUNKS = 1000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def chunk_size() -> int:
    """Work items per chunk (env BILLING_CHUNK_SIZE, default 100)."""
    return max(1, int(os.environ.get("BILLING_CHUNK_SIZE", "100")))


def _id(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(f"{name}: must be an id")
    return value


def cycle_id_of(event: dict[str, Any], ports: Ports) -> str:
    """The cycle id: the execution's name (the last part of its ARN), or a new id when the
    execution has none (emulators may leave it unset)."""
    name = str(event.get("execution") or "").rsplit(":", 1)[-1]
    if _ID.match(name) and name != "None":
        return name
    return f"cycle-{ports.now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def collect(event: dict[str, Any], ports: Ports) -> dict[str, Any]:
    """List the cycle's work and store it in chunks."""
    practice_id, cycle_id = _id(event, "practice_id"), cycle_id_of(event, ports)
    store = ports.store
    work = [f"E:{e}" for e in store.signed_encounters(practice_id)]
    for status in (ClaimStatus.DRAFT, ClaimStatus.CORRECTED, ClaimStatus.READY):
        work += [f"C:{c.claim_id}" for c, _ in store.claims_in_state(practice_id, status)]
    parts = chunks(work, max(chunk_size(), -(-len(work) // MAX_CHUNKS)))
    for n, part in enumerate(parts):
        store.put_chunk(practice_id, cycle_id, n, part)
    return {
        "practice_id": practice_id,
        "cycle_id": cycle_id,
        "work_items": len(work),
        "chunk_count": len(parts),
        "chunks": [
            {"practice_id": practice_id, "cycle_id": cycle_id, "chunk": n}
            for n in range(len(parts))
        ],
    }


def _facts() -> Any:
    from clinicflow.claims.adapters import SliceFacts
    from clinicflow.coverages.store import DynamoCoverageRepository
    from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository

    return SliceFacts(
        patient_repo=DynamoPatientRepository(),
        coverage_repo=DynamoCoverageRepository(),
        audit=DynamoAuditLog(),
        memo=True,  # one chunk: the practice's directory is read once, not per encounter
    )


class ChunkClaimsStore(DynamoClaimsStore):
    """The claims store for one chunk: the fee schedule and the scrubber's rule settings are
    read once per chunk, not once per claim (a chunk runs in seconds; a change made meanwhile
    applies from the next chunk)."""

    def __init__(self) -> None:
        self._fees: dict[tuple[str, str], FeeSchedule | None] = {}
        self._rules: dict[str, list[RuleSettings]] = {}

    def get_fee_schedule(self, practice_id: str, schedule_id: str) -> FeeSchedule | None:
        """One fee schedule, read once."""
        key = (practice_id, schedule_id)
        if key not in self._fees:
            self._fees[key] = super().get_fee_schedule(practice_id, schedule_id)
        return self._fees[key]

    def rule_settings(self, practice_id: str) -> list[RuleSettings]:
        """The practice's rule settings, read once."""
        if practice_id not in self._rules:
            self._rules[practice_id] = super().rule_settings(practice_id)
        return self._rules[practice_id]


def _claim_of_encounter(
    caller: Any, encounter_id: str, ports: Ports, facts: Any
) -> tuple[Claim | None, bool]:
    """The encounter's claim (created now, or by an earlier attempt) and whether it is new."""
    try:
        return claims_service.create_claim(
            caller, encounter_id, repo=ports.claims, facts=facts
        ), True
    except ConflictError:
        encounter = ports.store.encounter(caller.practice_id, encounter_id)
        if encounter is None or not encounter.claim_id or encounter.claim_id == "pending":
            raise
        return ports.claims.get_claim(caller.practice_id, encounter.claim_id), False


def process(event: dict[str, Any], ports: Ports) -> dict[str, Any]:
    """Bill one chunk: create, scrub, queue or block."""
    from clinicflow.claims.adapters import timely_filing_days
    from clinicflow.codesets.service import CachedTables
    from clinicflow.codesets.store import DynamoReferenceTables

    practice_id, cycle_id = _id(event, "practice_id"), _id(event, "cycle_id")
    n = int(event["chunk"])
    work: list[str] = ports.store.chunk(practice_id, cycle_id, n).get("work", [])
    caller = service.system_caller(practice_id, ACTOR)
    ports = replace(ports, claims=ChunkClaimsStore())
    facts = _facts()
    tables = CachedTables(DynamoReferenceTables())  # codes shared by the chunk's claims
    windows: dict[str, int | None] = {}

    def filing(payer: str) -> int | None:
        """The payer's timely-filing window, read once per chunk."""
        if payer not in windows:
            windows[payer] = timely_filing_days(practice_id, payer)
        return windows[payer]

    def one(entry: str) -> tuple[str, bool, Claim | None, list[str]]:
        """(outcome, created, claim, rule ids or fields) of one work item."""
        kind, _, ident = entry.partition(":")
        created = False
        try:
            if kind == "E":
                claim, created = _claim_of_encounter(caller, ident, ports, facts)
            else:
                claim = ports.claims.get_claim(practice_id, ident)
            if claim is None or claim.status not in {
                ClaimStatus.DRAFT,
                ClaimStatus.CORRECTED,
                ClaimStatus.READY,
            }:
                return "skipped", created, None, []  # gone, or already on its way
            outcome = claims_service.scrub_claim(
                caller, claim.claim_id, repo=ports.claims, tables=tables, timely_filing_days=filing
            )
            if outcome.claim.status is ClaimStatus.READY:
                return "ready", created, outcome.claim, []
            errors = [f for f in outcome.report.findings if f.blocks]
            service.block_claim(
                ports,
                outcome.claim,
                [f"{f.rule_id}: {f.message}" for f in errors],
                [f.rule_id for f in errors],
            )
            return "blocked", created, outcome.claim, [f.rule_id for f in errors]
        except ValidationError as exc:
            return "unbillable", created, None, [e.field for e in exc.errors]
        except ClinicFlowError as exc:
            logger.warning(
                "billing item failed",
                extra={"practice_id": practice_id, "error_type": type(exc).__name__},
            )
            return "failed", created, None, []

    with ThreadPoolExecutor(max_workers=max(1, ports.workers)) as pool:
        outcomes = list(pool.map(one, work))
    created = sum(1 for _, new, _, _ in outcomes if new)
    failed = sum(1 for kind, _, _, _ in outcomes if kind == "failed")
    ready = [c for kind, _, c, _ in outcomes if kind == "ready" and c is not None]
    blocked = [c.claim_id for kind, _, c, _ in outcomes if kind == "blocked" and c is not None]
    rules: Counter[str] = Counter(
        r for kind, _, _, found in outcomes if kind == "blocked" for r in found
    )
    unbillable: Counter[str] = Counter(
        f for kind, _, _, found in outcomes if kind == "unbillable" for f in found
    )
    queued = queue_claims(caller, ready, ports=ports, delay_seconds=SAFETY_NET_DELAY)
    for claim_id in queued.blocked:
        blocked.append(claim_id)
        rules[queued.blocked_rules.get(claim_id, "enrollment.edi")] += 1
    result = {
        "chunk": n,
        "items": len(work),
        "claims_created": created,
        "queued": len(queued.queued),
        "blocked": len(blocked),
        "blocked_rules": dict(rules),
        "unbillable": sum(unbillable.values()),
        "unbillable_fields": dict(unbillable),
        "failed": failed,
    }
    ports.store.put_chunk_result(practice_id, cycle_id, n, result)
    return {"chunk": n, "queued": result["queued"], "blocked": result["blocked"]}


def send(event: dict[str, Any], ports: Ports) -> dict[str, Any]:
    """Send every payer's queued claims now, within a time budget (`more` when it ran out)."""
    practice_id = _id(event, "practice_id")
    previous = event.get("previous") or {}
    budget = timedelta(seconds=int(os.environ.get("BILLING_SEND_BUDGET_SECONDS", "600")))
    deadline = ports.now() + budget
    files, sent, more = int(previous.get("files", 0)), int(previous.get("claims_sent", 0)), False
    errors: dict[str, str] = dict(previous.get("errors") or {})
    for payer_id in sorted(ports.store.payers_in_state(practice_id, ClaimStatus.QUEUED)):
        try:
            report = send_queued(practice_id, payer_id, ports=ports, actor=ACTOR, deadline=deadline)
        except Exception as exc:  # one payer's failure must not stop the others
            errors[payer_id] = type(exc).__name__
            logger.warning(
                "payer send failed",
                extra={
                    "practice_id": practice_id,
                    "payer_id": payer_id,
                    "error_type": type(exc).__name__,
                },
            )
            continue
        files += len(report.files)
        sent += report.claims_sent
        more = more or report.more
    return {"files": files, "claims_sent": sent, "more": more, "errors": errors}


def summarise(event: dict[str, Any], ports: Ports) -> dict[str, Any]:
    """Add up the chunks' results and what was sent; store the summary."""
    practice_id, cycle_id = _id(event, "practice_id"), _id(event, "cycle_id")
    results = ports.store.chunk_results(practice_id, cycle_id)
    sent = event.get("send") or {}
    rules: Counter[str] = Counter()
    for r in results:
        rules.update(r.get("blocked_rules", {}))
    total_chunks = int(event.get("total_chunks", len(results)))
    summary = {
        "practice_id": practice_id,
        "cycle_id": cycle_id,
        "work_items": sum(r.get("items", 0) for r in results),
        "claims_created": sum(r.get("claims_created", 0) for r in results),
        "queued": sum(r.get("queued", 0) for r in results),
        "claims_sent": int(sent.get("claims_sent", 0)),
        "files_sent": int(sent.get("files", 0)),
        "send_errors": sent.get("errors", {}),
        "blocked": sum(r.get("blocked", 0) for r in results),
        "blocked_by_rule": dict(rules.most_common()),
        "unbillable": sum(r.get("unbillable", 0) for r in results),
        "failed": sum(r.get("failed", 0) for r in results),
        "chunks": total_chunks,
        "chunks_failed": total_chunks - len(results),
        "status": "succeeded",
    }
    ports.store.put_summary(practice_id, cycle_id, summary)
    return summary


def notify(event: dict[str, Any], ports: Ports) -> dict[str, Any]:
    """Tell the billers (SNS): what was sent, what is blocked and why (ids and counts)."""
    from clinicflow.claims.submission.aws import SnsNotifier

    summary = event.get("summary") or {}
    practice_id = _id(event, "practice_id")
    subject = (
        f"Billing cycle {practice_id}: {summary.get('claims_sent', 0)} claims sent, "
        f"{summary.get('blocked', 0)} blocked"
    )
    if summary.get("status") == "failed":
        subject = f"Billing cycle {practice_id} FAILED: claims stay where they were"
    message_id = SnsNotifier().notify(subject, summary)
    return {"message_id": message_id}


def failed(event: dict[str, Any], ports: Ports) -> dict[str, Any]:
    """Record and announce a failed cycle (the error's name only)."""
    practice_id, cycle_id = _id(event, "practice_id"), cycle_id_of(event, ports)
    error = event.get("error") or {}
    summary = {
        "practice_id": practice_id,
        "cycle_id": cycle_id,
        "status": "failed",
        "error": str(error.get("Error", "unknown"))[:100],
    }
    ports.store.put_summary(practice_id, cycle_id, summary)
    notify({"practice_id": practice_id, "summary": summary}, ports)
    return summary


STEPS: dict[str, Callable[[dict[str, Any], Ports], dict[str, Any]]] = {
    "collect": collect,
    "process": process,
    "send": send,
    "summarise": summarise,
    "notify": notify,
    "failed": failed,
}


def run_step(event: dict[str, Any], ports: Ports | None = None) -> dict[str, Any]:
    """Dispatch one task of the state machine."""
    step = STEPS.get(str(event.get("step")))
    if step is None:
        raise ValueError("step: must be one of " + ", ".join(STEPS))
    if ports is None:
        from clinicflow.claims.submission.wiring import deployed_ports

        ports = deployed_ports()
    return step(event, ports)
