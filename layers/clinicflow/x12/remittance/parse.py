"""Parse an 835 transaction set into :class:`RemittanceDocument`."""

from __future__ import annotations

from decimal import Decimal

from clinicflow.x12 import elements as el
from clinicflow.x12 import parts
from clinicflow.x12.loops import Loop, LoopSpec, build_loops, spec
from clinicflow.x12.model import Address, EntityName
from clinicflow.x12.reader import TransactionSet
from clinicflow.x12.remittance.model import (
    Adjustment,
    Amount,
    ClaimPayment,
    DateValue,
    Party,
    Payment,
    ProviderAdjustment,
    ProviderAdjustmentItem,
    RemittanceDocument,
    ServicePayment,
    Trace,
)
from clinicflow.x12.segment import Segment

SPEC_835: LoopSpec = spec(
    "ST",
    "ST",
    "ST BPR TRN CUR REF DTM",
    spec("1000A", "N1", "N3 N4 REF PER", qualifier=(1, "PR")),
    spec("1000B", "N1", "N3 N4 REF RDM", qualifier=(1, "PE")),
    spec(
        "2000",
        "LX",
        "TS3 TS2",
        spec(
            "2100",
            "CLP",
            "CAS NM1 MIA MOA REF DTM PER AMT QTY",
            spec("2110", "SVC", "DTM CAS REF AMT QTY LQ"),
        ),
    ),
    trailer="PLB SE",
)

_NAMES = {
    "QC": "patient",
    "IL": "insured",
    "74": "corrected_patient",
    "82": "rendering_provider",
    "TT": "crossover_payer",
}


def _money(seg: Segment, pos: int) -> Decimal:
    value = el.decimal(seg, pos)
    if value is None:
        raise seg.error("required element is missing", pos)
    return value


def _adjustments(seg: Segment) -> list[Adjustment]:
    """CAS: a group code and up to six reason/amount/quantity triplets."""
    group = seg.require(1)
    out = []
    for pos in range(2, 20, 3):
        reason, amount = seg.get(pos), el.decimal(seg, pos + 1)
        if reason is None and amount is None:
            if seg.get(pos + 2) is not None:
                raise seg.error("adjustment quantity without reason and amount", pos + 2)
            continue
        if reason is None or amount is None:
            raise seg.error("adjustment reason and amount must come together", pos)
        out.append(
            Adjustment(group=group, reason=reason, amount=amount, quantity=el.decimal(seg, pos + 2))
        )
    if not out:
        raise seg.error("required element is missing", 2)
    return out


def _date(seg: Segment) -> DateValue:
    day = el.date8(seg, 2)
    if day is None:
        raise seg.error("required element is missing", 2)
    return DateValue(qualifier=seg.require(1), date=day)


def _amount(seg: Segment) -> Amount:
    return Amount(qualifier=seg.require(1), amount=_money(seg, 2))


def _line(loop: Loop) -> ServicePayment:
    svc = loop.trigger
    proc = svc.components(1)
    if len(proc) < 2 or not proc[0] or not proc[1]:
        raise svc.error("procedure needs a qualifier and a code", 1)
    original = svc.components(6)
    body = loop.segments[1:]
    return ServicePayment(
        procedure_qualifier=proc[0],
        procedure_code=proc[1],
        modifiers=[m for m in proc[2:6] if m],
        charge=_money(svc, 2),
        paid=_money(svc, 3),
        revenue_code=svc.get(4),
        units=el.decimal(svc, 5),
        original_procedure_code=original[1] if len(original) > 1 and original[1] else None,
        original_units=el.decimal(svc, 7),
        dates=[_date(s) for s in body if s.id == "DTM"],
        adjustments=[a for s in body if s.id == "CAS" for a in _adjustments(s)],
        references=[parts.reference(s) for s in body if s.id == "REF"],
        amounts=[_amount(s) for s in body if s.id == "AMT"],
        remarks=[s.require(2) for s in body if s.id == "LQ"],
    )


