"""Read a 270 transaction set back into typed inquiries (used for round trips and intake)."""

from __future__ import annotations

from datetime import date

from clinicflow.x12 import elements as el
from clinicflow.x12.eligibility.inquiry import (
    Dependent,
    EligibilityInquiry,
    EligibilityInquiryDocument,
    Payer,
    Provider,
    Subscriber,
)
from clinicflow.x12.eligibility.specs import SPEC_270
from clinicflow.x12.loops import Loop, build_loops
from clinicflow.x12.reader import TransactionSet
from clinicflow.x12.segment import Segment


def _name(loop: Loop) -> Segment:
    nm1 = loop.trigger
    return nm1


def _person_fields(loop: Loop) -> dict[str, object]:
    nm1 = _name(loop)
    dmg = loop.first("DMG")
    return {
        "last_name": nm1.require(3),
        "first_name": nm1.get(4),
        "middle_name": nm1.get(5),
        "suffix": nm1.get(7),
        "birth_date": el.date8(dmg, 2) if dmg else None,
        "gender": el.code(dmg, 3, ("F", "M")) if dmg else None,
    }


def _service(level: Loop, name: Loop) -> tuple[list[str], date | None, date | None, Segment]:
    """Service types and date of the patient's level."""
    types: list[str] = []
    dtps = [s for s in name.all("DTP") if s.get(1) == "291"]
    for eq_loop in name.loops(level.id.replace("2000", "2110")):
        eq = eq_loop.trigger
        types.extend(eq.repeats(1))
        dtps.extend(s for s in eq_loop.all("DTP") if s.get(1) == "291")
    if not types:
        raise name.trigger.error("no EQ service type code for this patient")
    start = end = None
    if dtps:
        start, end = el.date_period(dtps[0], 2, 3)
    trn = level.first("TRN")
    if trn is None:
        raise level.trigger.error("patient level has no TRN trace number")
    return types, start, end, trn


def _inquiry(
    payer: Payer, provider: Provider, sub_level: Loop, dep_level: Loop | None
) -> EligibilityInquiry:
    sub_name = sub_level.loop("2100C")
    if sub_name is None:
        raise sub_level.trigger.error("subscriber level has no NM1*IL name")
    ref = next((r for r in sub_name.all("REF") if r.get(1) == "6P"), None)
    subscriber = Subscriber(
        member_id=_name(sub_name).require(9),
        group_number=ref.get(2) if ref else None,
        **_person_fields(sub_name),
    )
    dependent = None
    level, name = sub_level, sub_name
    if dep_level is not None:
        dep_name = dep_level.loop("2100D")
        if dep_name is None:
            raise dep_level.trigger.error("dependent level has no NM1*03 name")
        dependent = Dependent(**_person_fields(dep_name))
        level, name = dep_level, dep_name
    types, start, end, trn = _service(level, name)
    return EligibilityInquiry(
        payer=payer,
        provider=provider,
        subscriber=subscriber,
        dependent=dependent,
        service_types=types,
        date_of_service=start,
        date_of_service_end=end,
        trace_number=trn.require(2),
        trace_originator_id=trn.require(3),
    )


def parse_270(ts: TransactionSet) -> EligibilityInquiryDocument:
    """Typed inquiries of one 270 set: one per patient (subscriber or dependent)."""
    tree = build_loops(ts.segments, SPEC_270)
    bht = tree.first("BHT")
    if bht is None:
        raise ts.header.error("transaction set has no BHT")
    inquiries: list[EligibilityInquiry] = []
    for source in tree.loops("2000A"):
        payer_loop = source.loop("2100A")
        if payer_loop is None:
            raise source.trigger.error("information source has no NM1 name")
        nm1 = payer_loop.trigger
        payer = Payer(id=nm1.require(9), name=nm1.require(3))
        for receiver in source.loops("2000B"):
            prov_loop = receiver.loop("2100B")
            if prov_loop is None:
                raise receiver.trigger.error("information receiver has no NM1 name")
            pn = prov_loop.trigger
            prv = prov_loop.first("PRV")
            provider = Provider(
                npi=pn.require(9),
                name=pn.require(3),
                first_name=pn.get(4),
                taxonomy=prv.get(3) if prv else None,
            )
            for sub in receiver.loops("2000C"):
                deps = sub.loops("2000D")
                if not deps:
                    inquiries.append(_inquiry(payer, provider, sub, None))
                inquiries.extend(_inquiry(payer, provider, sub, dep) for dep in deps)
    created = el.date8(bht, 4)
    if created is None:
        raise bht.error("required element is missing", 4)
    return EligibilityInquiryDocument(
        control_number=ts.control_number,
        implementation=ts.implementation,
        purpose=bht.require(2),
        reference=bht.get(3),
        created_date=created,
        created_time=el.hhmm(bht, 5),
        inquiries=inquiries,
    )
