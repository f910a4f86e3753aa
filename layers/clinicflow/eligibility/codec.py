"""The slice's X12 edge: a :class:`Subject` becomes a 270, a 271 becomes a result.

Only this module and `summary.py` import `clinicflow.x12`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pydantic

from clinicflow.eligibility.corrections import ReturnedIdentity
from clinicflow.eligibility.model import (
    EligibilityResult,
    Person,
    Subject,
    unreadable_response,
)
from clinicflow.eligibility.summary import returned_identity, summarise
from clinicflow.platform.errors import FieldError, ValidationError
from clinicflow.x12 import InterchangeHeader, X12Error, parse_file
from clinicflow.x12.eligibility import (
    Dependent,
    EligibilityInquiry,
    EligibilityResponseDocument,
    Payer,
    Provider,
    Subscriber,
    build_270,
)

SENDER_ID = "CLINICFLOW"


def _gender(person: Person) -> str | None:
    return person.gender if person.gender in {"F", "M"} else None


def _person_fields(person: Person) -> dict[str, object]:
    return {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "middle_name": person.middle_name,
        "suffix": person.suffix,
        "birth_date": person.birth_date,
        "gender": _gender(person),
    }


def control_number(check_id: str) -> int:
    """An ISA13/GS06 control number derived from the check id (1..999999999)."""
    return int(check_id[:12], 16) % 999_999_999 + 1


def inquiry_for(
    subject: Subject, service_types: Sequence[str], service_date: date, check_id: str
) -> EligibilityInquiry:
    """The typed 270 inquiry; a field the payer can't receive is a ValidationError by name."""
    practice = subject.practice
    ein = practice.tax_id_digits or ""
    originator = f"1{ein}" if len(ein) == 9 and ein.isdigit() else f"9{practice.npi[:9]}"
    holder = subject.patient if subject.patient_is_subscriber else subject.subscriber
    assert holder is not None
    try:
        return EligibilityInquiry(
            payer=Payer(
                id=subject.payer.clearinghouse_payer_id or subject.payer.payer_id,
                name=subject.payer.name[:60],
            ),
            provider=Provider(npi=practice.npi, name=practice.name[:60]),
            subscriber=Subscriber(
                member_id=subject.member_id,
                group_number=subject.group_number,
                **_person_fields(holder),
            ),
            dependent=None
            if subject.patient_is_subscriber
            else Dependent(**_person_fields(subject.patient)),
            service_types=list(service_types),
            date_of_service=service_date,
            trace_number=check_id,
            trace_originator_id=originator,
        )
    except pydantic.ValidationError as exc:
        # Names the failing fields only: the values are PHI.
        fields = sorted({".".join(str(p) for p in e["loc"]) or "coverage" for e in exc.errors()})
        raise ValidationError(
            [FieldError(f"coverage.{f}", "cannot be sent to the payer as is") for f in fields]
        ) from None


def build_request(
    subject: Subject,
    service_types: Sequence[str],
    service_date: date,
    check_id: str,
    *,
    receiver_id: str,
    test: bool,
    now: datetime | None = None,
) -> str:
    """The 270 interchange text for one check."""
    inquiry = inquiry_for(subject, service_types, service_date, check_id)
    number = control_number(check_id)
    header = InterchangeHeader(
        sender_id=SENDER_ID,
        receiver_id=receiver_id.upper()[:15],
        control_number=number,
        usage="T" if test else "P",
        created=now or datetime.now(UTC),
    )
    return build_270(inquiry, header, group_control_number=number, on_collision="replace")


def read_response(raw: str | bytes, service_types: Sequence[str]) -> EligibilityResult:
    """The front-desk result of a 271 interchange (unreadable -> an UNKNOWN result)."""
    return read_exchange(raw, service_types)[0]


def read_exchange(
    raw: str | bytes, service_types: Sequence[str]
) -> tuple[EligibilityResult, ReturnedIdentity | None]:
    """The result of a 271 and the members as the payer answered (None when unreadable)."""
    try:
        parsed = parse_file(raw)
    except X12Error:
        return unreadable_response(), None
    for ic in parsed.interchanges:
        for group in ic.groups:
            for doc in group.transactions:
                if isinstance(doc, EligibilityResponseDocument):
                    return summarise(doc, service_types), returned_identity(doc)
    return unreadable_response(), None
