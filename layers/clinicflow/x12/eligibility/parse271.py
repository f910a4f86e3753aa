"""Parse a 271 transaction set into :class:`EligibilityResponseDocument`."""

from __future__ import annotations

from decimal import Decimal

from clinicflow.x12 import elements as el
from clinicflow.x12 import parts
from clinicflow.x12.eligibility.response import (
    AdditionalInformation,
    Benefit,
    EligibilityResponseDocument,
    InformationReceiver,
    InformationSource,
    Member,
    ProcedureCode,
    RelatedEntity,
    ServiceDelivery,
    Subscriber,
)
from clinicflow.x12.eligibility.specs import SPEC_271
from clinicflow.x12.loops import Loop, build_loops
from clinicflow.x12.reader import TransactionSet
from clinicflow.x12.segment import Segment
from clinicflow.x12.typed import trusted

_AUTH = ("Y", "N", "U")
_NETWORK = ("Y", "N", "U", "W")
_PAD = [""] * 15


def _number(value: str, seg: Segment, pos: int) -> Decimal | None:
    """``el.decimal`` for an element already read (``""``: absent)."""
    if not value:
        return None
    number = el.parse_decimal(value)
    if number is None:
        raise seg.error("not a valid number", pos)
    return number


def _code(value: str, allowed: tuple[str, ...], seg: Segment, pos: int) -> str | None:
    """``el.code`` for an element already read (``""``: absent)."""
    if value and value not in allowed:
        raise seg.error("code is not valid here", pos)
    return value or None


def _delivery(seg: Segment) -> ServiceDelivery:
    return trusted(
        ServiceDelivery,
        quantity_qualifier=seg.get(1),
        quantity=el.decimal(seg, 2),
        unit=seg.get(3),
        sample_selection_modulus=el.decimal(seg, 4),
        time_period=seg.get(5),
        period_count=el.decimal(seg, 6),
        delivery_frequency=seg.get(7),
        delivery_pattern_time=seg.get(8),
    )


def _procedure(seg: Segment) -> ProcedureCode | None:
    comps = seg.components(13)
    if not comps:
        return None
    if len(comps) < 2 or not comps[0] or not comps[1]:
        raise seg.error("procedure needs a qualifier and a code", 13)
    modifiers = [m for m in comps[2:6] if m]
    return trusted(ProcedureCode, qualifier=comps[0], code=comps[1], modifiers=modifiers)


def _pointers(seg: Segment) -> list[int]:
    out = []
    for i, comp in enumerate(seg.components(14), 1):
        if not comp:
            continue
        if not comp.isdigit():
            raise seg.error("diagnosis pointer must be a number", 14, i)
        out.append(int(comp))
    return out


def _service_types(seg: Segment) -> list[str]:
    """EB03 repetitions; also split on the component separator when a file uses it instead."""
    values = seg.repeats(3)
    seps = seg.source.separators if seg.source else None
    if seps and len(values) == 1 and seps.component in values[0]:
        values = [v for v in values[0].split(seps.component) if v]
    return values


def _related(loop: Loop) -> RelatedEntity:
    return trusted(
        RelatedEntity,
        name=parts.entity_name(loop.trigger),
        address=parts.address(loop.first("N3"), loop.first("N4")),
        contacts=[parts.contact(s) for s in loop.all("PER")],
        provider=parts.provider_information(prv) if (prv := loop.first("PRV")) else None,
    )


