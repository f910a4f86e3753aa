"""The sandbox payer's own member records, for the "corrected details" scenario.

A payer often knows a member under slightly different details than the practice has: the
card's member id was mistyped, the patient registered under a nickname, the day and month of
birth were swapped. For member ids starting ``SBX-CORRECTED`` the sandbox answers as its
records say (deterministically, from what the 270 sent):

- member id: ``SBX-CORRECTED`` becomes ``SBX-ACTIVE`` (``SBX-CORRECTED-7`` -> ``SBX-ACTIVE-7``),
  so once staff apply the correction the next check is a plain active answer;
- first name: a common nickname becomes the legal name (KATE -> KATHERINE), other names stay;
- birth date: day and month are swapped when both are 1-12 and differ (03-09 -> 09-03).

Everything here is synthetic; no real payer is involved.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from clinicflow.x12.eligibility.inquiry import Dependent, Subscriber

CORRECTED_PREFIX = "SBX-CORRECTED"
CORRECTED_TO = "SBX-ACTIVE"
LEGAL_NAMES: dict[str, str] = {
    "BILL": "WILLIAM",
    "BOB": "ROBERT",
    "JIM": "JAMES",
    "KATE": "KATHERINE",
    "LIZ": "ELIZABETH",
    "MEG": "MARGARET",
    "SAM": "SAMUEL",
    "TOM": "THOMAS",
}
P = TypeVar("P", Subscriber, Dependent)


def payer_member_id(member_id: str) -> str:
    """The member id the payer has for a ``SBX-CORRECTED…`` id (others are unchanged)."""
    if member_id.upper().startswith(CORRECTED_PREFIX):
        return CORRECTED_TO + member_id[len(CORRECTED_PREFIX) :]
    return member_id


def payer_first_name(first_name: str | None) -> str | None:
    """The legal first name the payer has for a common nickname (others are unchanged)."""
    if first_name is None:
        return None
    return LEGAL_NAMES.get(first_name.strip().upper(), first_name)


def payer_birth_date(birth_date: date | None) -> date | None:
    """The birth date with day and month swapped, when that is another valid date."""
    if birth_date is None or birth_date.day > 12 or birth_date.day == birth_date.month:
        return birth_date
    return birth_date.replace(month=birth_date.day, day=birth_date.month)


def corrected_members(
    subscriber: Subscriber, dependent: Dependent | None
) -> tuple[Subscriber, Dependent | None]:
    """The subscriber and dependent as the payer's records have them.

    The member id is the subscriber's (and a dependent's own, when sent); the name and birth
    date corrections apply to the patient: the dependent when there is one, else the subscriber.
    """
    sub = subscriber.model_copy(update={"member_id": payer_member_id(subscriber.member_id)})
    if dependent is None:
        return _person(sub), None
    dep = _person(dependent)
    if dep.member_id:
        dep = dep.model_copy(update={"member_id": payer_member_id(dep.member_id)})
    return sub, dep


def _person(person: P) -> P:
    return person.model_copy(
        update={
            "first_name": payer_first_name(person.first_name),
            "birth_date": payer_birth_date(person.birth_date),
        }
    )
