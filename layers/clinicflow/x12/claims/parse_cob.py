"""Read the 837P's coordination-of-benefits loops (2320/2330A/2330B, 2430) into typed models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clinicflow.x12 import elements as el
from clinicflow.x12.claims.cob import Adjustment, LineAdjudication, OtherSubscriber
from clinicflow.x12.loops import Loop
from clinicflow.x12.segment import Segment
from clinicflow.x12.typed import make

if TYPE_CHECKING:
    from clinicflow.x12.claims.parse837p import _Reader


def adjustments(rd: _Reader, loop: Loop) -> list[Adjustment]:
    """Every CAS triplet directly in ``loop``, in file order."""
    out: list[Adjustment] = []
    while (cas := rd.first(loop, "CAS")) is not None:
        group = cas.require(1)
        for pos in range(2, len(cas.elements), 3):
            reason, value = cas.get(pos), cas.get(pos + 1)
            if reason is None and value is None:
                continue
            if reason is None or value is None:
                raise cas.error("an adjustment needs a reason code and an amount", pos)
            out.append(
                make(
                    Adjustment,
                    cas,
                    group=group,
                    reason=reason,
                    amount=el.decimal(cas, pos + 1),
                    quantity=el.decimal(cas, pos + 2),
                )
            )
    return out


def _amount(rd: _Reader, loop: Loop, qualifier: str) -> Segment | None:
    return rd.first(loop, "AMT", qualifier)


def other_subscriber(rd: _Reader, loop: Loop) -> OtherSubscriber:
    """One 2320 loop with its 2330A and 2330B."""
    sbr = rd.take(loop.trigger)
    name = rd.child(loop, "2330A", "IL")
    payer = rd.child(loop, "2330B", "PR")
    oi = rd.first(loop, "OI")
    if name is None or payer is None or oi is None:
        raise sbr.error("other subscriber (2320) needs OI, NM1*IL (2330A) and NM1*PR (2330B)")
    nm1, pr = name.trigger, rd.take(payer.trigger)
    paid, eaf = _amount(rd, loop, "D"), _amount(rd, loop, "EAF")
    dtp, f8 = rd.first(payer, "DTP", "573"), rd.first(payer, "REF", "F8")
    return make(
        OtherSubscriber,
        sbr,
        payer_responsibility=sbr.require(1),
        relationship=sbr.require(2),
        group_number=sbr.get(3),
        group_name=sbr.get(4),
        claim_filing_indicator=sbr.get(9) or "CI",
        adjustments=adjustments(rd, loop),
        paid_amount=el.decimal(paid, 2) if paid else None,
        remaining_patient_liability=el.decimal(eaf, 2) if eaf else None,
        benefits_assigned=oi.require(3),
        release_of_information=oi.require(6),
        member_id=nm1.require(9),
        **rd.person(nm1),
        address=rd.address(name),
        payer_name=pr.require(3),
        payer_id=pr.require(9),
        payer_address=rd.address(payer),
        adjudication_date=el.date8(dtp, 3) if dtp else None,
        payer_claim_number=f8.get(2) if f8 else None,
    )


def line_adjudication(rd: _Reader, loop: Loop) -> LineAdjudication:
    """One 2430 loop."""
    svd = rd.take(loop.trigger)
    proc = svd.components(3)
    if len(proc) < 2 or proc[0] != "HC" or not proc[1]:
        raise svd.error("procedure must be HC with a code", 3)
    dtp = rd.first(loop, "DTP", "573")
    if dtp is None:
        raise svd.error("line adjudication (2430) needs DTP*573")
    eaf = _amount(rd, loop, "EAF")
    bundled = svd.get(6)
    return make(
        LineAdjudication,
        svd,
        payer_id=svd.require(1),
        paid=el.decimal(svd, 2),
        procedure_code=proc[1],
        modifiers=[m for m in proc[2:6] if m],
        paid_units=el.decimal(svd, 5),
        bundled_line=int(bundled) if bundled and bundled.isdigit() else bundled,
        adjustments=adjustments(rd, loop),
        adjudication_date=el.date8(dtp, 3),
        remaining_patient_liability=el.decimal(eaf, 2) if eaf else None,
    )