def _benefit(loop: Loop) -> Benefit:
    eb = loop.trigger
    refs, dates, errors, messages, deliveries = [], [], [], [], []
    for seg in loop.segments[1:]:
        sid = seg.id
        if sid == "HSD":
            deliveries.append(_delivery(seg))
        elif sid == "REF":
            refs.append(parts.reference(seg))
        elif sid == "DTP":
            dates.append(parts.date_period(seg))
        elif sid == "AAA":
            errors.append(parts.request_validation(seg))
        elif sid == "MSG":
            messages.append(seg.require(1))
    info, related = [], []
    for child in loop.children:
        if child.id[:4] == "2115":
            s = child.trigger
            info.append(
                trusted(
                    AdditionalInformation,
                    qualifier=s.get(1),
                    code=s.get(2),
                    category=s.get(3),
                    text=s.get(4),
                )
            )
    for child in loop.children:
        if child.id[:4] == "2120":
            related.append(_related(child))
    v = eb.elements + _PAD  # EB01..EB14 by index, "" when absent (one lookup per element)
    return trusted(
        Benefit,
        code=el.required_code(eb, 1),
        coverage_level=v[2] or None,
        service_types=_service_types(eb),
        insurance_type=v[4] or None,
        plan_description=v[5] or None,
        time_period=v[6] or None,
        amount=_number(v[7], eb, 7),
        percent=_number(v[8], eb, 8),
        quantity_qualifier=v[9] or None,
        quantity=_number(v[10], eb, 10),
        authorization_required=_code(v[11], _AUTH, eb, 11),
        in_plan_network=_code(v[12], _NETWORK, eb, 12),
        procedure=_procedure(eb) if v[13] else None,
        diagnosis_pointers=_pointers(eb) if v[14] else [],
        deliveries=deliveries,
        references=refs,
        dates=dates,
        errors=errors,
        messages=messages,
        additional_information=info,
        related_entities=related,
    )


def _member_fields(level: Loop, name_id: str) -> dict[str, object]:
    name = level.loop(name_id)
    if name is None:
        raise level.trigger.error(f"loop {name_id} (NM1) is missing")
    first = name.first
    return {
        "trace_numbers": [parts.trace_number(s) for s in level.all("TRN")],
        "name": parts.entity_name(name.trigger),
        "references": [parts.reference(s) for s in name.all("REF")],
        "address": parts.address(first("N3"), first("N4")),
        "errors": [parts.request_validation(s) for s in name.all("AAA")],
        "provider": parts.provider_information(prv) if (prv := first("PRV")) else None,
        "demographics": parts.demographics(dmg) if (dmg := first("DMG")) else None,
        "relationship": parts.member_relationship(ins) if (ins := first("INS")) else None,
        "diagnoses": parts.diagnoses(hi) if (hi := first("HI")) else [],
        "dates": [parts.date_period(s) for s in name.all("DTP")],
        "benefits": [_benefit(c) for c in name.children],
    }


def _receiver(loop: Loop) -> InformationReceiver:
    name = loop.loop("2100B")
    if name is None:
        raise loop.trigger.error("loop 2100B (NM1) is missing")
    first = name.first
    subscribers = []
    for sub in loop.loops("2000C"):
        deps = [trusted(Member, **_member_fields(d, "2100D")) for d in sub.loops("2000D")]
        subscribers.append(trusted(Subscriber, dependents=deps, **_member_fields(sub, "2100C")))
    return trusted(
        InformationReceiver,
        name=parts.entity_name(name.trigger),
        references=[parts.reference(s) for s in name.all("REF")],
        address=parts.address(first("N3"), first("N4")),
        errors=[parts.request_validation(s) for s in name.all("AAA")],
        provider=parts.provider_information(prv) if (prv := first("PRV")) else None,
        subscribers=subscribers,
    )


def _source(loop: Loop) -> InformationSource:
    name = loop.loop("2100A")
    if name is None:
        raise loop.trigger.error("loop 2100A (NM1) is missing")
    errors = [parts.request_validation(s) for s in (*loop.all("AAA"), *name.all("AAA"))]
    return trusted(
        InformationSource,
        name=parts.entity_name(name.trigger),
        contacts=[parts.contact(s) for s in name.all("PER")],
        errors=errors,
        receivers=[_receiver(r) for r in loop.loops("2000B")],
    )


def parse_271(ts: TransactionSet) -> EligibilityResponseDocument:
    """Typed 271: sources, receivers, subscribers, dependents and every EB loop."""
    tree = build_loops(ts.segments, SPEC_271)
    bht = tree.first("BHT")
    if bht is None:
        raise ts.header.error("transaction set has no BHT")
    created = el.date8(bht, 4)
    if created is None:
        raise bht.error("required element is missing", 4)
    return trusted(
        EligibilityResponseDocument,
        transaction="271",
        control_number=ts.control_number,
        implementation=ts.implementation,
        purpose=bht.require(2),
        reference=bht.get(3),
        created_date=created,
        created_time=el.hhmm(bht, 5),
        sources=[_source(s) for s in tree.loops("2000A")],
    )
