"""Coordination of benefits: secondary claims' scrubber rules, and their 837P (pyx12-valid,
read back through our own parser to the same claims). Pure; synthetic data only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from claims_support import TODAY, make_claim, run
from submission_support import profile, pyx12_errors

from clinicflow.claims.model import (
    Adjudication,
    Adjustment,
    Claim,
    ClaimStatus,
    LineDecision,
    PayerRef,
    check_adjudication,
)
from clinicflow.claims.secondary import next_payer_claim, settled_status
from clinicflow.claims.submission.codec import build_file, to_x12_claim
from clinicflow.claims.submission.model import file_id_for
from clinicflow.platform.errors import ValidationError
from clinicflow.x12.claims import parse_837p

AT = datetime(2026, 5, 21, 9, 30, 0)
PRIMARY = make_claim(payer=PayerRef("MRDN1", "Meridian Health"), status=ClaimStatus.PAID)


def _decision(*, per_line: bool) -> Adjudication:
    """Meridian paid 100 of 165.50: 30.50 contractual, 35 coinsurance (patient)."""
    if not per_line:
        return Adjudication(
            Decimal("100"),
            date(2026, 5, 15),
            (
                Adjustment("CO", "45", Decimal("30.50")),
                Adjustment("PR", "2", Decimal("35")),
            ),
            payer_claim_number="MRDN-9001",
        )
    return Adjudication(
        Decimal("100"),
        date(2026, 5, 15),
        lines=(
            LineDecision(
                0,
                Decimal("80"),
                (Adjustment("CO", "45", Decimal("15")), Adjustment("PR", "2", Decimal("25"))),
            ),
            LineDecision(
                1,
                Decimal("20"),
                (Adjustment("CO", "45", Decimal("15.50")), Adjustment("PR", "2", Decimal("10"))),
            ),
        ),
        payer_claim_number="MRDN-9001",
    )


def _secondary(*, per_line: bool = True) -> Claim:
    prior = replace(PRIMARY, adjudication=_decision(per_line=per_line))
    billed = replace(
        prior,
        coverage_id="cov-2",
        payer=PayerRef("SMTM2", "Summit Mutual"),
        subscriber=replace(prior.subscriber, member_id="SMT-77", payer_responsibility="S"),
    )
    return next_payer_claim(prior, billed, claim_id="C260521SECOND", at=AT)


def _rules(claim: Claim) -> set[str]:
    return {rule for rule, _, _ in run(claim, today=TODAY)}


def test_next_payer_claim_carries_the_primary_and_its_decision() -> None:
    claim = _secondary()
    assert claim.status is ClaimStatus.DRAFT and claim.claim_id == "C260521SECOND"
    assert claim.subscriber.payer_responsibility == "S" and claim.payer.payer_id == "SMTM2"
    (primary,) = claim.other_payers
    assert primary.payer.payer_id == "MRDN1" and primary.claim_id == PRIMARY.claim_id
    assert primary.subscriber.payer_responsibility == "P"
    assert primary.adjudication is not None and primary.adjudication.paid == Decimal("100")
    assert claim.adjudication is None and claim.history == ()


@pytest.mark.parametrize("per_line", [True, False])
def test_a_balanced_secondary_claim_is_clean(per_line: bool) -> None:
    assert not _rules(_secondary(per_line=per_line)) & {"cob.other_payers", "cob.balance"}


def test_secondary_without_the_primary_is_blocked() -> None:
    claim = replace(_secondary(), other_payers=())
    findings = run(claim, today=TODAY)
    assert ("cob.other_payers", "other_payers", "error") in findings


def test_primary_without_its_decision_is_blocked() -> None:
    claim = _secondary()
    undecided = replace(claim.other_payers[0], adjudication=None)
    findings = run(replace(claim, other_payers=(undecided,)), today=TODAY)
    assert ("cob.other_payers", "other_payers.0.adjudication", "error") in findings


def test_tertiary_needs_primary_and_secondary() -> None:
    claim = _secondary()
    tertiary = replace(
        claim,
        subscriber=replace(claim.subscriber, payer_responsibility="T"),
        payer=PayerRef("HRBV3", "Harbor View"),
    )
    assert "cob.other_payers" in _rules(tertiary)


def test_adjustments_that_do_not_balance_are_blocked() -> None:
    claim = _secondary(per_line=False)
    decision = claim.other_payers[0].adjudication
    assert decision is not None
    short = replace(decision, adjustments=decision.adjustments[:1])  # the PR 35 left out
    findings = run(
        replace(claim, other_payers=(replace(claim.other_payers[0], adjudication=short),)),
        today=TODAY,
    )
    assert ("cob.balance", "other_payers.0.adjudication", "error") in findings


def test_line_decisions_must_balance_each_line_and_the_paid_amount() -> None:
    claim = _secondary()
    decision = claim.other_payers[0].adjudication
    assert decision is not None
    first = replace(decision.lines[0], paid=Decimal("90"))  # line 0: 90 + 40 != 120
    wrong = replace(decision, lines=(first, decision.lines[1]))
    other = replace(claim.other_payers[0], adjudication=wrong)
    fields = {f for r, f, _ in run(replace(claim, other_payers=(other,)), today=TODAY)}
    assert {"other_payers.0.adjudication.lines.0", "other_payers.0.adjudication.lines"} <= fields
    overpaid = replace(decision, paid=Decimal("200"), lines=())
    other = replace(claim.other_payers[0], adjudication=overpaid)
    fields = {f for r, f, _ in run(replace(claim, other_payers=(other,)), today=TODAY)}
    assert "other_payers.0.adjudication.paid" in fields


def test_primary_and_secondary_of_one_visit_are_not_duplicates() -> None:
    secondary = _secondary()
    assert "duplicate.possible" not in {
        r for r, _, _ in run(secondary, today=TODAY, other_claims=[PRIMARY])
    }
    again = replace(PRIMARY, claim_id="C260504OTHER1", encounter_id="enc-2")
    assert "duplicate.possible" in {r for r, _, _ in run(PRIMARY, other_claims=[again])}


def test_entered_decisions_are_checked() -> None:
    bad = Adjudication(
        Decimal("-1"),
        date(2026, 5, 15),
        (Adjustment("XX", "45!", Decimal("1.005")),),
        lines=(LineDecision(5, Decimal("1")),),
    )
    with pytest.raises(ValidationError) as err:
        check_adjudication(bad, 2, "adjudication")
    fields = {e.field for e in err.value.errors}
    assert fields == {
        "adjudication.paid",
        "adjudication.adjustments.0.group",
        "adjudication.adjustments.0.reason",
        "adjudication.adjustments.0.amount",
        "adjudication.lines.0.line",
    }


def test_settled_status_follows_the_decision() -> None:
    paid = _decision(per_line=True)
    assert settled_status(PRIMARY, paid) is ClaimStatus.PAID
    assert settled_status(PRIMARY, replace(paid, paid=Decimal(0))) is ClaimStatus.DENIED
    one_denied = replace(paid, lines=(replace(paid.lines[0], paid=Decimal(0)), paid.lines[1]))
    assert settled_status(PRIMARY, one_denied) is ClaimStatus.PARTIALLY_PAID


@pytest.mark.parametrize("per_line", [True, False])
def test_secondary_837p_passes_pyx12_and_reads_back(per_line: bool) -> None:
    claims = [_secondary(per_line=per_line)]  # one file per payer
    content = build_file(
        claims,
        profile(),
        file_id=file_id_for(9, AT),
        control_number=9,
        created=AT.replace(tzinfo=UTC),
    )
    text = content.decode()
    assert pyx12_errors(text) == []
    (batch,) = parse_837p(content)
    expected = {c.claim_id: to_x12_claim(c, c.payer.payer_id) for c in claims}
    assert {c.claim_id: c for c in batch.claims} == expected
    back = next(c for c in batch.claims if c.claim_id == "C260521SECOND")
    (other,) = back.other_subscribers
    assert other.payer_id == "MRDN1" and other.paid_amount == Decimal("100")
    assert other.remaining_patient_liability == Decimal("35")
    assert bool(back.lines[0].adjudications) is per_line