def _claim(loop: Loop) -> ClaimPayment:
    clp = loop.trigger
    body = loop.segments[1:]
    names: dict[str, EntityName] = {}
    for seg in body:
        if seg.id == "NM1" and (key := _NAMES.get(seg.get(1) or "")) and key not in names:
            names[key] = parts.entity_name(seg)
    return ClaimPayment(
        patient_control_number=clp.require(1),
        status=clp.require(2),
        charge=_money(clp, 3),
        paid=_money(clp, 4),
        patient_responsibility=el.decimal(clp, 5),
        filing_indicator=clp.get(6),
        payer_claim_number=clp.get(7),
        facility_type=clp.get(8),
        frequency_code=clp.get(9),
        adjustments=[a for s in body if s.id == "CAS" for a in _adjustments(s)],
        references=[parts.reference(s) for s in body if s.id == "REF"],
        dates=[_date(s) for s in body if s.id == "DTM"],
        amounts=[_amount(s) for s in body if s.id == "AMT"],
        lines=[_line(c) for c in loop.children],
        **names,
    )


def _party(loop: Loop | None, what: str, where: Segment) -> Party:
    if loop is None:
        raise where.error(f"835 has no {what} N1 loop")
    n1 = loop.trigger
    n3, n4 = loop.first("N3"), loop.first("N4")
    address: Address | None = parts.address(n3, n4)
    return Party(
        entity_code=n1.require(1),
        name=n1.require(2),
        id_qualifier=n1.get(3),
        identifier=n1.get(4),
        address=address,
        references=[parts.reference(s) for s in loop.all("REF")],
        contacts=[parts.contact(s) for s in loop.all("PER")],
    )


def _plb(seg: Segment) -> ProviderAdjustment:
    end = el.date8(seg, 2)
    if end is None:
        raise seg.error("required element is missing", 2)
    items = []
    for pos in range(3, 15, 2):
        ident = seg.components(pos)
        amount = el.decimal(seg, pos + 1)
        if not ident and amount is None:
            continue
        if not ident or not ident[0] or amount is None:
            raise seg.error("adjustment reason and amount must come together", pos)
        reference = ident[1] if len(ident) > 1 and ident[1] else None
        items.append(ProviderAdjustmentItem(reason=ident[0], reference=reference, amount=amount))
    return ProviderAdjustment(provider_id=seg.require(1), fiscal_period_end=end, items=items)


def parse_835(ts: TransactionSet) -> RemittanceDocument:
    """Typed 835: payment, trace, payer and payee, every claim and line, and PLB."""
    tree = build_loops(ts.segments, SPEC_835)
    bpr, trn = tree.first("BPR"), tree.first("TRN")
    if bpr is None or trn is None:
        raise ts.header.error("835 needs BPR and TRN")
    paid_on = el.date8(bpr, 16)
    if paid_on is None:
        raise bpr.error("required element is missing", 16)
    production = next((s for s in tree.all("DTM") if s.get(1) == "405"), None)
    return RemittanceDocument(
        control_number=ts.control_number,
        implementation=ts.implementation,
        payment=Payment(
            handling_code=bpr.require(1),
            amount=_money(bpr, 2),
            credit_debit=el.required_code(bpr, 3, ("C", "D")),
            method=bpr.require(4),
            format=bpr.get(5),
            payment_date=paid_on,
        ),
        trace=Trace(
            trace_type=trn.require(1),
            reference=trn.require(2),
            originator=trn.get(3),
            supplemental=trn.get(4),
        ),
        production_date=el.date8(production, 2) if production else None,
        references=[parts.reference(s) for s in tree.all("REF")],
        payer=_party(tree.loop("1000A"), "payer (N1*PR)", ts.header),
        payee=_party(tree.loop("1000B"), "payee (N1*PE)", ts.header),
        claims=[_claim(c) for lx in tree.loops("2000") for c in lx.children],
        provider_adjustments=[_plb(s) for s in tree.all("PLB")],
    )
