"""The scrubber backtest: today's rules over claims payers already answered. Pure.

Each answered send of a claim is a `Case`: the claim as it was sent, what the payer made of
it (`rejected` by a 999/277CA, `denied` at adjudication, or `accepted`, which includes paid
and partially paid), the payer's reason, and when and in which file it was sent. A claim
rejected, fixed and sent again is two cases: the rejected send is the claim as its 837P file
holds it (`as_sent_from_file`), since the stored claim now holds the fix. `run_backtest`
scrubs each case as of the day it was sent, through a function the caller gives, and reports:

- `caught`: rejected or denied claims the rules block (the rules would have stopped them);
- `missed`: rejected or denied claims no rule blocks, with the payer's reason (rules worth
  adding);
- `false_blocks`: accepted claims the rules block (rules that cost clean claims);
- per rule, how many bad claims it caught and how many accepted claims it would have blocked.

The report names claim ids, payer ids, rule ids and payer reasons only: no PHI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from clinicflow.claims.model import Claim, ClaimStatus, Frequency, with_billed_content
from clinicflow.claims.scrubber import RULES, ScrubReport
from clinicflow.claims.submission.model import file_of_send


class Outcome(StrEnum):
    """What the payer made of a claim."""

    REJECTED = "rejected"
    DENIED = "denied"
    ACCEPTED = "accepted"


OUTCOMES: Mapping[ClaimStatus, Outcome] = {
    ClaimStatus.REJECTED: Outcome.REJECTED,
    ClaimStatus.DENIED: Outcome.DENIED,
    ClaimStatus.ACCEPTED: Outcome.ACCEPTED,
    ClaimStatus.PAID: Outcome.ACCEPTED,
    ClaimStatus.PARTIALLY_PAID: Outcome.ACCEPTED,
}
_BAD = frozenset({ClaimStatus.REJECTED, ClaimStatus.DENIED})


@dataclass(frozen=True)
class Case:
    """A claim as sent, with the payer's answer."""

    claim: Claim
    outcome: Outcome
    sent_at: datetime
    reason: str = ""
    file_id: str = ""

    @property
    def sent_on(self) -> date:
        """The day it was sent (UTC, as the scrubber's `today` when scrubbing)."""
        return self.sent_at.date()

    @property
    def bad(self) -> bool:
        """True when the payer rejected or denied it."""
        return self.outcome is not Outcome.ACCEPTED


@dataclass(frozen=True)
class Send:
    """One send of a claim and the payer's last answer to it."""

    file_id: str
    sent_at: datetime
    outcome: Outcome
    reason: str


def answered_sends(claim: Claim) -> list[Send]:
    """Each send the payer answered, oldest first. A send's answer is the last outcome step
    before the claim was sent again (accepted, then denied at adjudication: denied)."""
    sends: list[Send] = []
    sent: tuple[str, datetime] | None = None  # the latest send: file id, time
    for step in claim.history:
        if step.to_status is ClaimStatus.SUBMITTED:
            sent = (file_of_send(step.reason), step.at)
        elif step.to_status in OUTCOMES and sent is not None:
            answer = Send(*sent, OUTCOMES[step.to_status], step.reason)
            if sends and (sends[-1].file_id, sends[-1].sent_at) == sent:
                sends[-1] = answer  # a later answer to the same send
            else:
                sends.append(answer)
    return sends


def payer_reason(claim: Claim) -> str:
    """The payer's reason for a rejected or denied claim in plain words ("" otherwise).

    Rejected: the reason recorded with the rejection (the 999/277CA in words). Denied: the
    adjustment group and reason codes (CARC) of the payer's decision, else the step's reason.
    """
    if claim.status not in _BAD:
        return ""
    adjudication = claim.adjudication
    if claim.status is ClaimStatus.DENIED and adjudication and adjudication.all_adjustments:
        codes = sorted({f"{a.group}-{a.reason}" for a in adjudication.all_adjustments})
        return "claim adjustment reasons " + ", ".join(codes)
    steps = [s for s in claim.history if s.to_status is claim.status]
    return steps[-1].reason if steps else ""


def as_sent(claim: Claim) -> Claim:
    """The claim without what the payer added after it was sent: the payer claim number an
    original got with its acceptance (an original carries none; a replacement keeps the one it
    was sent with) and the payer's decision."""
    number = claim.payer_claim_number if claim.frequency is not Frequency.ORIGINAL else ""
    return replace(claim, payer_claim_number=number, adjudication=None)


def split_sends(claim: Claim) -> tuple[Case | None, list[Send]]:
    """The claim's latest answered send as a case on the stored claim, when nothing changed
    since the answer (and it is not a void), and the sends whose content only their 837P
    files still hold (earlier sends; every send of a claim reworked, closed or voided since).
    """
    sends = answered_sends(claim)
    if not sends or claim.status not in OUTCOMES:
        return None, sends
    latest, earlier = sends[-1], sends[:-1]
    if claim.frequency is Frequency.VOID:
        return None, earlier
    case = Case(as_sent(claim), latest.outcome, latest.sent_at, payer_reason(claim), latest.file_id)
    return case, earlier


