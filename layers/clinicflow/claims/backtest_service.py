"""Scrubber backtest use case: the practice's current rules over the claims it sent in a window.

Lists the claims payers answered (rejected, denied, accepted, paid, partially paid) that were
last sent from `from_date` to `to_date`, optionally to one payer, and scrubs each one with the
practice's **current** rule settings as of the day it was sent: `today` is the send date
(timely filing, dates in the future), possible duplicates are only the claims created before
it was sent, and the prior-authorization visit the claim itself used is counted as still
available. Nothing is written except one READ audit record for the run.

The context is built as `service.scrub_claim` builds it (`claims/scrub_inputs.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.backtest import (
    OUTCOMES,
    BacktestReport,
    Case,
    ScrubAsSent,
    case_of,
    run_backtest,
    superseded,
)
from clinicflow.claims.model import Authorization, Claim, ClaimStatus
from clinicflow.claims.scrub_inputs import ScrubReads, duplicate_window, scrub_context
from clinicflow.claims.scrubber import RuleSettings, ScrubReport, scrub
from clinicflow.claims.service import AuditLog
from clinicflow.codesets.service import CachedTables, ReferenceTables
from clinicflow.platform.errors import FieldError, ValidationError
from clinicflow.platform.identity import Caller

BACKTEST = "claim_backtest"
MAX_WINDOW_DAYS = 366
MAX_CLAIMS = 1000  # one API call, well within its 15 s (about 4 ms a claim on DynamoDB Local)


# --- the window ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """Claims last sent from `first` to `last` (inclusive, UTC days), optionally to one payer."""

    first: date
    last: date
    payer_id: str | None = None

    def holds(self, case: Case) -> bool:
        """True when the case was sent in the window (to the payer, when one is given)."""
        payer_ok = self.payer_id is None or case.claim.payer.payer_id == self.payer_id
        return payer_ok and self.first <= case.sent_on <= self.last

    @property
    def resource_id(self) -> str:
        """The run as the audit trail names it (dates and payer id only)."""
        return f"{self.first.isoformat()}..{self.last.isoformat()}#{self.payer_id or '*'}"


def check_window(first: date, last: date, payer_id: str | None = None) -> Window:
    """The window; 422 naming `to_date` when it ends before it starts or spans > 366 days."""
    if last < first:
        raise ValidationError(FieldError("to_date", "must be on or after from_date"))
    if (last - first).days + 1 > MAX_WINDOW_DAYS:
        raise ValidationError(
            FieldError("to_date", f"must be within {MAX_WINDOW_DAYS} days of from_date")
        )
    return Window(first, last, payer_id or None)


# --- ports -----------------------------------------------------------------------------------
class OutcomeIndex(Protocol):
    """Claims by lifecycle state."""

    def claims_updated_since(
        self, practice_id: str, status: ClaimStatus, since: date, payer_id: str | None
    ) -> Iterable[Claim]:
        """Claims in `status` last changed on or after `since` (of one payer when given)."""
        ...


class ScrubSources(ScrubReads, Protocol):
    """What a scrub reads besides the claim (see store.DynamoClaimsStore)."""

    def rule_settings(self, practice_id: str) -> list[RuleSettings]: ...


# --- the use case ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _PatientFacts:
    others: list[Claim]
    authorizations: list[Authorization]


def _patient_facts(
    practice_id: str, cases: Sequence[Case], repo: ScrubSources, workers: int
) -> dict[str, _PatientFacts]:
    """Each patient's claims (one window over all their cases) and authorizations, read once."""
    windows: dict[str, tuple[date, date]] = {}
    for case in cases:
        first, last = duplicate_window(case.claim)
        known = windows.get(case.claim.patient_id, (first, last))
        windows[case.claim.patient_id] = (min(known[0], first), max(known[1], last))

    def read(patient_id: str) -> tuple[str, _PatientFacts]:
        first, last = windows[patient_id]
        return patient_id, _PatientFacts(
            repo.claims_of_patient(practice_id, patient_id, first, last),
            repo.authorizations_of(practice_id, patient_id),
        )

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return dict(pool.map(read, sorted(windows)))


def scrubber_as_sent(
    practice_id: str,
    cases: Sequence[Case],
    *,
    repo: ScrubSources,
    tables: ReferenceTables | None,
    timely_filing_days: Callable[[str], int | None],
    workers: int = 8,
) -> ScrubAsSent:
    """A function scrubbing one of `cases` with the practice's current settings, as sent."""
    facts = _patient_facts(practice_id, cases, repo, workers)
    settings = repo.rule_settings(practice_id)
    filing = cache(timely_filing_days)
    cached = CachedTables(tables) if tables is not None else None

    def scrub_one(case: Case) -> ScrubReport:
        claim = case.claim
        found = facts[claim.patient_id]
        ctx = scrub_context(
            claim,
            today=case.sent_on,
            other_claims=found.others,
            authorizations=found.authorizations,
            tables=cached,
            timely_filing_days=filing(claim.payer.payer_id),
            sent_at=case.sent_at,
        )
        return scrub(ctx, settings)

    return scrub_one


def backtest_claims(
    caller: Caller,
    window: Window,
    *,
    index: OutcomeIndex,
    repo: ScrubSources,
    tables: ReferenceTables | None,
    timely_filing_days: Callable[[str], int | None],
    audit: AuditLog,
    workers: int = 8,
) -> BacktestReport:
    """The backtest report of the claims the practice sent in the window (writes no claim)."""
    claims = [
        claim
        for status in OUTCOMES
        for claim in index.claims_updated_since(
            caller.practice_id, status, window.first, window.payer_id
        )
    ]
    audit.append([AuditRecord.of(caller, Action.READ, BACKTEST, window.resource_id)])
    cases = [c for c in map(case_of, claims) if c is not None and window.holds(c)]
    if len(cases) > MAX_CLAIMS:
        raise ValidationError(
            FieldError(
                "from_date",
                f"the window holds more than {MAX_CLAIMS} sent claims: shorten it "
                "or give a payer_id",
            )
        )
    gone = sum(
        superseded(c, window.first, window.last)
        for c in claims
        if window.payer_id in {None, c.payer.payer_id}
    )
    scrub_one = scrubber_as_sent(
        caller.practice_id,
        cases,
        repo=repo,
        tables=tables,
        timely_filing_days=timely_filing_days,
        workers=workers,
    )
    return run_backtest(cases, scrub_one, superseded=gone)
