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

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims import serial
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
from clinicflow.claims.scrub_inputs import duplicate_window, scrub_context
from clinicflow.claims.scrubber import RuleSettings, ScrubReport, scrub
from clinicflow.claims.service import AuditLog
from clinicflow.claims.store import ClaimsItem
from clinicflow.codesets.procedures import HcpcsCode, MueLimit, PtpEdit
from clinicflow.codesets.service import ReferenceTables
from clinicflow.platform.dynamo import tenant_key
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


class ScrubSources(Protocol):
    """What a scrub reads besides the claim (see store.DynamoClaimsStore)."""

    def claims_of_patient(
        self, practice_id: str, patient_id: str, first: date, last: date
    ) -> list[Claim]: ...
    def authorizations_of(self, practice_id: str, patient_id: str) -> list[Authorization]: ...
    def rule_settings(self, practice_id: str) -> list[RuleSettings]: ...


class DynamoOutcomeIndex:
    """OutcomeIndex over the claim state index (GSI2 `<p>#CLAIM_STATE#<status>`, sort key
    `<payer_id>#<updated_at>#<claim_id>`): with a payer, one key range from `since`; without,
    the state's whole partition, filtered here. A claim changes after it is sent, never
    before, so every claim sent since `since` is in the range."""

    def claims_updated_since(
        self, practice_id: str, status: ClaimStatus, since: date, payer_id: str | None
    ) -> Iterator[Claim]:
        """Claims in the state updated on or after `since`."""
        key = tenant_key(practice_id, "CLAIM_STATE", status.value)
        condition = (
            ClaimsItem.gsi2sk.between(f"{payer_id}#{since.isoformat()}", f"{payer_id}#~")
            if payer_id
            else None
        )
        for item in ClaimsItem.by_state.query(key, condition):
            changed = str(item.gsi2sk or "").split("#")
            if len(changed) == 3 and changed[1][:10] < since.isoformat():
                continue  # changed before the window: not parsed
            claim = serial.loads(Claim, item.body)
            if claim.updated_at.date() >= since:
                yield claim


class CachedTables:
    """ReferenceTables that read the table list, each code and each pair once (a backtest
    scrubs many claims sharing codes)."""

    def __init__(self, tables: ReferenceTables) -> None:
        self._tables = tables
        self._loaded: frozenset[str] | None = None
        self._hcpcs: dict[str, HcpcsCode | None] = {}
        self._mue: dict[str, MueLimit | None] = {}
        self._ptp: dict[tuple[str, str], list[PtpEdit]] = {}

    def loaded(self) -> frozenset[str]:
        """Which tables are loaded (read once)."""
        if self._loaded is None:
            self._loaded = self._tables.loaded()
        return self._loaded

    def hcpcs(self, codes: Iterable[str]) -> dict[str, HcpcsCode]:
        """Known HCPCS codes among `codes`."""
        wanted = set(codes)
        if missing := wanted - self._hcpcs.keys():
            found = self._tables.hcpcs(missing)
            self._hcpcs.update({c: found.get(c) for c in missing})
        return {c: v for c in wanted if (v := self._hcpcs[c]) is not None}

    def mue(self, codes: Iterable[str]) -> dict[str, MueLimit]:
        """MUE limits of `codes`."""
        wanted = set(codes)
        if missing := wanted - self._mue.keys():
            found = self._tables.mue(missing)
            self._mue.update({c: found.get(c) for c in missing})
        return {c: v for c in wanted if (v := self._mue[c]) is not None}

    def ptp(self, pairs: Iterable[tuple[str, str]]) -> list[PtpEdit]:
        """Edits of the given pairs."""
        wanted = set(pairs)
        if missing := wanted - self._ptp.keys():
            self._ptp.update({p: [] for p in missing})
            for edit in self._tables.ptp(missing):
                self._ptp.setdefault((edit.column1, edit.column2), []).append(edit)
        return [e for p in sorted(wanted) for e in self._ptp[p]]


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
