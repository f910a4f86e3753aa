"""Correcting a claim's content before it goes out, or after a 999/277CA rejection.

The biller fixes what the scrubber or the payer found (a diagnosis, a pointer, a modifier,
a charge) on the claim itself: the signed superbill stays as the provider signed it, the
claim is rebuilt from the corrected content with the facts read afresh (so a fixed patient
or coverage record is picked up too) and goes back to draft, to be scrubbed again. The claim
keeps its id, history, overrides and frequency; a rejected claim is resubmitted as an
original. Claims already queued or with the payer cannot be corrected this way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.model import (
    DEFAULT_SCHEDULE,
    EDITABLE,
    Claim,
    ClaimStatus,
    EncounterInput,
    check_encounter,
    transition,
    with_billed_content,
)
from clinicflow.claims.service import CLAIM, ClaimsRepository, FactsSource, build_claim
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller

CORRECTABLE = EDITABLE | {ClaimStatus.REJECTED}


def corrected(claim: Claim, rebuilt: Claim, *, by: str, at: datetime) -> Claim:
    """`claim` with the content of `rebuilt`, back in draft (pure)."""
    content = with_billed_content(
        claim,
        rebuilt,
        coverage_id=rebuilt.coverage_id,
        payer=rebuilt.payer,
        last_scrub=None,  # the findings were about the content replaced
    )
    if claim.status is ClaimStatus.DRAFT:
        return replace(content, version=claim.version + 1, updated_at=at)
    reason = "corrected after rejection" if claim.status is ClaimStatus.REJECTED else "corrected"
    return transition(content, ClaimStatus.DRAFT, at=at, by=by, reason=reason)


def correct_claim(
    caller: Caller,
    claim_id: str,
    data: EncounterInput,
    *,
    expected_version: int | None,
    repo: ClaimsRepository,
    facts: FactsSource,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Claim:
    """Replace a draft, ready or rejected claim's content (409 otherwise or when stale)."""
    claim = repo.get_claim(caller.practice_id, claim_id)
    if claim is None:
        raise NotFoundError("claim not found")
    if expected_version is not None and expected_version != claim.version:
        raise ConflictError(
            "the claim changed since it was read; reload it and retry",
            details={"current_version": claim.version},
        )
    if claim.status not in CORRECTABLE:
        raise ConflictError(
            f"a {claim.status.value} claim cannot be corrected here",
            details={"status": claim.status.value},
        )
    if data.patient_id != claim.patient_id:
        raise ValidationError(FieldError("patient_id", "cannot change; start a new encounter"))
    checked = check_encounter(data)
    encounter = repo.get_encounter(caller.practice_id, claim.encounter_id)
    if encounter is None:
        raise NotFoundError("encounter not found")
    at = now()
    rebuilt = build_claim(
        replace(encounter, data=checked),
        facts.facts(caller, checked),
        repo.get_fee_schedule(caller.practice_id, DEFAULT_SCHEDULE),
        claim_id=claim.claim_id,
        now=at,
    )
    after = corrected(claim, rebuilt, by=caller.username, at=at)
    audit = AuditRecord.of(caller, Action.UPDATE, CLAIM, claim_id, patient_id=claim.patient_id)
    repo.save_claim(after, previous_version=claim.version, audit=audit)
    return after
