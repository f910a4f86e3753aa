"""Coordination of benefits in an 837P file: loop 2320 with 2330A/2330B (other payers of the
claim) and 2430 (a payer's decision on one line). Read back by `parse_cob`."""

from __future__ import annotations

from clinicflow.x12.claims.cob import Adjustment, LineAdjudication, OtherSubscriber, cas_groups
from clinicflow.x12.claims.segments import address, amount, d8
from clinicflow.x12.writer import Composite, SegmentData


def _cas(adjustments: list[Adjustment]) -> list[SegmentData]:
    """CAS segments: up to six reasons of one group each."""
    out: list[SegmentData] = []
    for group in cas_groups(adjustments):
        triplets: list[str | None] = []
        for adj in group:
            quantity = amount(adj.quantity) if adj.quantity is not None else None
            triplets += [adj.reason, amount(adj.amount), quantity]
        while triplets and triplets[-1] is None:
            triplets.pop()
        out.append(("CAS", group[0].group, *triplets))
    return out


def other_subscriber(other: OtherSubscriber) -> list[SegmentData]:
    """2320 with its 2330A (other insured) and 2330B (other payer)."""
    out: list[SegmentData] = [
        (
            "SBR",
            other.payer_responsibility,
            other.relationship,
            other.group_number,
            other.group_name,
            None,
            None,
            None,
            None,
            other.claim_filing_indicator,
        ),
        *_cas(other.adjustments),
    ]
    if other.paid_amount is not None:
        out.append(("AMT", "D", amount(other.paid_amount)))
    if other.remaining_patient_liability is not None:
        out.append(("AMT", "EAF", amount(other.remaining_patient_liability)))
    out.append(
        ("OI", None, None, other.benefits_assigned, None, None, other.release_of_information)
    )
    out.append(
        (
            "NM1",
            "IL",
            "1",
            other.last_name,
            other.first_name,
            other.middle_name,
            None,
            other.suffix,
            "MI",
            other.member_id,
        )
    )
    out += address(other.address)
    out.append(("NM1", "PR", "2", other.payer_name, None, None, None, None, "PI", other.payer_id))
    out += address(other.payer_address)
    if other.adjudication_date is not None:
        out.append(("DTP", "573", "D8", d8(other.adjudication_date)))
    if other.payer_claim_number:
        out.append(("REF", "F8", other.payer_claim_number))
    return out


def line_adjudication(adj: LineAdjudication) -> list[SegmentData]:
    """2430: SVD, CAS, DTP*573, AMT*EAF."""
    proc = Composite("HC", adj.procedure_code, *adj.modifiers)
    bundled = str(adj.bundled_line) if adj.bundled_line is not None else None
    out: list[SegmentData] = [
        ("SVD", adj.payer_id, amount(adj.paid), proc, None, amount(adj.paid_units), bundled),
        *_cas(adj.adjustments),
        ("DTP", "573", "D8", d8(adj.adjudication_date)),
    ]
    if adj.remaining_patient_liability is not None:
        out.append(("AMT", "EAF", amount(adj.remaining_patient_liability)))
    return out
