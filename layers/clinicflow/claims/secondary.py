"""Coordination of benefits use cases: record a payer's decision, bill the next payer.

Until remittance posting (835) exists, a biller enters what the payer decided. Recording it on
an accepted claim settles that claim (paid, partially paid or denied). The claim to the next
payer (secondary, then tertiary) copies the visit's content, is billed to the patient's next
coverage and carries every earlier payer with its decision (837P loops 2320/2330/2430).
Creating it and linking it from the earlier claim is one transaction: one next claim each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.model import (
    NEXT_RESPONSIBILITY,
    Adjudication,
    Claim,
    ClaimStatus,
    Frequency,
    OtherPayer,
    check_adjudication,
    new_claim_id,
    transition,
)
from clinicflow.claims.service import CLAIM, ClaimsRepository, FactsSource
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller

DECIDED = frozenset(
    {ClaimStatus.ACCEPTED, ClaimStatus.PAID, ClaimStatus.PARTIALLY_PAID, ClaimStatus.DENIED}
)
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class NextClaimRepository(ClaimsRepository, Protocol):
    """The claims store, plus the transaction that adds the next payer's claim."""

    def add_next_claim(
        self, claim: Claim, prior: Claim, *, prior_version: int, audit: AuditRecord
    ) -> None: ...


def _claim(caller: Caller, claim_id: str, repo: ClaimsRepository) -> Claim:
    found = repo.get_claim(caller.practice_id, claim_id)
    if found is None:
        raise NotFoundError("claim not found")
    return found


def _stale(expected: int | None, claim: Claim) -> None:
    if expected is not None and expected != claim.version:
        raise ConflictError(
            "the claim changed since it was read; reload it and retry",
            details={"current_version": claim.version},
        )


def settled_status(claim: Claim, adjudication: Adjudication) -> ClaimStatus:
    """Denied when nothing was paid; partially paid when a line the payer decided on got
    nothing while others were paid; paid otherwise."""
    if adjudication.paid == 0:
        return ClaimStatus.DENIED
    if any(d.paid == 0 for d in adjudication.lines):
        return ClaimStatus.PARTIALLY_PAID
    return ClaimStatus.PAID


def record_adjudication(
    caller: Caller,
    claim_id: str,
    adjudication: Adjudication,
    *,
    expected_version: int | None,
    repo: ClaimsRepository,
    now: Clock = _now,
) -> Claim:
    """Record the payer's decision on an accepted (or already settled) claim; an accepted
    claim becomes paid, partially paid or denied. 409 before the payer accepted it."""
    claim = _claim(caller, claim_id, repo)
    _stale(expected_version, claim)
    if claim.status not in DECIDED:
        raise ConflictError("a payer's decision can be recorded once the payer accepted it")
    check_adjudication(adjudication, len(claim.lines), "adjudication")
    at = now()
    after = replace(claim, adjudication=adjudication)
    if claim.status is ClaimStatus.ACCEPTED:
        after = transition(
            after,
            settled_status(claim, adjudication),
            at=at,
            by=caller.username,
            reason="payer decision recorded",
            payer_claim_number=adjudication.payer_claim_number,
        )
    else:
        after = replace(after, version=claim.version + 1, updated_at=at)
    audit = AuditRecord.of(caller, Action.UPDATE, CLAIM, claim_id, patient_id=claim.patient_id)
    repo.save_claim(after, previous_version=claim.version, audit=audit)
    return after


def next_payer_claim(prior: Claim, billed: Claim, *, claim_id: str, at: datetime) -> Claim:
    """The claim to the next payer: `prior`'s content, `billed`'s coverage (subscriber and
    payer), and every earlier payer with its decision. Pure."""
    assert prior.adjudication is not None
    earlier = OtherPayer(prior.payer, prior.subscriber, prior.adjudication, prior.claim_id)
    return replace(
        prior,
        claim_id=claim_id,
        coverage_id=billed.coverage_id,
        subscriber=billed.subscriber,
        payer=billed.payer,
        status=ClaimStatus.DRAFT,
        frequency=Frequency.ORIGINAL,
        payer_claim_number="",
        overrides=(),
        other_payers=(*prior.other_payers, earlier),
        adjudication=None,
        next_claim_id="",
        authorization_id="",
        prior_auth_number="",  # an authorization is the earlier payer's
        history=(),
        version=1,
        created_at=at,
        updated_at=at,
    )


def create_next_claim(
    caller: Caller,
    claim_id: str,
    coverage_id: str,
    *,
    adjudication: Adjudication | None,
    repo: NextClaimRepository,
    facts: FactsSource,
    now: Clock = _now,
    new_id: Callable[[datetime], str] = lambda at: new_claim_id(now=at),
) -> Claim:
    """A draft claim to the patient's next payer (`coverage_id`: the secondary or tertiary
    coverage) from a claim whose payer decided. The decision is the one recorded on the claim,
    or `adjudication` when given (it is recorded on the earlier claim in the same write)."""
    prior = _claim(caller, claim_id, repo)
    if prior.next_claim_id:
        raise ConflictError(
            "the next payer is already billed for this claim",
            details={"next_claim_id": prior.next_claim_id},
        )
    if prior.status not in DECIDED:
        raise ConflictError("bill the next payer once this claim's payer has decided")
    if adjudication is not None:
        check_adjudication(adjudication, len(prior.lines), "adjudication")
        prior = replace(prior, adjudication=adjudication)
    if prior.adjudication is None:
        raise ValidationError(
            FieldError("adjudication", "enter the payer's decision (paid amount, adjustments)")
        )
    expected = NEXT_RESPONSIBILITY.get(prior.subscriber.payer_responsibility)
    encounter = repo.get_encounter(caller.practice_id, prior.encounter_id)
    if encounter is None:
        raise NotFoundError("the claim's encounter is gone")
    found = facts.facts(caller, replace(encounter.data, coverage_id=coverage_id))
    if expected is None or found.subscriber.payer_responsibility != expected:
        raise ValidationError(
            FieldError("coverage_id", "must be the patient's next coverage in payer order")
        )
    at = now()
    billed = replace(prior, coverage_id=coverage_id, subscriber=found.subscriber, payer=found.payer)
    billed_before = {prior.payer.payer_id, *(o.payer.payer_id for o in prior.other_payers)}
    if billed.payer.payer_id in billed_before:
        raise ValidationError(FieldError("coverage_id", "is with a payer already billed"))
    claim = next_payer_claim(prior, billed, claim_id=new_id(at), at=at)
    linked = replace(prior, next_claim_id=claim.claim_id, version=prior.version + 1, updated_at=at)
    audit = AuditRecord.of(
        caller, Action.CREATE, CLAIM, claim.claim_id, patient_id=claim.patient_id
    )
    repo.add_next_claim(claim, linked, prior_version=prior.version, audit=audit)
    return claim
