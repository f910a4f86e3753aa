"""A parsed 837P claim as a domain `Claim`, so the scrubber can check any file. Pure.

The opposite of `submission.codec.to_x12_claim`. What a file does not carry (practice,
encounter, patient and coverage ids, status, history) gets neutral values: empty ids, a
draft original claim, timestamps at midnight UTC of the first date of service. Values the
domain cannot hold (a CLM05-3 other than 1, 7 or 8; ICD-9-CM codes) are listed by
`mapping_problems`, so a checker reports them instead of losing them silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from clinicflow.claims.model import (
    Accident,
    AccidentKind,
    Adjudication,
    Adjustment,
    BillingProvider,
    Claim,
    ClaimLine,
    Facility,
    Frequency,
    LineDecision,
    OtherPayer,
    PayerRef,
    Person,
    PostalAddress,
    ProviderRef,
    ReferringProvider,
    Subscriber,
)
from clinicflow.x12 import claims as x12

SELF = "18"
_FREQUENCIES = frozenset(f.value for f in Frequency)
_CAUSES = frozenset(k.value for k in AccidentKind)


def _address(a: x12.PostalAddress | None) -> PostalAddress | None:
    if a is None:
        return None
    return PostalAddress(
        line1=a.line1,
        city=a.city,
        state=a.state or "",
        postal_code=a.postal_code or "",
        line2=a.line2 or "",
    )


def _street(a: x12.PostalAddress) -> PostalAddress:
    address = _address(a)
    assert address is not None
    return address


def _adjustments(items: Sequence[x12.Adjustment]) -> tuple[Adjustment, ...]:
    return tuple(Adjustment(a.group, a.reason, a.amount, a.quantity) for a in items)


def _adjudication(claim: x12.Claim, other: x12.OtherSubscriber) -> Adjudication | None:
    """The other payer's decision (2320 AMT*D/CAS, its 2430 lines), or None when absent."""
    decisions = [
        (i, a)
        for i, line in enumerate(claim.lines)
        for a in line.adjudications
        if a.payer_id == other.payer_id
    ]
    if other.paid_amount is None and not other.adjustments and not decisions:
        return None
    day = other.adjudication_date or next(
        (a.adjudication_date for _, a in decisions), _first_date(claim)
    )
    return Adjudication(
        paid=other.paid_amount if other.paid_amount is not None else Decimal("0"),
        adjudicated_on=day,
        adjustments=_adjustments(other.adjustments),
        lines=tuple(
            LineDecision(i, a.paid, _adjustments(a.adjustments), a.paid_units) for i, a in decisions
        ),
        payer_claim_number=other.payer_claim_number or "",
    )


def _other_payer(claim: x12.Claim, other: x12.OtherSubscriber) -> OtherPayer:
    """Loop 2320/2330A/2330B as an earlier payer of the claim."""
    return OtherPayer(
        payer=PayerRef(other.payer_id, other.payer_name, _address(other.payer_address)),
        subscriber=Subscriber(
            member_id=other.member_id,
            relationship=other.relationship,
            claim_filing_indicator=other.claim_filing_indicator,
            person=Person(
                other.last_name, other.first_name or "", None, "", _address(other.address)
            ),
            group_number=other.group_number or "",
            payer_responsibility=other.payer_responsibility,
        ),
        adjudication=_adjudication(claim, other),
    )


def _line(line: x12.ServiceLine) -> ClaimLine:
    drug = line.drug
    return ClaimLine(
        procedure=line.procedure_code,
        modifiers=tuple(line.modifiers),
        units=line.units,
        pointers=tuple(line.diagnosis_pointers),
        charge=line.charge,
        service_date=line.service_date,
        place_of_service=line.place_of_service or "",
        ndc=drug.ndc if drug else "",
        ndc_quantity=drug.quantity if drug else None,
        ndc_unit=drug.unit if drug else "",
    )


def _first_date(claim: x12.Claim) -> date:
    return min(line.service_date for line in claim.lines)


def _accident(claim: x12.Claim) -> Accident | None:
    """CLM11 related causes with DTP*439 (a date without a cause counts as 'other')."""
    if claim.accident_date is None:
        return None
    causes = [c for c in claim.related_causes if c in _CAUSES]
    kind = AccidentKind(causes[0]) if causes else AccidentKind.OTHER
    return Accident(kind, claim.accident_date, claim.accident_state or "")


