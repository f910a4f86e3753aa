"""The scrubber backtest: the pure report over cases, the use case with in-memory fakes (scrubbed
as of the day each claim was sent), the window checks and the CLI's rendering."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from claims_support import DOS, line, make_authorization, make_claim
from submission_support import PRACTICE, profile

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.backtest import (
    Case,
    Outcome,
    Send,
    answered_sends,
    as_sent_from_file,
    payer_reason,
    run_backtest,
    split_sends,
)
from clinicflow.claims.backtest_service import (
    MAX_CLAIMS,
    Window,
    backtest_claims,
    check_window,
)
from clinicflow.claims.cli import backtest_event, format_backtest
from clinicflow.claims.model import (
    Adjudication,
    Adjustment,
    Authorization,
    AuthorizationKind,
    Claim,
    ClaimStatus,
    Frequency,
    Override,
    Transition,
)
from clinicflow.claims.scrub_inputs import read_scrub_context
from clinicflow.claims.scrubber import RuleSettings, ScrubContext, ScrubReport, scrub
from clinicflow.claims.submission import codec
from clinicflow.claims.submission.model import file_key
from clinicflow.claims.submission.sent_files import SentClaimFiles
from clinicflow.clearinghouse.claims_port import MemoryObjects
from clinicflow.codesets.procedures import MueLimit, PtpEdit
from clinicflow.codesets.service import CachedTables, InMemoryReferenceTables
from clinicflow.platform.errors import ValidationError
from clinicflow.platform.identity import Caller, Role

S = ClaimStatus
REJECTED_REASON = (
    "277CA Acknowledgement/Rejected for invalid information: Entity's contract/member number "
    "(Insured or subscriber)"
)
SENT = datetime(2026, 5, 6, 15, 30, tzinfo=UTC)
BAD_POINTER = line(pointers=(1, 3))  # the claim has two diagnoses: pointer 3 points nowhere
BAD_MODIFIER = line(procedure="93000", modifiers=("25",), pointers=(2,))  # 25 on a non-E/M


def answered(
    claim: Claim,
    outcome: ClaimStatus,
    *,
    sent: datetime = SENT,
    reason: str = "",
    file_id: str = "F1",
) -> Claim:
    """The claim sent at `sent` in file `file_id` and answered: its history up to `outcome`."""
    steps = [
        (S.DRAFT, S.READY, sent - timedelta(hours=2), "scrubbed clean"),
        (S.READY, S.QUEUED, sent - timedelta(hours=1), ""),
        (S.QUEUED, S.SUBMITTED, sent, f"sent in file {file_id}"),
    ]
    later = sent + timedelta(days=1)
    if outcome is S.REJECTED:
        steps.append((S.SUBMITTED, S.REJECTED, later, reason))
    else:
        steps.append((S.SUBMITTED, S.ACCEPTED, later, "277CA accepted"))
        if outcome is not S.ACCEPTED:
            steps.append((S.ACCEPTED, outcome, later + timedelta(days=9), reason))
    history = tuple(Transition(a, b, at, "biller", why) for a, b, at, why in steps)
    number = "" if outcome is S.REJECTED else f"PCN{claim.claim_id}"  # the 277CA's REF*1K
    return replace(
        claim,
        status=outcome,
        history=history,
        updated_at=history[-1].at,
        payer_claim_number=claim.payer_claim_number or number,
    )


def claim_n(n: int, **changes: Any) -> Claim:
    """The baseline claim with its own id, encounter and patient; the total follows the lines."""
    base = {
        "claim_id": f"C2605040{n:05d}",
        "encounter_id": f"enc-{n}",
        "patient_id": f"pat-{n}",
        "created_at": SENT - timedelta(days=1),
    }
    claim = make_claim(**{**base, **changes})
    return replace(claim, total_charge=claim.sum_of_lines)


def scrub_as_sent(settings: Iterable[RuleSettings] = (), filing: int | None = None) -> Any:
    """Scrub a case with `today` = its send date (what the use case does, without reads)."""

    def run(case: Case) -> ScrubReport:
        ctx = ScrubContext(case.claim, today=case.sent_on, timely_filing_days=filing)
        return scrub(ctx, list(settings))

    return run


def case_of(claim: Claim) -> Case | None:
    """The case of the claim's latest send, on the stored claim."""
    return split_sends(claim)[0]