def as_sent_from_file(stored: Claim, sent: Claim, sent_at: datetime) -> Claim:
    """The stored claim with the billable content of its copy in a sent 837P file (`sent`, read
    back by the codec): what the payer saw. Ids, the payer and coordination of benefits stay the
    stored claim's (an 837P carries no ids of ours), with the overrides recorded before
    `sent_at` only."""
    rendering, facility = sent.rendering, sent.facility
    if rendering and stored.rendering and rendering.npi == stored.rendering.npi:
        rendering = replace(rendering, provider_id=stored.rendering.provider_id)
    if facility and stored.facility:
        facility = replace(facility, location_id=stored.facility.location_id)
    return with_billed_content(
        stored,
        sent,
        rendering=rendering,
        facility=facility,
        frequency=sent.frequency,
        payer_claim_number=sent.payer_claim_number,
        overrides=tuple(o for o in stored.overrides if o.at <= sent_at),
        adjudication=None,
    )


@dataclass(frozen=True)
class Caught:
    """A rejected or denied claim the current rules block."""

    claim_id: str
    payer_id: str
    outcome: Outcome
    rule_ids: tuple[str, ...]
    reason: str
    file_id: str = ""


@dataclass(frozen=True)
class Missed:
    """A rejected or denied claim no current rule blocks."""

    claim_id: str
    payer_id: str
    outcome: Outcome
    reason: str
    file_id: str = ""


@dataclass(frozen=True)
class FalseBlock:
    """An accepted claim the current rules would have blocked."""

    claim_id: str
    payer_id: str
    rule_ids: tuple[str, ...]
    file_id: str = ""


@dataclass(frozen=True)
class RuleScore:
    """One rule over the cases: bad claims it caught, accepted claims it would have blocked."""

    rule_id: str
    caught: int
    false_blocks: int


@dataclass(frozen=True)
class BacktestReport:
    """What the current rules would have done to the claims sent in a window."""

    counts: Mapping[Outcome, int]
    caught: tuple[Caught, ...]
    missed: tuple[Missed, ...]
    false_blocks: tuple[FalseBlock, ...]
    rules: tuple[RuleScore, ...]
    untested: int = 0  # answered sends whose 837P file could not be read back

    @property
    def total(self) -> int:
        """Sends tested."""
        return sum(self.counts.values())

    def missed_reasons(self) -> list[tuple[str, int]]:
        """The payer's reasons of the missed claims, most frequent first."""
        tally = Counter(m.reason or "(no reason recorded)" for m in self.missed)
        return sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (ids, rule ids, reasons, counts)."""
        return {
            "total": self.total,
            "counts": {o.value: self.counts.get(o, 0) for o in Outcome},
            "caught": [
                {
                    "claim_id": c.claim_id,
                    "payer_id": c.payer_id,
                    "outcome": c.outcome.value,
                    "rule_ids": list(c.rule_ids),
                    "reason": c.reason,
                    "file_id": c.file_id,
                }
                for c in self.caught
            ],
            "missed": [
                {
                    "claim_id": m.claim_id,
                    "payer_id": m.payer_id,
                    "outcome": m.outcome.value,
                    "reason": m.reason,
                    "file_id": m.file_id,
                }
                for m in self.missed
            ],
            "false_blocks": [
                {
                    "claim_id": f.claim_id,
                    "payer_id": f.payer_id,
                    "rule_ids": list(f.rule_ids),
                    "file_id": f.file_id,
                }
                for f in self.false_blocks
            ],
            "rules": [
                {
                    "rule_id": r.rule_id,
                    "caught": r.caught,
                    "false_blocks": r.false_blocks,
                    "summary": known.summary if (known := RULES.get(r.rule_id)) else "",
                }
                for r in self.rules
            ],
            "missed_reasons": [{"reason": r, "count": n} for r, n in self.missed_reasons()],
            "untested": self.untested,
        }


ScrubAsSent = Callable[[Case], ScrubReport]


def blocking_rule_ids(report: ScrubReport) -> tuple[str, ...]:
    """The ids of the rules with a blocking finding, sorted, each once."""
    return tuple(sorted({f.rule_id for f in report.findings if f.blocks}))


def _scores(caught: Iterable[Caught], false_blocks: Iterable[FalseBlock]) -> tuple[RuleScore, ...]:
    hits = Counter(r for c in caught for r in c.rule_ids)
    costs = Counter(r for f in false_blocks for r in f.rule_ids)
    scores = [RuleScore(r, hits[r], costs[r]) for r in hits.keys() | costs.keys()]
    return tuple(sorted(scores, key=lambda s: (-s.caught, s.false_blocks, s.rule_id)))


def run_backtest(
    cases: Iterable[Case], scrub_as_sent: ScrubAsSent, *, untested: int = 0
) -> BacktestReport:
    """Scrub every case as of the day it was sent and score the rules against the outcomes."""
    counts: Counter[Outcome] = Counter()
    caught: list[Caught] = []
    missed: list[Missed] = []
    false_blocks: list[FalseBlock] = []
    for case in sorted(cases, key=lambda c: (c.claim.claim_id, c.sent_at)):
        counts[case.outcome] += 1
        rules = blocking_rule_ids(scrub_as_sent(case))
        ids = (case.claim.claim_id, case.claim.payer.payer_id)
        if case.bad and rules:
            caught.append(Caught(*ids, case.outcome, rules, case.reason, case.file_id))
        elif case.bad:
            missed.append(Missed(*ids, case.outcome, case.reason, case.file_id))
        elif rules:
            false_blocks.append(FalseBlock(*ids, rules, case.file_id))
    return BacktestReport(
        counts={o: counts[o] for o in Outcome},
        caught=tuple(caught),
        missed=tuple(missed),
        false_blocks=tuple(false_blocks),
        rules=_scores(caught, false_blocks),
        untested=untested,
    )
