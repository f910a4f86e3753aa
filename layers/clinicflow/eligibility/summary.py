"""Turn a parsed 271 into the front desk's :class:`EligibilityResult` (the codec edge).

This module reads `clinicflow.x12` models; nothing else in the slice does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from clinicflow.eligibility.corrections import ReturnedIdentity, ReturnedPerson
from clinicflow.eligibility.model import (
    GENERAL_SERVICE_TYPE,
    Accumulator,
    Amounts,
    CostShare,
    EligibilityResult,
    EligibilityStatus,
    Network,
    NetworkAmounts,
    OtherPayer,
    OtherPayerRole,
    Pcp,
    Problem,
    problem_from_aaa,
)
from clinicflow.x12.eligibility.response import (
    Benefit,
    EligibilityResponseDocument,
    Member,
    RelatedEntity,
)
from clinicflow.x12.model import DatePeriod, RequestValidation

ACTIVE_CODES = frozenset({"1", "2", "3", "4", "5"})
INACTIVE_CODES = frozenset({"6", "7", "8"})
_PLAN_DATES = ("291", "346", "347")
_ELIGIBILITY_DATES = ("307", "356", "357")
_ROLES = {
    "PRP": OtherPayerRole.PRIMARY,
    "SEP": OtherPayerRole.SECONDARY,
    "TTP": OtherPayerRole.TERTIARY,
}
_LEVELS = {"2100A": "payer", "2000A": "payer", "2100B": "provider", "2100C": "subscriber"}
_UNAVAILABLE = frozenset({"42", "80"})
Period = Literal["total", "remaining", "met"]


def _problems(errors: Iterable[RequestValidation], level: str | None = None) -> list[Problem]:
    return [
        problem_from_aaa(
            level or _LEVELS.get(e.loop, "dependent" if e.loop.endswith("D") else "benefit"),
            e.reject_reason,
            e.reject_reason_description,
            e.follow_up_action,
        )
        for e in errors  # AAA01 Y or N: either way the payer rejected (N: the request was bad)
    ]


def _network(b: Benefit) -> Network | None:
    return {"Y": Network.IN, "N": Network.OUT}.get(b.in_plan_network or "")


def _rank(b: Benefit, wanted: Sequence[str]) -> int | None:
    """How well a benefit's service types match the visit: 0 best; None when unrelated."""
    types = b.service_types
    if not types:
        return 2
    for code in wanted:
        if code in types:
            return 0
    if GENERAL_SERVICE_TYPE in types:
        return 1
    return None