def cases(*claims: Claim) -> list[Case]:
    found = [case_of(c) for c in claims]
    assert all(found)
    return [c for c in found if c is not None]


# --- cases -----------------------------------------------------------------------------------
def test_a_case_is_the_outcome_the_reason_and_the_last_send() -> None:
    rejected = answered(claim_n(1), S.REJECTED, reason=REJECTED_REASON)
    (case,) = cases(rejected)
    assert case.outcome is Outcome.REJECTED and case.bad
    assert case.reason == REJECTED_REASON and case.sent_at == SENT
    assert case.sent_on == date(2026, 5, 6)
    for status in (S.ACCEPTED, S.PAID, S.PARTIALLY_PAID):
        (case,) = cases(answered(claim_n(2), status))
        assert case.outcome is Outcome.ACCEPTED and not case.bad and case.reason == ""
        # as sent: an original had no payer claim number yet (`frequency.reference`)
        assert case.claim.payer_claim_number == "" and case.claim.adjudication is None
    replacement = claim_n(7, frequency=Frequency.REPLACEMENT, payer_claim_number="PCN-OLD")
    (case,) = cases(answered(replacement, S.ACCEPTED))
    assert case.claim.payer_claim_number == "PCN-OLD"  # sent with it (REF*F8)
    # sent, rejected, fixed, sent again: the last send is the stored claim, the first is in F1
    resent = answered(claim_n(3), S.ACCEPTED, sent=SENT + timedelta(days=20))
    resent = replace(resent, history=rejected.history + resent.history)
    latest, earlier = split_sends(resent)
    assert latest is not None and latest.sent_at == SENT + timedelta(days=20)
    assert earlier == [Send("F1", SENT, Outcome.REJECTED, REJECTED_REASON)]
    # not answered, never sent, or a void: no case
    assert case_of(claim_n(4, status=S.SUBMITTED)) is None
    assert case_of(claim_n(5, status=S.ACCEPTED)) is None
    void = answered(claim_n(6), S.ACCEPTED)
    assert case_of(replace(void, frequency=Frequency.VOID, payer_claim_number="P1")) is None
    # reworked since its rejection (back to draft): only its file holds what was sent
    assert split_sends(replace(rejected, status=S.DRAFT)) == (
        None,
        [Send("F1", SENT, Outcome.REJECTED, REJECTED_REASON)],
    )


def test_a_denial_gives_the_payers_adjustment_reasons() -> None:
    decision = Adjudication(
        Decimal("0"),
        date(2026, 5, 20),
        adjustments=(
            Adjustment("CO", "50", Decimal("120.00")),
            Adjustment("CO", "50", Decimal("45.50")),
        ),
    )
    denied = answered(claim_n(1), S.DENIED, reason="payer decision recorded")
    assert payer_reason(replace(denied, adjudication=decision)) == "claim adjustment reasons CO-50"
    assert payer_reason(denied) == "payer decision recorded"
    (case,) = cases(denied)
    assert case.outcome is Outcome.DENIED and case.bad


def test_a_sends_answer_is_its_last_outcome_before_the_next_send() -> None:
    first = answered(claim_n(1), S.REJECTED, reason="bad member id")
    later = SENT + timedelta(days=30)
    again = answered(claim_n(1), S.DENIED, sent=later, reason="CO-50")
    again = replace(
        again,
        history=tuple(
            replace(t, reason="sent in file F2") if t.to_status is S.SUBMITTED else t
            for t in again.history
        ),
    )
    waiting = (Transition(S.DENIED, S.CORRECTED, later + timedelta(days=20), "biller"),)
    sends = answered_sends(replace(again, history=first.history + again.history + waiting))
    assert sends == [
        Send("F1", SENT, Outcome.REJECTED, "bad member id"),
        Send("F2", later, Outcome.DENIED, "CO-50"),  # accepted, then denied: denied
    ]
    assert answered_sends(claim_n(2, status=S.SUBMITTED)) == []


