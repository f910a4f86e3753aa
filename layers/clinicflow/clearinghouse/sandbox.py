"""A sandbox payer: answers 270s locally and deterministically, so a clinic can try every path.

The member id chooses the scenario (prefix, case-insensitive; see docs/eligibility-sandbox.md):

=================  ==============================================================
``SBX-ACTIVE``     active PPO, $25 office-visit copay (the default for any other id)
``SBX-HIGHDED``    active high-deductible plan: no copay, large deductible left
``SBX-INACTIVE``   coverage ended on the last day of the year before the visit
``SBX-SECONDARY``  active, but another payer is primary (EB*R): coordinate benefits
``SBX-BADID``      AAA 72 invalid member id, follow-up C (correct and resubmit)
``SBX-NOTFOUND``   AAA 75 subscriber not found, follow-up C
``SBX-BUSY``       AAA 42 payer unable to respond now, follow-up R (retry later)
``SBX-TIMEOUT``    no answer: ClearinghouseTimeoutError
``SBX-CORRECTED``  active PPO, but the payer's records correct the member id, first
                   name and birth date (see ``sandbox_records``)
=================  ==============================================================

The same 270 always gets the same 271: dates and control numbers come from the 270.
Everything here is synthetic; no real payer is involved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from clinicflow.clearinghouse.port import ClearinghouseError, ClearinghouseTimeoutError
from clinicflow.clearinghouse.sandbox_records import corrected_members
from clinicflow.x12 import (
    Group,
    InterchangeHeader,
    InterchangeWriter,
    Repeat,
    TransactionContent,
    X12Error,
    parse_file,
)
from clinicflow.x12.document import ParsedGroup, ParsedInterchange
from clinicflow.x12.eligibility.inquiry import (
    Dependent,
    EligibilityInquiry,
    EligibilityInquiryDocument,
    Subscriber,
)
from clinicflow.x12.writer import SegmentData

SANDBOX_ID = "sandbox"
IMPLEMENTATION = "005010X279A1"
PCP_NPI = "1234567893"

Scenario = Literal[
    "active",
    "high_deductible",
    "inactive",
    "secondary",
    "bad_id",
    "not_found",
    "busy",
    "timeout",
    "corrected",
]
SCENARIOS: dict[str, Scenario] = {
    "SBX-ACTIVE": "active",
    "SBX-HIGHDED": "high_deductible",
    "SBX-INACTIVE": "inactive",
    "SBX-SECONDARY": "secondary",
    "SBX-BADID": "bad_id",
    "SBX-NOTFOUND": "not_found",
    "SBX-BUSY": "busy",
    "SBX-TIMEOUT": "timeout",
    "SBX-CORRECTED": "corrected",
}


def scenario_of(member_id: str | None) -> Scenario:
    """The scenario a member id selects (``active`` when no prefix matches)."""
    upper = (member_id or "").upper()
    for prefix, scenario in SCENARIOS.items():
        if upper.startswith(prefix):
            return scenario
    return "active"


def _d8(value: date) -> str:
    return value.strftime("%Y%m%d")


def _eb(
    code: str,
    level: str | None = None,
    types: tuple[str, ...] = (),
    *,
    insurance: str | None = None,
    plan: str | None = None,
    period: str | None = None,
    amount: str | None = None,
    percent: str | None = None,
    auth: str | None = None,
    network: str | None = None,
) -> SegmentData:
    st = Repeat(*types) if types else None
    return ("EB", code, level, st, insurance, plan, period, amount, percent, None, None, auth,
            network)  # fmt: skip


def _year(on: date) -> tuple[date, date]:
    return date(on.year, 1, 1), date(on.year, 12, 31)


def _plan_dates(on: date) -> list[SegmentData]:
    start, end = _year(on)
    return [("DTP", "346", "D8", _d8(start)), ("DTP", "291", "RD8", f"{_d8(start)}-{_d8(end)}")]


def _active(on: date) -> list[SegmentData]:
    return [
        *_plan_dates(on),
        _eb("1", "IND", ("30",), insurance="PR", plan="SANDBOX GOLD PPO"),
        _eb("B", "IND", ("98",), period="27", amount="25", network="Y"),
        _eb("B", "IND", ("98",), period="27", amount="50", network="N"),
        _eb("B", "IND", ("UC",), period="27", amount="75", network="Y"),
        _eb("A", "IND", ("30",), period="27", percent="0.2", network="Y"),
        _eb("A", "IND", ("30",), period="27", percent="0.4", network="N"),
        _eb("C", "IND", ("30",), period="23", amount="1500", network="Y"),
        _eb("C", "IND", ("30",), period="29", amount="1250", network="Y"),
        _eb("C", "FAM", ("30",), period="23", amount="3000", network="Y"),
        _eb("C", "FAM", ("30",), period="29", amount="2800", network="Y"),
        _eb("C", "IND", ("30",), period="23", amount="3000", network="N"),
        _eb("G", "IND", ("30",), period="23", amount="6000", network="Y"),
        _eb("G", "IND", ("30",), period="29", amount="5500.50", network="Y"),
        _eb("G", "FAM", ("30",), period="23", amount="12000", network="Y"),
        _eb("L", None, ("30",)),
        ("LS", "2120"),
        ("NM1", "P3", "1", "WELBY", "MARCUS", None, None, None, "XX", PCP_NPI),
        ("PER", "IC", None, "TE", "5555550123"),
        ("LE", "2120"),
    ]


def _high_deductible(on: date) -> list[SegmentData]:
    return [
        *_plan_dates(on),
        _eb("1", "IND", ("30",), insurance="PR", plan="SANDBOX BRONZE HDHP"),
        ("MSG", "HIGH DEDUCTIBLE HEALTH PLAN - HSA ELIGIBLE"),
        _eb("B", "IND", ("98",), period="27", amount="0", network="Y"),
        ("MSG", "COPAY APPLIES AFTER THE DEDUCTIBLE IS MET"),
        _eb("A", "IND", ("30",), period="27", percent="0.3", network="Y"),
        _eb("C", "IND", ("30",), period="23", amount="7000", network="Y"),
        _eb("C", "IND", ("30",), period="29", amount="6850", network="Y"),
        _eb("C", "FAM", ("30",), period="23", amount="14000", network="Y"),
        _eb("C", "FAM", ("30",), period="29", amount="13700", network="Y"),
        _eb("G", "IND", ("30",), period="23", amount="8000", network="Y"),
        _eb("G", "IND", ("30",), period="29", amount="7850", network="Y"),
    ]


def _inactive(on: date) -> list[SegmentData]:
    ended = date(on.year, 1, 1) - timedelta(days=1)
    return [
        ("DTP", "357", "D8", _d8(ended)),
        _eb("6", "IND", ("30",), plan="SANDBOX GOLD PPO"),
        ("MSG", "COVERAGE TERMINATED"),
    ]


def _secondary(on: date) -> list[SegmentData]:
    return [
        *_plan_dates(on),
        _eb("1", "IND", ("30",), insurance="C1", plan="SANDBOX SILVER EPO"),
        _eb("B", "IND", ("98",), period="27", amount="30", network="Y"),
        _eb("R", None, ("30",), insurance="C1"),
        ("MSG", "THIS PLAN IS SECONDARY; BILL THE PRIMARY PAYER FIRST"),
        ("LS", "2120"),
        ("NM1", "PRP", "2", "SUMMIT MUTUAL INSURANCE", None, None, None, None, "PI", "SMTM2"),
        ("LE", "2120"),
    ]


_BENEFITS: dict[Scenario, Callable[[date], list[SegmentData]]] = {
    "active": _active,
    "high_deductible": _high_deductible,
    "inactive": _inactive,
    "secondary": _secondary,
    "corrected": _active,
}
_MEMBER_REJECTIONS: dict[Scenario, str] = {"bad_id": "72", "not_found": "75"}


def _member(
    person: Subscriber | Dependent, entity: str, with_id: bool, aaa: str | None
) -> list[SegmentData]:
    member_id = person.member_id if with_id else None
    out: list[SegmentData] = [
        ("NM1", entity, "1", person.last_name, person.first_name, person.middle_name, None,
         person.suffix, "MI" if member_id else None, member_id),
    ]  # fmt: skip
    if aaa:
        out.append(("AAA", "N", None, aaa, "C"))
    if person.birth_date or person.gender:
        out.append(
            ("DMG", "D8" if person.birth_date else None,
             _d8(person.birth_date) if person.birth_date else None, person.gender)
        )  # fmt: skip
    return out


def response_body(
    inq: EligibilityInquiry, created: datetime, scenario: Scenario
) -> list[SegmentData]:
    """The segments between ST and SE of the 271 that answers one inquiry."""
    on = inq.date_of_service or created.date()
    busy = scenario == "busy"
    body: list[SegmentData] = [
        ("BHT", "0022", "11", inq.trace_number, _d8(created.date()), created.strftime("%H%M")),
        ("HL", "1", None, "20", "0" if busy else "1"),
    ]
    if busy:
        body.append(("AAA", "Y", None, "42", "R"))
    body.append(("NM1", "PR", "2", inq.payer.name, None, None, None, None, "PI", inq.payer.id))
    if busy:
        return body
    body.append(("PER", "IC", "SANDBOX PROVIDER SERVICES", "TE", "8005550100"))
    prov = inq.provider
    body += [
        ("HL", "2", "1", "21", "1"),
        ("NM1", "1P", "1" if prov.first_name else "2", prov.name, prov.first_name, None, None,
         None, "XX", prov.npi),
    ]  # fmt: skip
    rejection = _MEMBER_REJECTIONS.get(scenario)
    benefits = [] if rejection else _BENEFITS[scenario](on)
    trn = ("TRN", "2", inq.trace_number, inq.trace_originator_id)
    subscriber, dependent = inq.subscriber, inq.dependent
    if scenario == "corrected":  # the payer's records differ from what was sent
        subscriber, dependent = corrected_members(subscriber, dependent)
    if inq.patient_level == "dependent" and dependent is not None and not rejection:
        body += [("HL", "3", "2", "22", "1"), *_member(subscriber, "IL", True, None)]
        body += [("HL", "4", "3", "23", "0"), trn, *_member(dependent, "03", False, rejection)]
    else:
        person: Subscriber | Dependent = dependent or subscriber
        body += [("HL", "3", "2", "22", "0"), trn, *_member(person, "IL", True, rejection)]
    if not rejection and subscriber.group_number:
        name_at = next(i for i, s in enumerate(body) if s[0] == "NM1" and s[1] == "IL")
        body.insert(name_at + 1, ("REF", "6P", subscriber.group_number))
    body += benefits
    return body


def _created(ic: ParsedInterchange) -> datetime:
    return datetime.combine(ic.date or date(2000, 1, 1), ic.time or time(0, 0), tzinfo=UTC)


class SandboxClearinghouse:
    """EligibilityClearinghouse that answers locally (never sends anything anywhere)."""

    def exchange_270(self, payer_id: str, request: str | bytes) -> str:
        """The sandbox 271 for the 270 (one answer per inquiry), or a typed error."""
        try:
            parsed = parse_file(request)
        except X12Error:
            raise ClearinghouseError(f"payer {payer_id} could not read the 270") from None
        ic = parsed.interchanges[0] if parsed.interchanges else None
        group: ParsedGroup | None = ic.groups[0] if ic and ic.groups else None
        docs = (
            [d for d in group.transactions if isinstance(d, EligibilityInquiryDocument)]
            if group
            else []
        )
        inquiries = [inq for d in docs for inq in d.inquiries]
        if ic is None or group is None or not inquiries:
            raise ClearinghouseError(f"payer {payer_id} found no 270 inquiry")
        if any(scenario_of(i.subscriber.member_id) == "timeout" for i in inquiries):
            raise ClearinghouseTimeoutError(f"payer {payer_id} did not answer in time")
        created = _created(ic)
        sets = [
            TransactionContent(
                "271",
                n,
                response_body(inq, created, scenario_of(inq.subscriber.member_id)),
                IMPLEMENTATION,
            )
            for n, inq in enumerate(inquiries, 1)
        ]
        header = InterchangeHeader(
            sender_id=ic.receiver_id,
            receiver_id=ic.sender_id,
            sender_qualifier=ic.receiver_qualifier,
            receiver_qualifier=ic.sender_qualifier,
            control_number=int(ic.control_number),
            usage="T" if ic.usage == "T" else "P",
            created=created,
        )
        out = Group(
            functional_id="HB",
            sender_code=group.receiver_code,
            receiver_code=group.sender_code,
            control_number=int(group.control_number),
            version=IMPLEMENTATION,
            transactions=sets,
        )
        return InterchangeWriter(on_collision="replace").write(header, [out])