def _person(p: x12.Subscriber | x12.Patient) -> Person:
    return Person(
        p.last_name, p.first_name or "", p.birth_date, p.gender or "", _address(p.address)
    )


def from_x12(claim: x12.Claim) -> Claim:
    """The domain claim an 837P claim (loop 2300 with its parties) describes."""
    billing, sub = claim.billing_provider, claim.subscriber
    rendering, referring = claim.rendering_provider, claim.referring_provider
    facility = claim.service_facility
    subscriber_person = _person(sub)
    first = _first_date(claim)
    at = datetime.combine(first, time(), UTC)
    prior_auth = claim.prior_authorization or next(
        (ln.prior_authorization for ln in claim.lines if ln.prior_authorization), ""
    )
    frequency = claim.frequency_code
    return Claim(
        practice_id="",
        claim_id=claim.claim_id,
        encounter_id="",
        patient_id="",
        coverage_id="",
        billing=BillingProvider(
            name=billing.name,
            npi=billing.npi,
            taxonomy_code=billing.taxonomy or "",
            tax_id=billing.tax_id,
            address=_street(billing.address),
            pay_to_address=_address(billing.pay_to_address),
        ),
        rendering=ProviderRef(
            "",
            rendering.last_name,
            rendering.first_name or "",
            rendering.npi,
            rendering.taxonomy or "",
        )
        if rendering
        else None,
        facility=Facility("", facility.name, _street(facility.address), facility.npi or "")
        if facility
        else None,
        patient=_person(claim.patient) if claim.patient else subscriber_person,
        subscriber=Subscriber(
            member_id=sub.member_id,
            relationship=claim.patient.relationship if claim.patient else SELF,
            claim_filing_indicator=sub.claim_filing_indicator,
            person=subscriber_person,
            group_number=sub.group_number or "",
            payer_responsibility=sub.payer_responsibility,
        ),
        payer=PayerRef(claim.payer.id, claim.payer.name, _address(claim.payer.address)),
        place_of_service=claim.place_of_service,
        service_date=first,
        diagnoses=tuple(claim.diagnoses),
        lines=tuple(_line(ln) for ln in claim.lines),
        total_charge=claim.total_charge,
        frequency=Frequency(frequency) if frequency in _FREQUENCIES else Frequency.ORIGINAL,
        payer_claim_number=claim.payer_claim_number or "",
        referring=ReferringProvider(referring.last_name, referring.first_name or "", referring.npi)
        if referring
        else None,
        prior_auth_number=prior_auth or "",
        referral_number=claim.referral_number or "",
        accident=_accident(claim),
        clia_number=claim.clia_number or "",
        other_payers=tuple(_other_payer(claim, o) for o in claim.other_subscribers),
        created_at=at,
        updated_at=at,
    )


@dataclass(frozen=True)
class MappingProblem:
    """A value of the file the domain claim cannot hold: `field` is a domain path."""

    rule_id: str
    field: str
    message: str
    blocks: bool


def mapping_problems(claim: x12.Claim) -> list[MappingProblem]:
    """What `from_x12` cannot carry over: a CLM05-3 other than 1, 7 or 8 (read as 1) blocks;
    ICD-9-CM codes (HI BK/BF) are noted (the ICD-10-CM rules then report each code)."""
    out: list[MappingProblem] = []
    if claim.frequency_code not in _FREQUENCIES:
        out.append(
            MappingProblem(
                "x12.frequency_code",
                "frequency",
                "CLM05-3 must be 1 (original), 7 (replacement) or 8 (void); "
                "the other rules read the claim as an original",
                blocks=True,
            )
        )
    if claim.diagnosis_code_list == "BK":
        out.append(
            MappingProblem(
                "x12.icd9_codes",
                "diagnoses",
                "HI carries ICD-9-CM codes (BK/BF): dates of service from 2015-10-01 need "
                "ICD-10-CM (ABK/ABF); the ICD-10-CM rules check the codes as given",
                blocks=False,
            )
        )
    return out
