"""Readers turning common segments (NM1, N3/N4, REF, PER, PRV, DTP, AAA, ...) into models."""

from __future__ import annotations

from clinicflow.x12 import elements as el
from clinicflow.x12.model import (
    Address,
    Communication,
    Contact,
    DatePeriod,
    Demographics,
    Diagnosis,
    EntityName,
    MemberRelationship,
    ProviderInformation,
    Reference,
    RequestValidation,
    TraceNumber,
)
from clinicflow.x12.segment import Segment
from clinicflow.x12.typed import trusted

_YES_NO = ("Y", "N")


def entity_name(seg: Segment) -> EntityName:
    """NM1."""
    get = seg.get
    entity_type = el.required_code(seg, 2, ("1", "2"))
    return trusted(
        EntityName,
        entity_code=seg.require(1),
        entity_type=entity_type,
        name=get(3),
        first_name=get(4),
        middle_name=get(5),
        name_prefix=get(6),
        name_suffix=get(7),
        id_qualifier=get(8),
        identifier=get(9),
        relationship_code=get(10),
    )


def address(n3: Segment | None, n4: Segment | None) -> Address | None:
    """N3 + N4 (either may be absent)."""
    if n3 is None and n4 is None:
        return None
    lines = [line for line in (n3.get(1), n3.get(2)) if line] if n3 else []
    if n4 is None:
        return trusted(
            Address,
            lines=lines,
            city=None,
            state=None,
            postal_code=None,
            country=None,
            location_qualifier=None,
            location_id=None,
            country_subdivision=None,
        )
    get = n4.get
    return trusted(
        Address,
        lines=lines,
        city=get(1),
        state=get(2),
        postal_code=get(3),
        country=get(4),
        location_qualifier=get(5),
        location_id=get(6),
        country_subdivision=get(7),
    )


def reference(seg: Segment) -> Reference:
    """REF."""
    return trusted(
        Reference, qualifier=seg.require(1), value=seg.require(2), description=seg.get(3)
    )


def contact(seg: Segment) -> Contact:
    """PER with up to three communication numbers."""
    comms = []
    for pos in (3, 5, 7):
        qualifier, number = seg.get(pos), seg.get(pos + 1)
        if qualifier and number:
            comms.append(trusted(Communication, qualifier=qualifier, number=number))
        elif qualifier or number:
            raise seg.error("communication qualifier and number must come together", pos)
    return trusted(Contact, function=seg.require(1), name=seg.get(2), communications=comms)


def provider_information(seg: Segment) -> ProviderInformation:
    """PRV."""
    return trusted(
        ProviderInformation,
        provider_code=seg.require(1),
        id_qualifier=seg.get(2),
        identifier=seg.get(3),
    )


def date_period(seg: Segment) -> DatePeriod:
    """DTP with D8 or RD8."""
    start, end = el.date_period(seg, 2, 3)
    return trusted(DatePeriod, qualifier=seg.require(1), start=start, end=end)


def request_validation(seg: Segment) -> RequestValidation:
    """AAA; the loop it sits in is kept so staff know which level was refused."""
    valid = el.required_code(seg, 1, _YES_NO)
    return trusted(
        RequestValidation,
        loop=seg.loop or "",
        valid=valid == "Y",
        agency_qualifier=seg.get(2),
        reject_reason=seg.get(3),
        follow_up_action=seg.get(4),
    )


def demographics(seg: Segment) -> Demographics:
    """DMG (D8 date of birth and gender)."""
    fmt = el.code(seg, 1, ("D8",))
    if fmt is None and seg.get(2) is not None:
        raise seg.error("date format qualifier is missing", 1)
    gender = el.code(seg, 3, ("F", "M", "U"))
    return trusted(Demographics, birth_date=el.date8(seg, 2), gender=gender)


def member_relationship(seg: Segment) -> MemberRelationship:
    """INS."""
    return trusted(
        MemberRelationship,
        subscriber=el.required_code(seg, 1, _YES_NO) == "Y",
        relationship_code=seg.require(2),
        maintenance_type=seg.get(3),
        maintenance_reason=seg.get(4),
        birth_sequence=seg.get(17),
    )


def trace_number(seg: Segment) -> TraceNumber:
    """TRN."""
    return trusted(
        TraceNumber,
        trace_type=seg.require(1),
        reference=seg.require(2),
        originator=seg.require(3),
        supplemental=seg.get(4),
    )


def diagnoses(seg: Segment) -> list[Diagnosis]:
    """HI: every composite present."""
    out = []
    for pos in range(1, len(seg.elements)):
        parts = seg.components(pos)
        if not parts:
            continue
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise seg.error("diagnosis needs a qualifier and a code", pos)
        out.append(trusted(Diagnosis, qualifier=parts[0], code=parts[1]))
    return out
