"""Voiding an adjudicated claim (frequency 8): the payer's claim number is required, and the
prior-authorization visit the claim used is given back in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.model import Claim, ClaimStatus, transition
from clinicflow.claims.service import CLAIM, ClaimsRepository
from clinicflow.claims.store import AuthorizationChangedError
from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.platform.identity import Caller


def void_claim(
    caller: Caller,
    claim_id: str,
    *,
    payer_claim_number: str,
    reason: str,
    expected_version: int | None,
    repo: ClaimsRepository,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Claim:
    """paid | partially paid | denied -> voided (409 otherwise or when stale; 422 without the
    payer's claim number). The void is then submitted like any claim (voided -> queued)."""
    claim = repo.get_claim(caller.practice_id, claim_id)
    if claim is None:
        raise NotFoundError("claim not found")
    if expected_version is not None and expected_version != claim.version:
        raise ConflictError(
            "the claim changed since it was read; reload it and retry",
            details={"current_version": claim.version},
        )
    after = transition(
        claim,
        ClaimStatus.VOIDED,
        at=now(),
        by=caller.username,
        reason=reason,
        payer_claim_number=payer_claim_number,
    )
    audit = AuditRecord.of(caller, Action.UPDATE, CLAIM, claim_id, patient_id=claim.patient_id)
    for _ in range(5):
        auth = next(
            (
                a
                for a in repo.authorizations_of(caller.practice_id, claim.patient_id)
                if a.authorization_id == claim.authorization_id
            ),
            None,
        )
        if auth is None:  # none used (or the record is gone): nothing to give back
            repo.save_claim(after, previous_version=claim.version, audit=audit)
            return after
        try:
            repo.save_claim_with_authorization(
                replace(after, authorization_id=""),
                previous_version=claim.version,
                auth=auth.given_back(caller.username, now()),
                auth_version=auth.version,
                audit=audit,
            )
        except AuthorizationChangedError:
            continue
        return replace(after, authorization_id="")
    raise ConflictError("the authorization is busy; retry")
