"""Build 270 eligibility inquiries (005010X279A1) from typed requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from clinicflow.x12.eligibility.inquiry import Dependent, EligibilityInquiry, Subscriber
from clinicflow.x12.separators import Separators
from clinicflow.x12.writer import (
    Collision,
    Group,
    InterchangeHeader,
    InterchangeWriter,
    Repeat,
    SegmentData,
    TransactionContent,
)

IMPLEMENTATION = "005010X279A1"


def _d8(value: date) -> str:
    return value.strftime("%Y%m%d")


def _patient(
    inq: EligibilityInquiry, person: Subscriber | Dependent, level: str, repeat: bool
) -> list[SegmentData]:
    """TRN, name, demographics, date and EQ of the patient's level (C or D)."""
    out: list[SegmentData] = [("TRN", "1", inq.trace_number, inq.trace_originator_id)]
    if level == "C":
        member_id = person.member_id
        out.append(
            ("NM1", "IL", "1", person.last_name, person.first_name, person.middle_name, None,
             person.suffix, "MI" if member_id else None, member_id)
        )  # fmt: skip
        if inq.subscriber.group_number:
            out.append(("REF", "6P", inq.subscriber.group_number))
    else:
        out.append(
            ("NM1", "03", "1", person.last_name, person.first_name, person.middle_name, None,
             person.suffix)
        )  # fmt: skip
    if person.birth_date or person.gender:
        dob = _d8(person.birth_date) if person.birth_date else None
        out.append(("DMG", "D8" if dob else None, dob, person.gender))
    if inq.date_of_service:
        start = _d8(inq.date_of_service)
        if inq.date_of_service_end and inq.date_of_service_end != inq.date_of_service:
            out.append(("DTP", "291", "RD8", f"{start}-{_d8(inq.date_of_service_end)}"))
        else:
            out.append(("DTP", "291", "D8", start))
    if repeat:
        out.append(("EQ", Repeat(*inq.service_types)))
    else:
        out.extend(("EQ", code) for code in inq.service_types)
    return out


def inquiry_body(
    inq: EligibilityInquiry, created: datetime, *, repeat_service_types: bool = True
) -> list[SegmentData]:
    """The segments between ST and SE for one inquiry.

    Service types go in one EQ with repetitions (X279A1), or with ``repeat_service_types=False``
    in one 2110 loop each (also valid, and what receivers without repetition support read).
    """
    prov = inq.provider
    person_provider = prov.first_name is not None
    body: list[SegmentData] = [
        ("BHT", "0022", "13", inq.trace_number, _d8(created.date()), created.strftime("%H%M")),
        ("HL", "1", None, "20", "1"),
        ("NM1", "PR", "2", inq.payer.name, None, None, None, None, "PI", inq.payer.id),
        ("HL", "2", "1", "21", "1"),
        ("NM1", "1P", "1" if person_provider else "2", prov.name, prov.first_name,
         None, None, None, "XX", prov.npi),
    ]  # fmt: skip
    if prov.taxonomy:
        body.append(("PRV", "PE", "PXC", prov.taxonomy))
    dependent_level = inq.patient_level == "dependent"
    body.append(("HL", "3", "2", "22", "1" if dependent_level else "0"))
    if dependent_level:
        sub = inq.subscriber
        body.append(
            ("NM1", "IL", "1", sub.last_name, sub.first_name, sub.middle_name, None, sub.suffix,
             "MI", sub.member_id)
        )  # fmt: skip
        if sub.group_number:
            body.append(("REF", "6P", sub.group_number))
        if sub.birth_date or sub.gender:
            dob = _d8(sub.birth_date) if sub.birth_date else None
            body.append(("DMG", "D8" if dob else None, dob, sub.gender))
        body.append(("HL", "4", "3", "23", "0"))
        assert inq.dependent is not None
        body.extend(_patient(inq, inq.dependent, "D", repeat_service_types))
    else:
        patient: Subscriber | Dependent = inq.dependent or inq.subscriber
        body.extend(_patient(inq, patient, "C", repeat_service_types))
    return body


def build_270(
    inquiries: EligibilityInquiry | Sequence[EligibilityInquiry],
    header: InterchangeHeader,
    *,
    group_control_number: int,
    first_transaction_control_number: int = 1,
    application_sender: str | None = None,
    application_receiver: str | None = None,
    separators: Separators | None = None,
    on_collision: Collision = "error",
    line_breaks: bool = False,
    repeat_service_types: bool = True,
) -> str:
    """A complete interchange: one GS (HS), one ST per inquiry, numbered from the given ids."""
    items = [inquiries] if isinstance(inquiries, EligibilityInquiry) else list(inquiries)
    created = header.created
    sets = [
        TransactionContent("270", first_transaction_control_number + i,
                           inquiry_body(inq, created, repeat_service_types=repeat_service_types),
                           IMPLEMENTATION)
        for i, inq in enumerate(items)
    ]  # fmt: skip
    group = Group(
        functional_id="HS",
        sender_code=application_sender or header.sender_id,
        receiver_code=application_receiver or header.receiver_id,
        control_number=group_control_number,
        version=IMPLEMENTATION,
        transactions=sets,
    )
    writer = InterchangeWriter(separators, on_collision=on_collision, line_breaks=line_breaks)
    return writer.write(header, [group])
