"""Parse a 277CA transaction set into :class:`ClaimAcknowledgmentDocument`."""

from __future__ import annotations

from datetime import date

from clinicflow.x12 import elements as el
from clinicflow.x12 import parts
from clinicflow.x12.claimack.model import (
    ClaimAcknowledgment,
    ClaimAcknowledgmentDocument,
    ProviderAcknowledgment,
    ReceiverAcknowledgment,
    ServiceLineStatus,
    SourceAcknowledgment,
    Status,
    StatusCode,
    Totals,
    TransmissionReceipt,
)
from clinicflow.x12.loops import Loop, LoopSpec, build_loops, spec
from clinicflow.x12.reader import TransactionSet
from clinicflow.x12.segment import Segment

SPEC_277CA: LoopSpec = spec(
    "ST",
    "ST",
    "ST BHT",
    spec(
        "2000A",
        "HL",
        "",
        spec("2100A", "NM1"),
        spec("2200A", "TRN", "DTP"),
        spec(
            "2000B",
            "HL",
            "",
            spec("2100B", "NM1"),
            spec("2200B", "TRN", "STC QTY AMT"),
            spec(
                "2000C",
                "HL",
                "",
                spec("2100C", "NM1"),
                spec("2200C", "TRN", "STC REF QTY AMT"),
                spec(
                    "2000D",
                    "HL",
                    "",
                    spec("2100D", "NM1"),
                    spec("2200D", "TRN", "STC REF DTP", spec("2220D", "SVC", "STC REF DTP")),
                    qualifier=(3, "PT"),
                ),
                qualifier=(3, "19"),
            ),
            qualifier=(3, "21"),
        ),
        qualifier=(3, "20"),
    ),
    trailer="SE",
)


def _code(seg: Segment, pos: int) -> StatusCode | None:
    comps = seg.components(pos)
    if not comps:
        return None
    if not comps[0]:
        raise seg.error("status category code is missing", pos, 1)
    extra = [c or None for c in comps[1:4]] + [None] * 3
    return StatusCode(category=comps[0], status=extra[0], entity=extra[1], code_list=extra[2])


def _status(seg: Segment) -> Status:
    found = [c for pos in (1, 10, 11) if (c := _code(seg, pos)) is not None]
    if not found:
        raise seg.error("required element is missing", 1)
    return Status(
        codes=found,
        effective_date=el.date8(seg, 2),
        action_code=seg.get(3),
        amount=el.decimal(seg, 4),
        message=seg.get(12),
    )


def _totals(loop: Loop) -> Totals:
    found: dict[str, object] = {}
    names = {
        "90": "accepted_quantity",
        "QA": "accepted_quantity",
        "AA": "rejected_quantity",
        "QC": "rejected_quantity",
        "YU": "accepted_amount",
        "YY": "rejected_amount",
    }
    for seg in loop.segments:
        if seg.id in ("QTY", "AMT") and (key := names.get(seg.get(1) or "")):
            found[key] = el.decimal(seg, 2)
    return Totals.model_validate(found)


def _dates(loop: Loop) -> tuple[date | None, date | None]:
    dtp = next((s for s in loop.all("DTP") if s.get(1) == "472"), None)
    return el.date_period(dtp, 2, 3) if dtp else (None, None)


def _ref(loop: Loop, qualifier: str) -> str | None:
    return next((s.require(2) for s in loop.all("REF") if s.get(1) == qualifier), None)


def _name(level: Loop, loop_id: str) -> Loop:
    name = level.loop(loop_id)
    if name is None:
        raise level.trigger.error(f"loop {loop_id} (NM1) is missing")
    return name


def _line(loop: Loop) -> ServiceLineStatus:
    svc = loop.trigger
    proc = svc.components(1)
    if len(proc) < 2 or not proc[0] or not proc[1]:
        raise svc.error("procedure needs a qualifier and a code", 1)
    charge = el.decimal(svc, 2)
    if charge is None:
        raise svc.error("required element is missing", 2)
    start, end = _dates(loop)
    return ServiceLineStatus(
        procedure_qualifier=proc[0],
        procedure_code=proc[1],
        modifiers=[m for m in proc[2:6] if m],
        charge=charge,
        revenue_code=svc.get(4),
        units=el.decimal(svc, 7),
        statuses=[_status(s) for s in loop.all("STC")],
        references=[parts.reference(s) for s in loop.all("REF")],
        service_date=start,
        service_date_end=end,
    )