# --- the report ------------------------------------------------------------------------------
def test_rejected_fault_is_caught_clean_rejection_missed_accepted_fault_false_block() -> None:
    faulty = answered(
        claim_n(1, lines=(BAD_POINTER,)), S.REJECTED, reason="277CA rejected: invalid pointer"
    )
    clean_rejected = answered(claim_n(2), S.REJECTED, reason=REJECTED_REASON)
    faulty_accepted = answered(claim_n(3, lines=(line(), BAD_MODIFIER)), S.PAID)
    clean_accepted = answered(claim_n(4), S.ACCEPTED)
    report = run_backtest(
        cases(faulty, clean_rejected, faulty_accepted, clean_accepted), scrub_as_sent()
    )
    assert report.counts == {Outcome.REJECTED: 2, Outcome.DENIED: 0, Outcome.ACCEPTED: 2}
    assert report.total == 4
    (caught,) = report.caught
    assert (caught.claim_id, caught.payer_id, caught.rule_ids) == (
        faulty.claim_id,
        "MRDN1",
        ("pointers.valid",),
    )
    assert caught.reason == "277CA rejected: invalid pointer"
    (missed,) = report.missed
    assert (missed.claim_id, missed.reason) == (clean_rejected.claim_id, REJECTED_REASON)
    (blocked,) = report.false_blocks
    assert (blocked.claim_id, blocked.rule_ids) == (faulty_accepted.claim_id, ("modifiers.25",))
    assert [(r.rule_id, r.caught, r.false_blocks) for r in report.rules] == [
        ("pointers.valid", 1, 0),
        ("modifiers.25", 0, 1),
    ]
    assert report.missed_reasons() == [(REJECTED_REASON, 1)]


def test_counts_per_rule_over_many_claims() -> None:
    claims = [
        answered(claim_n(1, lines=(BAD_POINTER,)), S.REJECTED, reason="r1"),
        answered(claim_n(2, lines=(BAD_POINTER, BAD_MODIFIER)), S.REJECTED, reason="r2"),
        answered(claim_n(3, lines=(line(), BAD_MODIFIER)), S.DENIED, reason="r3"),
        answered(claim_n(4, lines=(BAD_POINTER,)), S.ACCEPTED),
        answered(claim_n(5, lines=(line(), BAD_MODIFIER)), S.PARTIALLY_PAID),
        answered(claim_n(6, lines=(line(), BAD_MODIFIER)), S.ACCEPTED),
        answered(claim_n(7), S.DENIED, reason="r7"),
    ]
    report = run_backtest(cases(*claims), scrub_as_sent())
    scores = {r.rule_id: (r.caught, r.false_blocks) for r in report.rules}
    assert scores == {"pointers.valid": (2, 1), "modifiers.25": (2, 2)}
    assert [r.rule_id for r in report.rules] == ["pointers.valid", "modifiers.25"]
    assert [c.claim_id for c in report.caught] == [c.claim_id for c in claims[:3]]
    assert report.caught[1].rule_ids == ("modifiers.25", "pointers.valid")
    assert report.caught[2].outcome is Outcome.DENIED
    assert [m.reason for m in report.missed] == ["r7"]
    assert len(report.false_blocks) == 3
    assert report.counts[Outcome.DENIED] == 2 and report.counts[Outcome.ACCEPTED] == 3


def test_warnings_do_not_block() -> None:
    soon = answered(claim_n(1, service_date=DOS, lines=(line(),)), S.REJECTED, reason="x")
    # sent 80 days after the visit to a payer with 90 days: only the `soon` warning
    report = run_backtest(
        [replace(cases(soon)[0], sent_at=datetime(2026, 7, 23, tzinfo=UTC))],
        scrub_as_sent(filing=90),
    )
    assert report.caught == () and len(report.missed) == 1


