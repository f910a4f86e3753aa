"""Queueing: ready -> queued on a condition on (claim, version), then a message (ids only) on
the SQS claim queue; blocked claims are recorded with the reason for the work queue."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from clinicflow.claims.model import (
    EXHAUSTED,
    Authorization,
    AuthorizationKind,
    Claim,
    ClaimStatus,
    Frequency,
    transition,
)
from clinicflow.claims.store import AuthorizationChangedError
from clinicflow.claims.submission.model import (
    Block,
    ClearinghouseProfile,
)
from clinicflow.claims.submission.ports import (
    PRIOR_AUTH_RULE,
    Ports,
    audit_record,
    claim_message,
    payer_message,
)
from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.platform.identity import Caller


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
    audit = audit_record(caller, claim)
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
    ports.queue.send([claim_message(after)], delay_seconds=delay_seconds)
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
    time), then one message per payer (the batcher sends all of a payer's queued claims at
    once, so a message per claim would only repeat the work). A claim that changed meanwhile
    is skipped, never queued twice; one whose payer is not enrolled, or whose prior
    authorization has no visit left, is blocked with the reason."""
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
        payers = sorted({c.payer.payer_id for o, c, _, _ in results if o == "queued"})
        ports.queue.send(
            [payer_message(caller.practice_id, payer_id) for payer_id in payers],
            delay_seconds=delay_seconds,
        )
    return out