def _claim(level: Loop) -> list[ClaimAcknowledgment]:
    patient = parts.entity_name(_name(level, "2100D").trigger)
    out = []
    for loop in level.loops("2200D"):
        start, end = _dates(loop)
        out.append(
            ClaimAcknowledgment(
                patient=patient,
                patient_control_number=loop.trigger.require(2),
                statuses=[_status(s) for s in loop.all("STC")],
                payer_claim_number=_ref(loop, "1K"),
                clearinghouse_trace=_ref(loop, "D9"),
                bill_type=_ref(loop, "BLT"),
                service_date=start,
                service_date_end=end,
                lines=[_line(c) for c in loop.loops("2220D")],
            )
        )
    return out


def _check_parent(level: Loop, parent: Loop) -> None:
    if level.trigger.get(2) != parent.trigger.get(1):
        raise level.trigger.error(f"HL02 does not name the enclosing {parent.id} level's HL01", 2)


def _provider(level: Loop) -> ProviderAcknowledgment:
    trace = level.loop("2200C")
    claims = []
    for patient in level.loops("2000D"):
        _check_parent(patient, level)
        claims += _claim(patient)
    return ProviderAcknowledgment(
        name=parts.entity_name(_name(level, "2100C").trigger),
        trace=trace.trigger.require(2) if trace else None,
        statuses=[_status(s) for s in trace.all("STC")] if trace else [],
        references=[parts.reference(s) for s in trace.all("REF")] if trace else [],
        totals=_totals(trace) if trace else Totals(),
        claims=claims,
    )


def _receiver(level: Loop) -> ReceiverAcknowledgment:
    trace = level.loop("2200B")
    providers = []
    for prov in level.loops("2000C"):
        _check_parent(prov, level)
        providers.append(_provider(prov))
    return ReceiverAcknowledgment(
        name=parts.entity_name(_name(level, "2100B").trigger),
        trace=trace.trigger.require(2) if trace else None,
        statuses=[_status(s) for s in trace.all("STC")] if trace else [],
        totals=_totals(trace) if trace else Totals(),
        providers=providers,
    )


def _source(level: Loop) -> SourceAcknowledgment:
    receipts = []
    for loop in level.loops("2200A"):
        dtps = {s.get(1): s for s in loop.all("DTP")}
        receipts.append(
            TransmissionReceipt(
                trace=loop.trigger.require(2),
                received_date=el.date8(d, 3) if (d := dtps.get("050")) else None,
                processed_date=el.date8(d, 3) if (d := dtps.get("009")) else None,
            )
        )
    receivers = []
    for rec in level.loops("2000B"):
        _check_parent(rec, level)
        receivers.append(_receiver(rec))
    return SourceAcknowledgment(
        name=parts.entity_name(_name(level, "2100A").trigger),
        receipts=receipts,
        receivers=receivers,
    )


def parse_277ca(ts: TransactionSet) -> ClaimAcknowledgmentDocument:
    """Typed 277CA: sources, receivers, providers and each claim's statuses."""
    tree = build_loops(ts.segments, SPEC_277CA)
    bht = tree.first("BHT")
    if bht is None:
        raise ts.header.error("transaction set has no BHT")
    created = el.date8(bht, 4)
    if created is None:
        raise bht.error("required element is missing", 4)
    return ClaimAcknowledgmentDocument(
        control_number=ts.control_number,
        implementation=ts.implementation,
        purpose=bht.require(2),
        reference=bht.get(3),
        created_date=created,
        created_time=el.hhmm(bht, 5),
        transaction_type=bht.get(6),
        sources=[_source(s) for s in tree.loops("2000A")],
    )