def test_timely_filing_is_judged_as_of_the_send_date() -> None:
    """Sent 100 days after the visit to a 90-day payer: caught, whenever the backtest runs.
    Sent 80 days after it: fine, although today it is far past 90 days."""
    late = answered(
        claim_n(1), S.REJECTED, sent=datetime.combine(DOS, SENT.timetz()) + timedelta(days=100)
    )
    on_time = answered(
        claim_n(2), S.ACCEPTED, sent=datetime.combine(DOS, SENT.timetz()) + timedelta(days=80)
    )
    report = run_backtest(cases(late, on_time), scrub_as_sent(filing=90))
    assert [(c.claim_id, c.rule_ids) for c in report.caught] == [
        (late.claim_id, ("timely_filing",))
    ]
    assert report.false_blocks == ()
    today = ScrubContext(on_time, today=DOS + timedelta(days=300), timely_filing_days=90)
    assert "timely_filing" in {f.rule_id for f in scrub(today).findings}  # as of today: late


def test_a_date_of_service_after_the_send_date_is_caught() -> None:
    early = answered(claim_n(1), S.REJECTED, sent=datetime(2026, 5, 1, tzinfo=UTC), reason="x")
    report = run_backtest(cases(early), scrub_as_sent())
    assert [c.rule_ids for c in report.caught] == [("dates.not_future",)]


# --- the use case with fakes -----------------------------------------------------------------
class FakeIndex:
    """OutcomeIndex over a list of claims."""

    def __init__(self, claims: Iterable[Claim]) -> None:
        self.claims = list(claims)
        self.asked: list[tuple[ClaimStatus, date, str | None]] = []

    def claims_updated_since(
        self, practice_id: str, status: ClaimStatus, since: date, payer_id: str | None
    ) -> list[Claim]:
        self.asked.append((status, since, payer_id))
        return [
            c
            for c in self.claims
            if c.practice_id == practice_id
            and c.status is status
            and c.updated_at.date() >= since
            and payer_id in {None, c.payer.payer_id}
        ]


class FakeRepo:
    """ScrubSources in memory; it has no write methods, so nothing can be written."""

    def __init__(
        self,
        claims: Iterable[Claim],
        auths: Iterable[Authorization] = (),
        settings: Iterable[RuleSettings] = (),
    ) -> None:
        self.claims = list(claims)
        self.auths = list(auths)
        self.settings = list(settings)

    def claims_of_patient(
        self, practice_id: str, patient_id: str, first: date, last: date
    ) -> list[Claim]:
        return [
            c for c in self.claims if c.patient_id == patient_id and first <= c.service_date <= last
        ]

    def authorizations_of(self, practice_id: str, patient_id: str) -> list[Authorization]:
        return [a for a in self.auths if a.patient_id == patient_id]

    def rule_settings(self, practice_id: str) -> list[RuleSettings]:
        return self.settings


class FakeAudit:
    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, records: Iterable[AuditRecord]) -> None:
        self.records += list(records)


BILLER = Caller("biller-1", "sunrise", frozenset({Role.BILLER}), "203.0.113.9")
MAY = Window(date(2026, 5, 1), date(2026, 5, 31))


def run_use_case(
    claims: list[Claim],
    window: Window = MAY,
    *,
    others: Iterable[Claim] = (),
    auths: Iterable[Authorization] = (),
    settings: Iterable[RuleSettings] = (),
    filing: int | None = None,
    documents: MemoryObjects | None = None,
) -> tuple[Any, FakeAudit, FakeIndex]:
    audit = FakeAudit()
    index = FakeIndex(claims)
    report = backtest_claims(
        BILLER,
        window,
        index=index,
        repo=FakeRepo([*claims, *others], auths, settings),
        files=SentClaimFiles(documents or MemoryObjects()),
        tables=None,
        timely_filing_days=lambda payer: filing,
        audit=audit,
        workers=2,
    )
    return report, audit, index


