"""Coordination of benefits in the 837P: other payers of a claim and what they decided.

Loop 2320 (SBR, CAS, AMT*D, AMT*EAF, OI) with 2330A (the other insured) and 2330B (the other
payer, DTP*573, REF*F8) says who else covers the claim; 2430 (SVD, CAS, DTP*573, AMT*EAF) under
a line says how one of them adjudicated that line. A secondary claim carries its primary here.
Wire constraints only; balancing (paid + adjustments = charge) is the scrubber's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from clinicflow.x12.claims.fields import (
    Code2,
    First35,
    Id80,
    Middle25,
    Modifier,
    Money,
    Name60,
    PostalAddress,
    ProcedureCode,
    Quantity,
    Ref50,
    Responsibility,
    SignedMoney,
    Suffix10,
)
from clinicflow.x12.model import X12Model

MAX_ADJUSTMENTS = 30  # 5 CAS segments of 6 reason/amount/quantity triplets
AdjustmentGroup = Literal["CO", "CR", "OA", "PI", "PR"]


class Adjustment(X12Model):
    """One CAS triplet: group (CO contractual, PR patient, OA other, PI payer, CR correction),
    claim adjustment reason code (CARC), amount (negative for a reversal), quantity."""

    group: AdjustmentGroup
    reason: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,5}$")]
    amount: SignedMoney
    quantity: Quantity | None = None


def cas_groups(adjustments: Iterable[Adjustment]) -> list[list[Adjustment]]:
    """Adjustments as CAS segments: one group code each, at most 6 triplets per segment."""
    by_group: dict[str, list[Adjustment]] = {}
    for adj in adjustments:
        by_group.setdefault(adj.group, []).append(adj)
    return [items[i : i + 6] for items in by_group.values() for i in range(0, len(items), 6)]


def _fits_cas(cls: type, adjustments: list[Adjustment]) -> list[Adjustment]:
    del cls
    if len(cas_groups(adjustments)) > 5:
        raise ValueError("adjustments need more than 5 CAS segments")
    return adjustments


class LineAdjudication(X12Model):
    """2430: one other payer's decision on a line (SVD, CAS, DTP*573, AMT*EAF)."""

    payer_id: Id80 = Field(description="SVD01: the other payer's 2330B NM109")
    paid: SignedMoney = Field(description="SVD02")
    procedure_code: ProcedureCode = Field(description="SVD03-2 (HC)")
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    paid_units: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=3)] = Field(
        Decimal(1), description="SVD05"
    )
    bundled_line: Annotated[int, Field(ge=1, le=50)] | None = Field(None, description="SVD06")
    adjustments: list[Adjustment] = Field(default_factory=list, max_length=MAX_ADJUSTMENTS)
    adjudication_date: date = Field(description="DTP*573")
    remaining_patient_liability: Money | None = Field(None, description="AMT*EAF")

    _cas = field_validator("adjustments")(_fits_cas)


class OtherSubscriber(X12Model):
    """2320 + 2330A + 2330B: another payer of the claim, its insured and its decision."""

    payer_responsibility: Responsibility = Field(description="SBR01 of the other payer")
    relationship: Code2 = Field("18", description="SBR02: the patient to the other insured")
    group_number: Ref50 | None = Field(None, description="SBR03")
    group_name: Name60 | None = Field(None, description="SBR04")
    claim_filing_indicator: Code2 = Field("CI", description="SBR09")
    adjustments: list[Adjustment] = Field(
        default_factory=list, max_length=MAX_ADJUSTMENTS, description="2320 CAS (claim level)"
    )
    paid_amount: SignedMoney | None = Field(None, description="AMT*D payer paid amount")
    remaining_patient_liability: Money | None = Field(None, description="AMT*EAF")
    benefits_assigned: Literal["Y", "N", "W"] = Field("Y", description="OI03")
    release_of_information: Literal["I", "Y"] = Field("Y", description="OI06")
    last_name: Name60 = Field(description="2330A NM103")
    first_name: First35 | None = None
    middle_name: Middle25 | None = None
    suffix: Suffix10 | None = None
    member_id: Id80 = Field(description="2330A NM109 (MI)")
    address: PostalAddress | None = None
    payer_name: Name60 = Field(description="2330B NM103")
    payer_id: Id80 = Field(description="2330B NM109 (PI)")
    payer_address: PostalAddress | None = None
    adjudication_date: date | None = Field(None, description="2330B DTP*573")
    payer_claim_number: Ref50 | None = Field(None, description="2330B REF*F8")

    _cas = field_validator("adjustments")(_fits_cas)
