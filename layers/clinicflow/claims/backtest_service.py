"""Scrubber backtest use case: the practice's current rules over the claims it sent in a window.

Takes every send from `from_date` to `to_date` (optionally to one payer) that the payer
answered (rejected, denied, accepted, paid, partially paid), as the claim was sent: the stored
claim when nothing changed since the answer, else the claim as its 837P file holds it (a
rejected claim fixed and sent again is tested as it was rejected). Each is scrubbed with the
practice's **current** rule settings as of the day it was sent: `today` is the send date
(timely filing, dates in the future), possible duplicates are only the claims created before
it was sent, and the prior-authorization visit the claim itself used is counted as still
available. Nothing is written except one READ audit record for the run.

The context is built as `service.scrub_claim` builds it (`claims/scrub_inputs.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.backtest import (
    BacktestReport,
    Case,
    ScrubAsSent,
    Send,
    as_sent_from_file,
    run_backtest,
    split_sends,
)
from clinicflow.claims.model import Authorization, Claim, ClaimStatus, Frequency
from clinicflow.claims.scrub_inputs import ScrubReads, duplicate_window, scrub_context
from clinicflow.claims.scrubber import RuleSettings, ScrubReport, scrub
from clinicflow.claims.service import AuditLog
from clinicflow.codesets.service import CachedTables, ReferenceTables
from clinicflow.platform.errors import FieldError, ValidationError
from clinicflow.platform.identity import Caller

BACKTEST = "claim_backtest"
MAX_WINDOW_DAYS = 366
MAX_CLAIMS = 1000  # sends per run: one API call, well within its 15 s (~4 ms a claim locally)


# --- the window ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """Claims last sent from `first` to `last` (inclusive, UTC days), optionally to one payer."""

    first: date
    last: date
    payer_id: str | None = None

    def covers(self, claim: Claim) -> bool:
        """True when the claim is to the window's payer (or the window has none)."""
        return self.payer_id is None or claim.payer.payer_id == self.payer_id

    def holds(self, sent_at: datetime) -> bool:
        """True when a send at `sent_at` falls in the window."""
        return self.first <= sent_at.date() <= self.last

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


class SentFiles(Protocol):
    """The claims of the 837P files the practice sent (`submission.sent_files`)."""

    def claims_in_file(self, practice_id: str, file_id: str) -> Mapping[str, Claim]:
        """The file's claims by claim id, as sent ({} when it cannot be read)."""
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


def _read_back(
    practice_id: str, reads: Sequence[tuple[Claim, Send]], files: SentFiles, workers: int
) -> tuple[list[Case], int]:
    """Cases of sends whose content only their files hold, and how many could not be read."""
    file_ids = sorted({send.file_id for _, send in reads if send.file_id})

    def read(file_id: str) -> tuple[str, Mapping[str, Claim]]:
        return file_id, files.claims_in_file(practice_id, file_id)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        held = dict(pool.map(read, file_ids))
    cases: list[Case] = []
    untested = 0
    for stored, send in reads:
        sent = held.get(send.file_id, {}).get(stored.claim_id)
        if sent is None:
            untested += 1
        elif sent.frequency is not Frequency.VOID:
            claim = as_sent_from_file(stored, sent, send.sent_at)
            cases.append(Case(claim, send.outcome, send.sent_at, send.reason, send.file_id))
    return cases, untested


def backtest_claims(
    caller: Caller,
    window: Window,
    *,
    index: OutcomeIndex,
    repo: ScrubSources,
    files: SentFiles,
    tables: ReferenceTables | None,
    timely_filing_days: Callable[[str], int | None],
    audit: AuditLog,
    workers: int = 8,
) -> BacktestReport:
    """The backtest report of the answered sends in the window (writes no claim)."""
    claims = [
        claim
        for status in ClaimStatus
        for claim in index.claims_updated_since(
            caller.practice_id, status, window.first, window.payer_id
        )
        if window.covers(claim)
    ]
    audit.append([AuditRecord.of(caller, Action.READ, BACKTEST, window.resource_id)])
    cases: list[Case] = []
    reads: list[tuple[Claim, Send]] = []
    for claim in claims:
        latest, earlier = split_sends(claim)
        if latest is not None and window.holds(latest.sent_at):
            cases.append(latest)
        reads += [(claim, send) for send in earlier if window.holds(send.sent_at)]
    if len(cases) + len(reads) > MAX_CLAIMS:
        raise ValidationError(
            FieldError(
                "from_date",
                f"the window holds more than {MAX_CLAIMS} answered sends: shorten it "
                "or give a payer_id",
            )
        )
    read_back, untested = _read_back(caller.practice_id, reads, files, workers)
    cases += read_back
    scrub_one = scrubber_as_sent(
        caller.practice_id,
        cases,
        repo=repo,
        tables=tables,
        timely_filing_days=timely_filing_days,
        workers=workers,
    )
    return run_backtest(cases, scrub_one, untested=untested)