def test_use_case_reads_outcome_states_in_the_window_and_audits_the_run_once() -> None:
    in_may = answered(claim_n(1), S.REJECTED, reason="r")
    in_june = answered(claim_n(2), S.ACCEPTED, sent=datetime(2026, 6, 2, tzinfo=UTC))
    other_payer = answered(claim_n(3, payer=replace(make_claim().payer, payer_id="SMTM2")), S.PAID)
    waiting = claim_n(4, status=S.SUBMITTED)
    report, audit, index = run_use_case([in_may, in_june, other_payer, waiting])
    assert report.counts == {Outcome.REJECTED: 1, Outcome.DENIED: 0, Outcome.ACCEPTED: 1}
    assert {s for s, _, _ in index.asked} == set(S)  # sends of claims reworked since count too
    (record,) = audit.records
    assert (record.action, record.resource_type, record.actor) == (
        Action.READ,
        "claim_backtest",
        "biller-1",
    )
    assert record.resource_id == "2026-05-01..2026-05-31#*" and record.patient_id == ""
    one_payer, _, index = run_use_case(
        [in_may, in_june, other_payer], Window(MAY.first, MAY.last, "SMTM2")
    )
    assert one_payer.total == 1 and one_payer.false_blocks == ()
    assert {p for _, _, p in index.asked} == {"SMTM2"}


def test_use_case_judges_filing_as_sent_with_current_settings() -> None:
    visit = date(2026, 2, 9)
    late = answered(
        claim_n(1, service_date=visit, lines=(line(service_date=visit),)),
        S.REJECTED,
        sent=datetime(2026, 5, 20, 9, tzinfo=UTC),
        reason="too late",
    )
    on_time = answered(
        claim_n(2, service_date=visit, lines=(line(service_date=visit),)),
        S.PAID,
        sent=datetime(2026, 4, 30, 9, tzinfo=UTC) + timedelta(days=1),
    )  # sent 81 days after the visit: on time then, whatever the day the backtest runs
    april_to_may = Window(date(2026, 4, 1), date(2026, 5, 31))
    report, _, _ = run_use_case([late, on_time], april_to_may, filing=90)
    assert [(c.claim_id, c.rule_ids) for c in report.caught] == [
        (late.claim_id, ("timely_filing",))
    ]
    assert report.false_blocks == () and report.counts[Outcome.ACCEPTED] == 1
    off = [RuleSettings("sunrise", "*", enabled={"timely_filing": False})]
    report, _, _ = run_use_case([late], filing=90, settings=off)  # switched off today
    assert report.caught == () and [m.reason for m in report.missed] == ["too late"]


def test_duplicates_only_against_claims_created_before_the_send() -> None:
    first = answered(claim_n(1, created_at=SENT - timedelta(days=2)), S.ACCEPTED)
    later_sent = SENT + timedelta(days=3)
    same_patient = claim_n(2, patient_id="pat-1", created_at=SENT + timedelta(days=2))
    second = answered(same_patient, S.REJECTED, sent=later_sent, reason="dup")
    report, _, _ = run_use_case([first, second])
    assert [(c.claim_id, c.rule_ids) for c in report.caught] == [
        (second.claim_id, ("duplicate.possible",))
    ]
    assert report.false_blocks == ()  # `first` went out before `second` existed


def test_the_visit_a_claim_used_counts_as_still_available() -> None:
    settings = [
        RuleSettings("sunrise", "MRDN1", params={"prior_auth.required": {"procedures": ["97110"]}})
    ]
    auth = make_authorization(
        visits_allowed=1, visits_used=1
    )  # the visit was taken by the claim below when it was queued
    pt = line(procedure="97110", pointers=(1,))
    used = answered(
        claim_n(1, lines=(pt,), prior_auth_number="PA-100", authorization_id="auth-1"), S.PAID
    )
    report, _, _ = run_use_case([used], auths=[auth], settings=settings)
    assert report.false_blocks == ()
    without = answered(claim_n(2, lines=(pt,)), S.REJECTED, reason="auth missing")
    report, _, _ = run_use_case([without], auths=[auth], settings=settings)
    assert [c.rule_ids for c in report.caught] == [("prior_auth.required",)]


def sent_file(documents: MemoryObjects, file_id: str, *claims: Claim) -> None:
    """Store the 837P file the batcher would have sent with these claims."""
    content = codec.build_file(
        claims, profile(), file_id=file_id, control_number=int(file_id[7:]), created=SENT
    )
    documents.put(file_key(PRACTICE, file_id), content)