def _best(benefits: list[Benefit], wanted: Sequence[str], network: Network) -> Benefit | None:
    """The benefit of the visit's service type in `network` (unspecified network counts)."""
    scored: list[tuple[int, int, Benefit]] = []
    for b in benefits:
        rank = _rank(b, wanted)
        net = _network(b)
        if rank is None or (net is not None and net is not network):
            continue
        scored.append((rank, 0 if net is network else 1, b))
    return min(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


def _percent(fraction: Decimal | None) -> Decimal | None:
    """EB08 0.2 -> 20 (no exponent notation, no trailing zeros)."""
    if fraction is None:
        return None
    text = format((fraction * 100).normalize(), "f")
    return Decimal(text)


def _share(b: Benefit, *, percent: bool) -> CostShare:
    return CostShare(
        service_types=list(b.service_types),
        amount=None if percent else b.amount,
        percent=_percent(b.percent) if percent else None,
        network=_network(b),
        coverage_level=b.coverage_level,
        time_period=b.time_period,
    )


def _period(time_period: str | None) -> Period:
    if time_period == "29":
        return "remaining"
    if time_period == "24":
        return "met"
    return "total"


def _accumulator(benefits: list[Benefit], wanted: Sequence[str]) -> Accumulator:
    """Individual/family x in/out x total/remaining/met; explicit network wins over unspecified."""
    cells: dict[tuple[str, Network, Period], tuple[int, Decimal]] = {}
    for b in benefits:
        rank = _rank(b, wanted)
        if b.amount is None or rank is None:
            continue
        level = "family" if b.coverage_level == "FAM" else "individual"
        net = _network(b)
        networks = [net] if net else [Network.IN, Network.OUT]
        score = rank * 2 + (0 if net else 1)
        for n in networks:
            key = (level, n, _period(b.time_period))
            if key not in cells or score < cells[key][0]:
                cells[key] = (score, b.amount)

    def amounts(level: str, net: Network) -> Amounts:
        def get(period: Period) -> Decimal | None:
            cell = cells.get((level, net, period))
            return cell[1] if cell else None

        return Amounts(total=get("total"), remaining=get("remaining"), met=get("met"))

    return Accumulator(
        individual=NetworkAmounts(
            in_network=amounts("individual", Network.IN),
            out_of_network=amounts("individual", Network.OUT),
        ),
        family=NetworkAmounts(
            in_network=amounts("family", Network.IN),
            out_of_network=amounts("family", Network.OUT),
        ),
    )


def _full_name(entity: RelatedEntity) -> str:
    n = entity.name
    return " ".join(p for p in (n.first_name, n.name) if p) or "unnamed"


def _pcp(benefits: list[Benefit]) -> Pcp | None:
    for b in benefits:
        for entity in b.related_entities:
            if b.code == "L" or entity.name.entity_code == "P3":
                phone = next(
                    (
                        c.number
                        for contact in entity.contacts
                        for c in contact.communications
                        if c.qualifier == "TE"
                    ),
                    None,
                )
                npi = entity.name.identifier if entity.name.id_qualifier in {"XX", "HPI"} else None
                return Pcp(name=_full_name(entity), npi=npi, phone=phone)
    return None


def _other_payers(benefits: list[Benefit]) -> list[OtherPayer]:
    out: list[OtherPayer] = []
    for b in benefits:
        if b.code != "R":
            continue
        entities: list[RelatedEntity | None] = [*b.related_entities] or [None]
        for entity in entities:
            name = entity.name if entity else None
            out.append(
                OtherPayer(
                    name=name.name if name else None,
                    payer_id=name.identifier if name else None,
                    role=_ROLES.get(name.entity_code, OtherPayerRole.UNKNOWN)
                    if name
                    else OtherPayerRole.UNKNOWN,
                    insurance_type=b.insurance_type,
                )
            )
    return out


def _span(dates: Iterable[DatePeriod]) -> tuple[date | None, date | None]:
    """Plan dates (291/346/347), else eligibility dates (307/356/357)."""
    by = {d.qualifier: d for d in dates}
    for rng, begin, end in (_PLAN_DATES, _ELIGIBILITY_DATES):
        if rng in by or begin in by or end in by:
            start = by[begin].start if begin in by else by[rng].start if rng in by else None
            stop = by[end].start if end in by else by[rng].end if rng in by else None
            return start, stop
    return None, None


def _coverage_dates(member: Member, benefits: list[Benefit]) -> tuple[date | None, date | None]:
    start, end = _span(member.dates)
    if start is None and end is None:
        start, end = _span(d for b in benefits if b.code in ACTIVE_CODES for d in b.dates)
    return start, end


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass
class _Found:
    payer_name: str | None = None
    patient: Member | None = None
    subscriber: Member | None = None
    problems: list[Problem] = field(default_factory=list)


def _locate(doc: EligibilityResponseDocument) -> _Found:
    """The payer, the first patient answered about (dependent first) and every AAA above it."""
    found = _Found()
    member_problems: list[Problem] = []
    for source in doc.sources:
        found.payer_name = found.payer_name or source.name.name
        found.problems += _problems(source.errors, "payer")
        for receiver in source.receivers:
            found.problems += _problems(receiver.errors, "provider")
            for sub in receiver.subscribers:
                if found.patient is not None:
                    break
                member_problems = _problems(sub.errors, "subscriber")
                found.patient = found.subscriber = sub
                if sub.dependents:
                    found.patient = sub.dependents[0]
                    member_problems += _problems(found.patient.errors, "dependent")
    found.problems += member_problems
    return found


def _status(codes: set[str], problems: list[Problem]) -> EligibilityStatus:
    if codes & ACTIVE_CODES:
        return EligibilityStatus.ACTIVE
    if codes & INACTIVE_CODES:
        return EligibilityStatus.INACTIVE
    if problems and all(p.reason_code in _UNAVAILABLE for p in problems):
        return EligibilityStatus.PAYER_UNAVAILABLE
    if problems:
        return EligibilityStatus.REJECTED
    return EligibilityStatus.UNKNOWN


def summarise(doc: EligibilityResponseDocument, service_types: Sequence[str]) -> EligibilityResult:
    """The result for the first patient a 271 answers about (the dependent when there is one)."""
    found = _locate(doc)
    problems, patient, subscriber = found.problems, found.patient, found.subscriber
    payer_name = found.payer_name
    if patient is None:
        return EligibilityResult(
            status=_status(set(), problems), payer_name=payer_name,
            service_types=list(service_types), problems=problems,
        )  # fmt: skip
    benefits = list(patient.benefits)
    for b in benefits:
        problems += _problems(b.errors, "benefit")
    status = _status({b.code for b in benefits}, problems)
    active = [b for b in benefits if b.code in ACTIVE_CODES]
    status_benefits = [b for b in benefits if b.code in ACTIVE_CODES | INACTIVE_CODES]
    plan = next((b for b in status_benefits if b.plan_description), None)
    group = next((r for r in patient.references if r.qualifier == "6P"), None)
    copays = [b for b in benefits if b.code == "B"]
    coins = [b for b in benefits if b.code == "A"]
    visit_copay = _best(copays, service_types, Network.IN)
    visit_coins = _best(coins, service_types, Network.IN)
    auth = [
        b.authorization_required
        for b in benefits
        if b.authorization_required and _rank(b, service_types) is not None
    ]
    start, end = _coverage_dates(patient, benefits)
    if subscriber is not None and subscriber is not patient:
        sub_active = [b for b in subscriber.benefits if b.code in ACTIVE_CODES]
        plan = plan or next((b for b in sub_active if b.plan_description), None)
        group = group or next((r for r in subscriber.references if r.qualifier == "6P"), None)
        if start is None and end is None:
            start, end = _coverage_dates(subscriber, subscriber.benefits)
    return EligibilityResult(
        status=status,
        payer_name=payer_name,
        plan_name=plan.plan_description if plan else None,
        group_number=group.value if group else None,
        insurance_type=next((b.insurance_type for b in active if b.insurance_type), None),
        coverage_start=start,
        coverage_end=end,
        service_types=list(service_types),
        copay=visit_copay.amount if visit_copay else None,
        coinsurance_percent=_percent(visit_coins.percent) if visit_coins else None,
        copays=[_share(b, percent=False) for b in copays],
        coinsurance=[_share(b, percent=True) for b in coins],
        deductible=_accumulator([b for b in benefits if b.code == "C"], service_types),
        out_of_pocket=_accumulator([b for b in benefits if b.code == "G"], service_types),
        authorization_required=("Y" in auth) if auth else None,
        not_covered=_unique(t for b in benefits if b.code == "I" for t in b.service_types),
        pcp=_pcp(benefits),
        other_payers=_other_payers(benefits),
        messages=_unique(m for b in benefits for m in b.messages),
        problems=problems,
    )


def _returned(member: Member, *, with_id: bool) -> ReturnedPerson:
    name = member.name
    member_id = name.identifier if with_id and name.id_qualifier in {"MI", "II"} else None
    demographics = member.demographics
    return ReturnedPerson(
        last_name=name.name,
        first_name=name.first_name,
        birth_date=demographics.birth_date if demographics else None,
        member_id=member_id,
    )


def returned_identity(doc: EligibilityResponseDocument) -> ReturnedIdentity | None:
    """The first subscriber (2100C) and its first dependent (2100D) as the payer answered."""
    for source in doc.sources:
        for receiver in source.receivers:
            for sub in receiver.subscribers:
                return ReturnedIdentity(
                    subscriber=_returned(sub, with_id=True),
                    dependent=_returned(sub.dependents[0], with_id=False)
                    if sub.dependents
                    else None,
                )
    return None
