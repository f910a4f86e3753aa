"""What the scrubber reads for one claim, shared by `service.scrub_claim` and the backtest: the
patient's claims in one window of dates (possible duplicates) and the payer's authorizations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Protocol

from clinicflow.claims.model import MAX_LINE_SPAN_DAYS, Authorization, Claim
from clinicflow.claims.scrubber import ScrubContext
from clinicflow.codesets.service import ReferenceTables


class ScrubReads(Protocol):
    """The claims repository's reads the scrubber needs."""

    def claims_of_patient(
        self, practice_id: str, patient_id: str, first: date, last: date
    ) -> list[Claim]: ...
    def authorizations_of(self, practice_id: str, patient_id: str) -> list[Authorization]: ...


def duplicate_window(claim: Claim) -> tuple[date, date]:
    """The dates of service of the patient's claims that could repeat one of its lines."""
    dates = [claim.service_date, *(line.service_date for line in claim.lines)]
    return min(dates) - timedelta(days=MAX_LINE_SPAN_DAYS), max(dates)


def _before_use(auth: Authorization, claim: Claim) -> Authorization:
    """The authorization before this claim took its visit (when it took one)."""
    if auth.authorization_id != claim.authorization_id or auth.visits_used <= 0:
        return auth
    return replace(auth, visits_used=auth.visits_used - 1)


def scrub_context(
    claim: Claim,
    *,
    today: date,
    other_claims: Sequence[Claim],
    authorizations: Sequence[Authorization],
    tables: ReferenceTables | None,
    timely_filing_days: int | None,
    sent_at: datetime | None = None,
) -> ScrubContext:
    """The claim's ScrubContext: the payer's authorizations, the patient's other claims.

    With `sent_at`, as the claim stood when it was sent: other claims created before then
    only, and the visit it used back on its authorization."""
    auths = [a for a in authorizations if a.payer_id == claim.payer.payer_id]
    others = list(other_claims)
    if sent_at is not None:
        others = [o for o in others if o.created_at < sent_at and o.claim_id != claim.claim_id]
        auths = [_before_use(a, claim) for a in auths]
    return ScrubContext(
        claim=claim,
        today=today,
        tables=tables,
        authorizations=auths,
        other_claims=others,
        claim_id_taken=False,  # CLM01 uniqueness is a condition of the put that created it
        timely_filing_days=timely_filing_days,
    )


def read_scrub_context(
    claim: Claim,
    *,
    repo: ScrubReads,
    tables: ReferenceTables | None,
    timely_filing_days: int | None,
    today: date,
) -> ScrubContext:
    """Read what the rules need and build the context (what `scrub_claim` does)."""
    first, last = duplicate_window(claim)
    return scrub_context(
        claim,
        today=today,
        other_claims=repo.claims_of_patient(claim.practice_id, claim.patient_id, first, last),
        authorizations=repo.authorizations_of(claim.practice_id, claim.patient_id),
        tables=tables,
        timely_filing_days=timely_filing_days,
    )