def test_a_rejected_send_fixed_since_is_tested_as_its_file_holds_it() -> None:
    """Rejected with a bad pointer, fixed and accepted: two cases. The rejection is tested on the
    claim as the 837P file F1 holds it (the stored claim holds the fix), and is caught."""
    as_rejected = claim_n(1, lines=(line(), BAD_POINTER))
    fixed = replace(as_rejected, lines=(line(), line(pointers=(1, 2))))
    first_file, second_file = "F260506000000001", "F260516000000002"
    first = answered(as_rejected, S.REJECTED, reason=REJECTED_REASON, file_id=first_file)
    again = answered(fixed, S.ACCEPTED, sent=SENT + timedelta(days=10), file_id=second_file)
    stored = replace(again, history=first.history + again.history)
    documents = MemoryObjects()
    sent_file(documents, first_file, as_rejected, claim_n(2))
    report, _, _ = run_use_case([stored], documents=documents)
    assert report.counts == {Outcome.REJECTED: 1, Outcome.DENIED: 0, Outcome.ACCEPTED: 1}
    assert [(c.claim_id, c.rule_ids, c.file_id) for c in report.caught] == [
        (stored.claim_id, ("pointers.valid",), first_file)
    ]
    assert report.false_blocks == () and report.untested == 0
    # without its file the rejected send cannot be tested, and says so
    report, _, _ = run_use_case([stored])
    assert report.untested == 1 and report.counts[Outcome.ACCEPTED] == 1


def test_a_send_read_back_keeps_our_ids_and_the_overrides_made_before_it() -> None:
    before = Override("duplicate.possible", "separate visit", "biller", SENT - timedelta(hours=1))
    after = Override(
        "duplicate.possible", "added in the rework", "biller", SENT + timedelta(days=2)
    )
    as_sent = claim_n(1, lines=(line(), BAD_POINTER))
    stored = replace(
        as_sent, lines=(line(),), total_charge=line().charge, overrides=(before, after)
    )
    documents = MemoryObjects()
    sent_file(documents, "F260506000000001", as_sent)
    (read,) = SentClaimFiles(documents).claims_in_file(PRACTICE, "F260506000000001").values()
    claim = as_sent_from_file(stored, read, SENT)
    assert claim.lines == as_sent.lines and claim.total_charge == as_sent.total_charge
    assert (claim.claim_id, claim.patient_id, claim.encounter_id) == (
        stored.claim_id, stored.patient_id, stored.encounter_id
    )  # fmt: skip
    assert claim.rendering == stored.rendering and claim.facility == stored.facility
    assert claim.overrides == (before,)
    assert SentClaimFiles(documents).claims_in_file(PRACTICE, "F260506000000099") == {}


def test_use_case_refuses_too_many_sends() -> None:
    many = [answered(claim_n(i), S.ACCEPTED) for i in range(MAX_CLAIMS + 1)]
    with pytest.raises(ValidationError) as refused:
        run_use_case(many)
    assert [e.field for e in refused.value.errors] == ["from_date"]


def test_read_scrub_context_reads_what_scrub_claim_reads() -> None:
    claim = claim_n(1)
    twin = claim_n(2, patient_id="pat-1")  # same visit, code and provider: a possible duplicate
    far = claim_n(3, patient_id="pat-1", service_date=DOS - timedelta(days=90))
    auth = Authorization(
        "sunrise", "auth-1", "pat-1", "MRDN1", AuthorizationKind.PRIOR_AUTH, "PA-1",
        DOS, DOS, 1,
    )  # fmt: skip
    elsewhere = replace(auth, authorization_id="auth-2", payer_id="SMTM2")
    ctx = read_scrub_context(
        claim,
        repo=FakeRepo([claim, twin, far], [auth, elsewhere]),
        tables=None,
        timely_filing_days=90,
        today=DOS + timedelta(days=1),
    )
    assert {c.claim_id for c in ctx.other_claims} == {claim.claim_id, twin.claim_id}
    assert [a.authorization_id for a in ctx.authorizations] == ["auth-1"]
    assert ctx.timely_filing_days == 90 and not ctx.claim_id_taken
    assert "duplicate.possible" in {f.rule_id for f in scrub(ctx).findings}


