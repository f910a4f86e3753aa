"""Corrections: what the payer's 271 says about the member that differs from what was sent. Pure.

The 271 echoes the subscriber (2100C) and dependent (2100D) NM1/DMG; when the payer knows the
member under another name, birth date or member id, it answers with its own values. Values are
compared normalised (case, punctuation, spacing, hyphens in ids), so only real differences
show. Corrections are PHI: they live in the stored check and the authenticated response only,
never in logs, keys or error messages, and are applied only when staff ask (never silently).
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict

from clinicflow.eligibility.model import Correction, Person, Subject

MEMBER_ID = "member_id"
PERSON_FIELDS = ("last_name", "first_name", "birth_date")
SUBSCRIBER_FIELDS = tuple(f"subscriber.{f}" for f in PERSON_FIELDS)
PATIENT_FIELDS = tuple(f"patient.{f}" for f in PERSON_FIELDS)
CORRECTABLE_FIELDS = frozenset({MEMBER_ID, *SUBSCRIBER_FIELDS, *PATIENT_FIELDS})

_NOT_ALNUM = re.compile(r"[^0-9A-Z ]+")
_SPACES = re.compile(r"\s+")


class ReturnedPerson(BaseModel):
    """A member as the payer answered about them (2100C or 2100D)."""

    model_config = ConfigDict(frozen=True)

    last_name: str | None = None
    first_name: str | None = None
    birth_date: date | None = None
    member_id: str | None = None


class ReturnedIdentity(BaseModel):
    """The members a 271 answers about: the subscriber and, when present, the dependent."""

    model_config = ConfigDict(frozen=True)

    subscriber: ReturnedPerson | None = None
    dependent: ReturnedPerson | None = None


def normalise_name(value: str | None) -> str:
    """Upper case, punctuation dropped (O'Neil = ONEIL), spaces collapsed."""
    text = (value or "").upper().replace("-", " ")
    return _SPACES.sub(" ", _NOT_ALNUM.sub("", text)).strip()


def normalise_id(value: str | None) -> str:
    """Upper case, without spaces or hyphens (payers print ids either way)."""
    return re.sub(r"[\s-]+", "", (value or "").upper())


def _person(prefix: str, sent: Person, returned: ReturnedPerson) -> list[Correction]:
    out: list[Correction] = []
    for name in ("last_name", "first_name"):
        got = getattr(returned, name)
        before = getattr(sent, name)
        if got and normalise_name(got) and normalise_name(got) != normalise_name(before):
            out.append(Correction(field=f"{prefix}.{name}", sent=before, returned=got.strip()))
    if returned.birth_date and returned.birth_date != sent.birth_date:
        out.append(
            Correction(
                field=f"{prefix}.birth_date",
                sent=sent.birth_date.isoformat() if sent.birth_date else None,
                returned=returned.birth_date.isoformat(),
            )
        )
    return out


def corrections_for(subject: Subject, returned: ReturnedIdentity | None) -> list[Correction]:
    """Every field the payer returned differently from the 270 that was built for `subject`.

    The 2100C person is the patient when the patient holds the policy, else the subscriber.
    A payer may answer a dependent at the subscriber level (the dependent has their own
    member id): then the 2100C person is compared with the patient.
    """
    if returned is None or returned.subscriber is None:
        return []
    out: list[Correction] = []
    sub = returned.subscriber
    got_id = sub.member_id
    if got_id and normalise_id(got_id) != normalise_id(subject.member_id):
        out.append(Correction(field=MEMBER_ID, sent=subject.member_id, returned=got_id.strip()))
    if subject.patient_is_subscriber or returned.dependent is None:
        out += _person("patient", subject.patient, sub)
    else:
        assert subject.subscriber is not None
        out += _person("subscriber", subject.subscriber, sub)
        out += _person("patient", subject.patient, returned.dependent)
    return out


def display_value(returned: str, current: str | None) -> str:
    """The value to store: payers answer in upper case; keep mixed case when the record has it."""
    if current and not current.isupper() and returned.isupper():
        return " ".join(part.capitalize() for part in returned.split(" "))
    return returned
