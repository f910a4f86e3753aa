"""Every scrubber rule: the baseline claim passes it, a planted fault fails it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from claims_support import DOS, STREET, TODAY, line, make_authorization, make_claim, npi, run

from clinicflow.claims.model import (
    Accident,
    AccidentKind,
    Adjudication,
    ClaimStatus,
    Frequency,
    OtherPayer,
    PayerRef,
    ReferringProvider,
)
from clinicflow.claims.scrubber import RULES, RuleSettings
from clinicflow.codesets import icd10
from clinicflow.codesets.procedures import MueLimit, PtpEdit
from clinicflow.codesets.service import InMemoryReferenceTables

base = make_claim()


def _tables() -> InMemoryReferenceTables:
    tables = InMemoryReferenceTables()
    tables.put_ptp([PtpEdit("93000", "93005", date(1996, 1, 1), None, "0")], "t")
    tables.put_ptp([PtpEdit("11042", "97597", date(2009, 1, 1), None, "1")], "t")
    tables.put_mue([MueLimit("93000", 1, "3", ""), MueLimit("81002", 2, "1", "")], "t")
    return tables


PT_LINE = line(procedure="97110", pointers=(1,))
AUTH_SETTINGS = [
    RuleSettings("sunrise", "MRDN1", params={"prior_auth.required": {"procedures": ["97110"]}})
]
TELE_SETTINGS = [
    RuleSettings("sunrise", "*", params={"modifiers.telehealth": {"requires_95": True}})
]

# rule id -> (claim, context) that must fail it
FAILING: dict[str, tuple[Any, dict[str, Any]]] = {
    "npi.check_digit": (
        replace(base, billing=replace(base.billing, npi="1234567890")),
        {},
    ),
    "taxonomy.format": (
        replace(base, rendering=replace(base.rendering, taxonomy_code="207Q0")),
        {},
    ),  # type: ignore[type-var]
    "billing.address_not_po_box": (
        replace(base, billing=replace(base.billing, address=replace(STREET, line1="P.O. Box 12"))),
        {},
    ),
    "billing.complete": (
        replace(base, billing=replace(base.billing, address=replace(STREET, postal_code="80202"))),
        {},
    ),
    "subscriber.complete": (
        replace(base, subscriber=replace(base.subscriber, member_id="")),
        {},
    ),
    "patient.complete": (
        replace(base, patient=replace(base.patient, birth_date=None)),
        {},
    ),
    "payer.complete": (replace(base, payer=replace(base.payer, name="")), {}),
    "icd10.release": (replace(base, service_date=date(2025, 12, 1)), {"today": TODAY}),
    "icd10.billable": (replace(base, diagnoses=("E11", "I10")), {}),
    "icd10.count": (
        replace(
            base,
            diagnoses=(
                "E119",
                "I10",
                "J069",
                "R05",
                "R509",
                "M545",
                "K219",
                "E785",
                "F419",
                "G4700",
                "R51",
                "N390",
                "Z00",
            ),
        ),
        {},
    ),
    "icd10.excludes1": (replace(base, diagnoses=("E119", "E109")), {}),
    "pointers.valid": (
        replace(base, lines=(line(pointers=(1, 3)),), total_charge=Decimal("120.00")),
        {},
    ),
    "modifiers.format": (
        replace(
            base,
            lines=(line(modifiers=("25", "59", "76", "77", "GT")),),
            total_charge=Decimal("120.00"),
        ),
        {},
    ),
    "modifiers.25": (
        replace(
            base,
            lines=(line(procedure="93000", modifiers=("25",)),),
            total_charge=Decimal("120.00"),
        ),
        {},
    ),
    "modifiers.26_tc": (
        replace(
            base,
            lines=(line(procedure="71046", modifiers=("26", "TC")),),
            total_charge=Decimal("120.00"),
        ),
        {},
    ),
    "modifiers.59_x": (
        replace(
            base,
            lines=(line(procedure="97110", modifiers=("59", "XS")),),
            total_charge=Decimal("120.00"),
        ),
        {},
    ),
    "modifiers.telehealth": (replace(base, place_of_service="10"), {"settings": TELE_SETTINGS}),
    "procedure.valid": (
        replace(base, lines=(line(procedure="9921"),), total_charge=Decimal("120.00")),
        {},
    ),
    "ncci.ptp": (
        replace(
            base,
            lines=(*base.lines, line(procedure="93005", pointers=(2,), charge=Decimal("1"))),
            total_charge=Decimal("166.50"),
        ),
        {"tables": _tables()},
    ),
    "mue.units": (
        replace(
            base,
            lines=(
                base.lines[0],
                line(procedure="93000", units=Decimal("2"), charge=Decimal("45.50")),
            ),
        ),
        {"tables": _tables()},
    ),
    "units.positive": (
        replace(base, lines=(line(units=Decimal("0")), base.lines[1])),
        {},
    ),
    "charges.total": (replace(base, total_charge=Decimal("165.00")), {}),
    "pos.valid": (replace(base, place_of_service="98"), {}),
    "clia.lab": (
        replace(
            base,
            lines=(*base.lines, line(procedure="85025", charge=Decimal("1"))),
            total_charge=Decimal("166.50"),
        ),
        {},
    ),
    "ndc.drugs": (
        replace(
            base,
            lines=(*base.lines, line(procedure="J1100", charge=Decimal("1"))),
            total_charge=Decimal("166.50"),
        ),
        {},
    ),
    "dates.not_future": (replace(base, service_date=TODAY + timedelta(days=1)), {}),
    "dates.birth_before_service": (
        replace(base, patient=replace(base.patient, birth_date=DOS + timedelta(days=1))),
        {},
    ),
    "dates.accident_before_service": (
        replace(base, accident=Accident(AccidentKind.OTHER, DOS + timedelta(days=2))),
        {},
    ),
    "prior_auth.required": (
        replace(base, lines=(PT_LINE,), total_charge=PT_LINE.charge),
        {"settings": AUTH_SETTINGS},
    ),
    "frequency.reference": (replace(base, frequency=Frequency.REPLACEMENT), {}),
    "claim_id.valid": (replace(base, claim_id="C" * 21), {}),
    "timely_filing": (base, {"timely_filing_days": 10}),
    "timely_filing.soon": (base, {"timely_filing_days": 30}),
    "duplicate.possible": (base, {"other_claims": [replace(base, claim_id="C260504OTHER1")]}),
    # a secondary claim without the primary payer, and one whose primary does not balance
    "cob.other_payers": (
        replace(base, subscriber=replace(base.subscriber, payer_responsibility="S")),
        {},
    ),
    "cob.balance": (
        replace(
            base,
            subscriber=replace(base.subscriber, payer_responsibility="S"),
            other_payers=(
                OtherPayer(
                    PayerRef("SMTM2", "Summit Mutual"),
                    base.subscriber,
                    Adjudication(Decimal("100"), DOS),  # 100 paid, no adjustments, 165.50 charged
                ),
            ),
        ),
        {},
    ),
}


def test_every_rule_has_a_failing_case():
    assert set(FAILING) == set(RULES)


def test_the_baseline_claim_passes_every_rule():
    assert run(base, timely_filing_days=365, tables=_tables()) == []


@pytest.mark.parametrize("rule_id", sorted(FAILING))
def test_rule_fails_on_its_planted_fault(rule_id: str):
    claim, context = FAILING[rule_id]
    found = run(claim, **dict(context))
    assert rule_id in {r for r, _, _ in found}, found
    # ... and the baseline claim passes it under the same settings and tables
    passing = {k: v for k, v in context.items() if k in {"settings", "tables"}}
    assert rule_id not in {r for r, _, _ in run(base, timely_filing_days=365, **passing)}


def test_severity_and_fields_are_reported():
    found = run(replace(base, diagnoses=("E119", "E109")))
    assert ("icd10.excludes1", "diagnoses.1", "error") in found


def test_rules_can_be_switched_off_per_payer_and_severity_changed():
    claim = replace(base, diagnoses=("E119", "E109"))
    off = [RuleSettings("sunrise", "MRDN1", enabled={"icd10.excludes1": False})]
    assert not [r for r in run(claim, settings=off) if r[0] == "icd10.excludes1"]
    other_payer = [RuleSettings("sunrise", "OTHER", enabled={"icd10.excludes1": False})]
    assert [r for r in run(claim, settings=other_payer) if r[0] == "icd10.excludes1"]
    softer = [RuleSettings("sunrise", "*", params={"icd10.excludes1": {"severity": "warning"}})]
    assert ("icd10.excludes1", "diagnoses.1", "warning") in run(claim, settings=softer)


def test_payer_settings_win_over_all_payers():
    settings = [
        RuleSettings("sunrise", "*", enabled={"pos.valid": False}),
        RuleSettings("sunrise", "MRDN1", enabled={"pos.valid": True}),
    ]
    assert ("pos.valid", "place_of_service", "error") in run(
        replace(base, place_of_service="98"), settings=settings
    )


def test_every_npi_is_checked():
    claim = replace(base, referring=ReferringProvider("Ref", "Erin", "1234567890"))
    assert ("npi.check_digit", "referring.npi", "error") in run(claim)
    assert not [
        r for r in run(replace(claim, referring=ReferringProvider("R", "E", npi("111111111"))))
    ]


def test_icd10_unknown_code_and_date_outside_release():
    found = run(replace(base, diagnoses=("E119", "Z9999")))
    assert ("icd10.billable", "diagnoses.1", "error") in found
    old = run(
        replace(
            base,
            service_date=date(2025, 12, 1),
            lines=tuple(replace(x, service_date=date(2025, 12, 1)) for x in base.lines),
        )
    )
    assert ("icd10.release", "service_date", "warning") in old
    none = run(base, release_for=lambda _: None)
    assert ("icd10.release", "diagnoses", "warning") in none


def test_pointers_beyond_twelve_and_more_than_four():
    claim = replace(base, lines=(line(pointers=(1, 2, 1, 13, 2)),), total_charge=Decimal("120.00"))
    messages = [f for f in run(claim) if f[0] == "pointers.valid"]
    assert len(messages) >= 3


def test_ncci_modifier_indicator_one_is_bypassed_by_a_distinct_modifier():
    lines = (
        line(procedure="11042"),
        line(procedure="97597", pointers=(1,), charge=Decimal("45.50")),
    )
    claim = replace(base, lines=lines)
    assert ("ncci.ptp", "lines.1.procedure", "error") in run(claim, tables=_tables())
    bypassed = replace(claim, lines=(lines[0], replace(lines[1], modifiers=("XS",))))
    assert not [f for f in run(bypassed, tables=_tables()) if f[0] == "ncci.ptp"]
    # no tables loaded: the rule has nothing to check
    assert not [f for f in run(claim) if f[0] == "ncci.ptp"]


def test_mue_line_edit():
    claim = replace(
        base,
        clia_number="05D1234567",
        lines=(base.lines[0], line(procedure="81002", units=Decimal("3"))),
    )
    assert ("mue.units", "lines.1.units", "error") in run(claim, tables=_tables())


def test_telehealth_95_is_fine_and_95_needs_telehealth_pos():
    tele = replace(
        base, place_of_service="02", lines=tuple(replace(x, modifiers=("95",)) for x in base.lines)
    )
    assert not [f for f in run(tele, settings=TELE_SETTINGS) if f[0] == "modifiers.telehealth"]
    office = replace(base, lines=tuple(replace(x, modifiers=("95",)) for x in base.lines))
    assert [f for f in run(office, settings=TELE_SETTINGS) if f[0] == "modifiers.telehealth"]
    # a payer that does not require 95: no finding
    assert not [
        f for f in run(replace(base, place_of_service="10")) if f[0] == "modifiers.telehealth"
    ]


def test_prior_auth_on_file_covering_with_visits_passes_and_exhausted_fails():
    claim = replace(base, lines=(PT_LINE,), total_charge=PT_LINE.charge, prior_auth_number="PA-100")
    ok = run(claim, settings=AUTH_SETTINGS, authorizations=[make_authorization()])
    assert not [f for f in ok if f[0] == "prior_auth.required"]
    used_up = run(claim, settings=AUTH_SETTINGS, authorizations=[make_authorization(visits_used=3)])
    assert ("prior_auth.required", "prior_auth_number", "error") in used_up
    expired = run(
        claim,
        settings=AUTH_SETTINGS,
        authorizations=[make_authorization(end_date=date(2026, 5, 2))],
    )
    assert ("prior_auth.required", "lines.0.procedure", "error") in expired
    not_on_file = run(claim, settings=AUTH_SETTINGS)
    assert ("prior_auth.required", "prior_auth_number", "error") in not_on_file
    # a number given where no payer rule asks for one is still checked against the record
    assert [
        f
        for f in run(claim, authorizations=[make_authorization(visits_used=3)])
        if f[0] == "prior_auth.required"
    ]


def test_frequency_original_with_payer_number_and_void_with_number():
    assert [
        f for f in run(replace(base, payer_claim_number="P123")) if f[0] == "frequency.reference"
    ]
    void = replace(base, frequency=Frequency.VOID, payer_claim_number="P123")
    assert not [f for f in run(void) if f[0] == "frequency.reference"]


def test_claim_id_taken():
    assert ("claim_id.valid", "claim_id", "error") in run(base, claim_id_taken=True)


def test_duplicate_considers_repeat_modifiers_and_is_overridable():
    other = replace(base, claim_id="C260504OTHER1")
    repeat = replace(base, lines=tuple(replace(x, modifiers=("76",)) for x in base.lines))
    assert not [f for f in run(repeat, other_claims=[other]) if f[0] == "duplicate.possible"]
    voided = replace(other, status=ClaimStatus.VOIDED)
    assert not [f for f in run(base, other_claims=[voided]) if f[0] == "duplicate.possible"]
    other_provider = replace(other, rendering=replace(other.rendering, npi=npi("111111111")))  # type: ignore[type-var]
    assert not [f for f in run(base, other_claims=[other_provider]) if f[0] == "duplicate.possible"]


def test_release_lookup_picks_the_release_for_the_date():
    choice = icd10.release_for(DOS)
    assert choice and choice.exact and choice.release.release == "2026-04"