def test_window_checks_name_the_field() -> None:
    assert check_window(date(2026, 1, 1), date(2026, 12, 31), "") == Window(
        date(2026, 1, 1), date(2026, 12, 31), None
    )
    assert check_window(date(2024, 1, 1), date(2024, 12, 31)).last == date(2024, 12, 31)  # 366
    for first, last in ((date(2026, 5, 2), date(2026, 5, 1)), (date(2024, 1, 1), date(2025, 1, 1))):
        with pytest.raises(ValidationError) as bad:
            check_window(first, last)
        assert [e.field for e in bad.value.errors] == ["to_date"]


def test_cached_tables_read_each_code_and_pair_once() -> None:
    inner = InMemoryReferenceTables()
    inner.put_mue([MueLimit("93000", 1, "3", "")], "t")
    inner.put_ptp([PtpEdit("93000", "93005", date(1996, 1, 1), None, "0")], "t")
    reads: list[str] = []

    class Counting:
        def loaded(self) -> frozenset[str]:
            reads.append("loaded")
            return inner.loaded()

        def hcpcs(self, codes: Iterable[str]) -> dict[str, Any]:
            reads.append("hcpcs")
            return inner.hcpcs(codes)

        def mue(self, codes: Iterable[str]) -> dict[str, MueLimit]:
            reads.append("mue")
            return inner.mue(codes)

        def ptp(self, pairs: Iterable[tuple[str, str]]) -> list[PtpEdit]:
            reads.append("ptp")
            return inner.ptp(pairs)

    cached = CachedTables(Counting())
    for _ in range(3):
        assert cached.loaded() == frozenset({"MUE", "PTP"})
        assert set(cached.mue(["93000", "99213"])) == {"93000"}
        assert len(cached.ptp([("93000", "93005"), ("93005", "93000")])) == 1
    assert reads == ["loaded", "mue", "ptp"]


# --- the CLI's request and rendering -----------------------------------------------------------
def test_cli_event_and_table() -> None:
    event = backtest_event("sunrise", "cli:local", date(2026, 5, 1), date(2026, 5, 31), "MRDN1")
    assert event["queryStringParameters"] == {
        "from_date": "2026-05-01",
        "to_date": "2026-05-31",
        "payer_id": "MRDN1",
    }
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["custom:practice_id"] == "sunrise" and claims["cognito:groups"] == "admin"
    faulty = answered(claim_n(1, lines=(BAD_POINTER,)), S.REJECTED, reason="invalid pointer")
    clean = answered(claim_n(2), S.REJECTED, reason=REJECTED_REASON)
    blocked = answered(claim_n(3, lines=(line(), BAD_MODIFIER)), S.ACCEPTED)
    report = run_backtest(cases(faulty, clean, blocked), scrub_as_sent())
    text = format_backtest(
        {"from_date": "2026-05-01", "to_date": "2026-05-31", "payer_id": None, **report.as_dict()}
    )
    assert "3 answered sends - 2 rejected, 0 denied, 1 accepted" in text
    assert "Caught 1 of 2 rejected/denied, missed 1; would have blocked 1 of 1 accepted." in text
    assert f"{faulty.claim_id}  F1  MRDN1  rejected  pointers.valid  invalid pointer" in text
    assert f"{clean.claim_id}  F1  MRDN1  rejected  {REJECTED_REASON}" in text
    assert f"{blocked.claim_id}  F1  MRDN1  modifiers.25" in text
    assert "not tested" not in text
    untested = format_backtest(
        {"from_date": "2026-05-01", "to_date": "2026-05-31", "payer_id": None,
         **replace(report, untested=2).as_dict()}
    )  # fmt: skip
    assert "2 answered send(s) not tested: their 837P file could not be read back." in untested
    assert "Testpatient" not in text and "Robin" not in text  # ids and codes only
