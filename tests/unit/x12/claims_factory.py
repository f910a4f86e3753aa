"""Synthetic 837P batches (no real people) shared by the claim, remittance and fuzz tests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from clinicflow.x12 import InterchangeHeader
from clinicflow.x12.claims import (
    Adjustment,
    BillingProvider,
    Claim,
    ClaimBatch,
    ClaimProvider,
    ContactInfo,
    Drug,
    LineAdjudication,
    OtherSubscriber,
    Patient,
    Payer,
    PostalAddress,
    Receiver,
    ServiceFacility,
    ServiceLine,
    Submitter,
    Subscriber,
)

ADDRESS = PostalAddress(
    line1="100 MAIN ST", city="SPRINGFIELD", state="IL", postal_code="627011234"
)
PROVIDER = BillingProvider(
    npi="1234567893",
    name="RIVERSIDE CLINIC",
    taxonomy="207Q00000X",
    tax_id="123456789",
    address=ADDRESS,
    contact=ContactInfo(name="BILLING OFFICE", phone="5555550100"),
    pay_to_address=PostalAddress(
        line1="PO BOX 9", city="SPRINGFIELD", state="IL", postal_code="627019999"
    ),
)
OTHER_PROVIDER = PROVIDER.model_copy(
    update={"npi": "1245319599", "name": "LAKESIDE CLINIC", "pay_to_address": None}
)
PAYER = Payer(id="87726", name="SANDBOX HEALTH")
SUBSCRIBER = Subscriber(
    member_id="W123456789",
    last_name="DOE",
    first_name="JANE",
    address=ADDRESS,
    birth_date=date(1980, 5, 17),
    gender="F",
    group_number="GRP1",
)
CHILD = Patient(
    relationship="19",
    last_name="DOE",
    first_name="TIM",
    address=ADDRESS,
    birth_date=date(2012, 1, 2),
    gender="M",
)
HEADER = InterchangeHeader(
    sender_id="CLINICFLOW",
    receiver_id="SANDBOXCH",
    control_number=77,
    created=datetime(2025, 3, 5, 14, 2),
    usage="T",
)


def line(code: str = "99213", charge: str = "100", **extra: object) -> ServiceLine:
    """A one-unit office visit line on 2025-03-04 pointing at the first diagnosis."""
    data: dict[str, object] = {
        "procedure_code": code,
        "charge": Decimal(charge),
        "units": Decimal(1),
        "diagnosis_pointers": [1],
        "service_date": date(2025, 3, 4),
    }
    return ServiceLine.model_validate(data | extra)


def claim(claim_id: str = "CF-0001", **extra: object) -> Claim:
    """An original claim for the subscriber (no patient loop) with one line."""
    data: dict[str, object] = {
        "claim_id": claim_id,
        "total_charge": Decimal(100),
        "place_of_service": "11",
        "diagnoses": ["J069"],
        "lines": [line()],
        "billing_provider": PROVIDER,
        "subscriber": SUBSCRIBER,
        "payer": PAYER,
    }
    return Claim.model_validate(data | extra)


def rich_claim(claim_id: str = "CF-0002") -> Claim:
    """A claim for a dependent using every modeled field."""
    return claim(
        claim_id,
        total_charge=Decimal("260.55"),
        frequency_code="7",
        related_causes=["AA", "OA"],
        accident_state="IL",
        onset_date=date(2025, 2, 27),
        accident_date=date(2025, 2, 26),
        referral_number="REF123",
        prior_authorization="AUTH-77",
        payer_claim_number="PAYERCLM0001",
        clia_number="12D4567890",
        medical_record_number="MRN0042",
        diagnoses=[
            "S134XXA",
            "M5412",
            "R51",
            "Z0000",
            "E119",
            "I10",
            "J069",
            "K219",
            "N390",
            "R0602",
            "R109",
            "Z23",
        ],
        referring_provider=ClaimProvider(
            npi="1245319599", last_name="KILDARE", first_name="JAMES", middle_name="B", suffix="JR"
        ),
        rendering_provider=ClaimProvider(
            npi="1679576722", last_name="WELBY", first_name="MARCUS", taxonomy="207Q00000X"
        ),
        service_facility=ServiceFacility(
            name="RIVERSIDE ANNEX",
            npi="1932102084",
            address=ADDRESS.model_copy(update={"line2": "SUITE 4"}),
        ),
        lines=[
            line(
                "99214",
                "150.55",
                modifiers=["25", "95"],
                place_of_service="02",
                diagnosis_pointers=[1, 2, 3, 4],
                emergency=True,
                prior_authorization="LAUTH1",
                control_number="LINE-1",
            ),
            line(
                "J3301",
                "80",
                units=Decimal("2.5"),
                description="TRIAMCINOLONE",
                drug=Drug(ndc="00003029305", quantity=Decimal("1.5"), unit="ML"),
                service_date_end=date(2025, 3, 6),
            ),
            line(
                "97110",
                "30",
                unit_basis="MJ",
                units=Decimal(15),
                modifiers=["GP", "59", "KX", "XE"],
            ),
        ],
        patient=CHILD,
    )


def batch(*claims: Claim) -> ClaimBatch:
    """A batch with the given claims (default: three claims over two providers and a child)."""
    chosen = list(claims) or [
        claim("CF-0001"),
        rich_claim("CF-0002"),
        claim("CF-0003", billing_provider=OTHER_PROVIDER),
        claim("CF-0004", patient=CHILD),
    ]
    return ClaimBatch(
        submitter=Submitter(
            name="RIVERSIDE CLINIC",
            id="CLINICFLOW",
            contact=ContactInfo(
                name="EDI DESK", phone="5555550101", phone_extension="12", email="edi@example.org"
            ),
        ),
        receiver=Receiver(name="SANDBOX CLEARINGHOUSE", id="SANDBOXCH"),
        reference="BATCH-0001",
        created=datetime(2025, 3, 5, 14, 2),
        claims=chosen,
    )


PRIMARY = Payer(id="60054", name="FIRST CHOICE HEALTH")


def primary_paid(**extra: object) -> OtherSubscriber:
    """The primary payer of a secondary claim, with its adjudication (paid 70 of 100)."""
    data: dict[str, object] = {
        "payer_responsibility": "P",
        "relationship": "18",
        "group_number": "PRIMGRP",
        "claim_filing_indicator": "CI",
        "adjustments": [
            Adjustment(group="CO", reason="45", amount=Decimal("10")),
            Adjustment(group="PR", reason="2", amount=Decimal("15")),
            Adjustment(group="PR", reason="3", amount=Decimal("5"), quantity=Decimal(1)),
        ],
        "paid_amount": Decimal("70"),
        "remaining_patient_liability": Decimal("20"),
        "last_name": "DOE",
        "first_name": "JANE",
        "member_id": "P998877",
        "address": ADDRESS,
        "payer_name": PRIMARY.name,
        "payer_id": PRIMARY.id,
        "adjudication_date": date(2025, 3, 20),
        "payer_claim_number": "PRIM-CLM-1",
    }
    return OtherSubscriber.model_validate(data | extra)


def secondary_claim(claim_id: str = "CF-0100", *, line_level: bool = True) -> Claim:
    """A secondary claim (SBR01 S) carrying the primary's claim- and line-level decision."""
    lines = [
        line(
            "99213",
            "100",
            adjudications=[
                LineAdjudication(
                    payer_id=PRIMARY.id,
                    paid=Decimal("70"),
                    procedure_code="99213",
                    adjustments=[
                        Adjustment(group="CO", reason="45", amount=Decimal("10")),
                        Adjustment(group="PR", reason="2", amount=Decimal("15")),
                        Adjustment(group="PR", reason="3", amount=Decimal("5")),
                    ],
                    adjudication_date=date(2025, 3, 20),
                    remaining_patient_liability=Decimal("20"),
                )
            ]
            if line_level
            else [],
        )
    ]
    other = primary_paid(adjustments=[]) if line_level else primary_paid()
    return claim(
        claim_id,
        subscriber=SUBSCRIBER.model_copy(update={"payer_responsibility": "S"}),
        other_subscribers=[other],
        lines=lines,
    )
