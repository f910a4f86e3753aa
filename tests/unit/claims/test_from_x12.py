"""837P back to domain claims: project claims survive build -> parse -> `from_x12` with every
field the scrubber reads, and a clean project-built file checks with nothing blocking."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from claims_support import DOS, STREET, TODAY, line, make_claim, npi
from submission_support import profile

from clinicflow.claims.from_x12 import from_x12, mapping_problems
from clinicflow.claims.model import (
    Accident,
    AccidentKind,
    Adjudication,
    Adjustment,
    Claim,
    ClaimLine,
    ClaimStatus,
    Frequency,
    LineDecision,
    OtherPayer,
    PayerRef,
    Person,
    ReferringProvider,
)
from clinicflow.claims.submission.codec import build_file
from clinicflow.claims.submission.model import file_id_for
from clinicflow.claims.x12_check import check_837p
from clinicflow.x12.claims import parse_837p

AT = datetime(2026, 5, 21, 9, 30)


def _file(*claims: Claim) -> bytes:
    return build_file(
        list(claims), profile(), file_id=file_id_for(9, AT), control_number=9, created=AT
    )


def _back(claim: Claim) -> Claim:
    (batch,) = parse_837p(_file(claim))
    (parsed,) = batch.claims
    return from_x12(parsed)


def _carried(claim: Claim, back: Claim) -> Claim:
    """`claim` with what an 837P does not carry set as `from_x12` sets it."""
    return replace(
        claim,
        practice_id="",
        encounter_id="",
        patient_id="",
        coverage_id="",
        rendering=replace(claim.rendering, provider_id="") if claim.rendering else None,
        facility=replace(claim.facility, location_id="") if claim.facility else None,
        status=ClaimStatus.DRAFT,
        history=(),
        version=1,
        created_at=back.created_at,
        updated_at=back.updated_at,
    )


def _rich() -> Claim:
    """A replacement claim for a dependent with every field the rules read."""
    lines = (
        line(modifiers=("25",), pointers=(1, 2), charge=Decimal("120.00")),
        ClaimLine("85025", (), Decimal("1"), (1,), Decimal("30.00"), DOS, place_of_service="22"),
        ClaimLine(
            "J1100",
            ("JZ",),
            Decimal("4"),
            (2,),
            Decimal("15.50"),
            date(2026, 5, 5),
            ndc="00009004722",
            ndc_quantity=Decimal("1.5"),
            ndc_unit="ML",
        ),
    )
    claim = make_claim(
        diagnoses=("S134XXA", "M5412"),
        lines=lines,
        total_charge=Decimal("165.50"),
        frequency=Frequency.REPLACEMENT,
        payer_claim_number="MRDN-4411",
        referring=ReferringProvider("Referrer", "Quinn", npi("176543210")),
        prior_auth_number="PA-1",
        referral_number="RF-2",
        accident=Accident(AccidentKind.AUTO, date(2026, 5, 1), "CO"),
        clia_number="05D0987654",
        patient=Person("Testchild", "Sam", date(2015, 6, 1), "M", STREET),
    )
    return replace(claim, subscriber=replace(claim.subscriber, relationship="19"))


@pytest.mark.parametrize("build", [make_claim, _rich], ids=["baseline", "rich"])
def test_a_project_claim_comes_back_with_every_field_the_rules_read(build: object) -> None:
    claim = build()  # type: ignore[operator]
    back = _back(claim)
    assert back == _carried(claim, back)
    assert back.billing.npi == claim.billing.npi and back.lines == claim.lines
    assert back.created_at.date() == min(ln.service_date for ln in claim.lines)


def test_a_secondary_claim_keeps_the_primary_and_its_line_decisions() -> None:
    decision = Adjudication(
        Decimal("100"),
        date(2026, 5, 15),
        lines=(
            LineDecision(0, Decimal("80"), (Adjustment("CO", "45", Decimal("40")),)),
            LineDecision(1, Decimal("20"), (Adjustment("PR", "2", Decimal("25.50")),)),
        ),
        payer_claim_number="MRDN-9001",
    )
    base = make_claim()
    primary = OtherPayer(base.payer, base.subscriber, decision)
    claim = replace(
        base,
        payer=PayerRef("SMTM2", "Summit Mutual"),
        subscriber=replace(base.subscriber, member_id="SMT-77", payer_responsibility="S"),
        other_payers=(primary,),
    )
    (other,) = _back(claim).other_payers
    assert other.payer.payer_id == "MRDN1" and other.subscriber.member_id == "SBX-1001"
    assert other.subscriber.payer_responsibility == "P"
    assert other.subscriber.person.last_name == base.subscriber.person.last_name
    assert other.adjudication is not None
    # the 837P writes each line's paid units (SVD05): the line's units when not given
    assert other.adjudication == replace(
        decision,
        lines=tuple(replace(d, paid_units=base.lines[d.line].units) for d in decision.lines),
    )
    report = check_837p(_file(claim), today=TODAY)
    assert not report.blocked, [p.describe() for p in report.problems]


def test_clean_project_files_check_with_nothing_blocking() -> None:
    for claim in (make_claim(), _rich()):
        report = check_837p(_file(claim), today=TODAY)
        assert not report.blocked, [p.describe() for p in report.problems]
        assert report.claims == (claim.claim_id,)
        assert report.icd10_release  # checked against a loaded ICD-10-CM release


def test_a_faulty_domain_claim_is_reported_where_the_file_carries_it() -> None:
    bad = make_claim(total_charge=Decimal("170.00"), diagnoses=("E119",))
    report = check_837p(_file(bad), today=TODAY)
    found = {
        (p.rule_id, p.field, p.location.segment_id, p.location.element) for p in report.problems
    }
    assert ("charges.total", "total_charge", "CLM", "CLM02") in found
    assert ("pointers.valid", "lines.0.pointers", "SV1", "SV107") in found
    assert ("pointers.valid", "lines.1.pointers", "SV1", "SV107") in found
    assert report.blocked and {p.claim_id for p in report.problems} == {bad.claim_id}


def test_what_the_domain_cannot_hold_is_listed_not_lost() -> None:
    (batch,) = parse_837p(_file(make_claim()))
    (parsed,) = batch.claims
    assert mapping_problems(parsed) == []
    odd = parsed.model_copy(update={"frequency_code": "9", "diagnosis_code_list": "BK"})
    problems = {(m.rule_id, m.field, m.blocks) for m in mapping_problems(odd)}
    assert problems == {
        ("x12.frequency_code", "frequency", True),
        ("x12.icd9_codes", "diagnoses", False),
    }
    assert from_x12(odd).frequency is Frequency.ORIGINAL
