"""Patient value objects and normalisation (pure: no AWS, no storage)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

US_STATES = frozenset(
    {
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "AA",
        "AE",
        "AP",
    }
)
MAX_PHONES = 5
_NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '.,-])*$")
_ZIP_RE = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_MRN_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
_ID_RE = re.compile(r"^[0-9a-f]{32}$")
CLOCK_SKEW = timedelta(minutes=5)


# -- normalisation -----------------------------------------------------------------------


def fold(text: str) -> str:
    """Search form of a name: accents stripped, case folded, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum() and not unicodedata.combining(c))


def normalize_phone(raw: str) -> str:
    """E.164 form of a phone number (NANP numbers may omit +1); ValueError if not one."""
    if re.search(r"[^\d\s().+-]", raw):
        raise ValueError("must contain only digits, spaces and ( ) . - +")
    digits = re.sub(r"\D", "", raw)
    if raw.strip().startswith("+") and not digits.startswith("1"):
        if not 8 <= len(digits) <= 15:
            raise ValueError("must be an E.164 number of 8 to 15 digits")
        return "+" + digits
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        raise ValueError("must be a 10-digit North American number or +country number")
    return "+1" + digits


def normalize_mrn(raw: str) -> str:
    """Canonical MRN (upper case); ValueError when malformed."""
    mrn = raw.strip().upper()
    if not _MRN_RE.match(mrn):
        raise ValueError("must be 1-20 letters, digits or '-'")
    return mrn


def format_mrn(number: int) -> str:
    """A generated MRN from the practice's sequence: readable, fixed width, digits only."""
    return f"{number:08d}"


def is_record_id(value: str) -> bool:
    """True when `value` has the shape of an id this system issues."""
    return bool(_ID_RE.match(value))


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def _name_part(value: str) -> str:
    if not _NAME_RE.match(value):
        raise ValueError("must be letters, spaces, apostrophes, hyphens, periods or commas")
    return value


def _phone(value: str) -> str:
    return normalize_phone(value)


def _email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise ValueError("must be an email address")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _language(value: str) -> str:
    if not _LANG_RE.match(value):
        raise ValueError("must be a BCP-47 language tag such as en or es-MX")
    head, *rest = value.split("-")
    return "-".join([head.lower(), *[p.upper() if len(p) == 2 else p for p in rest]])


def _state(value: str) -> str:
    if value.upper() not in US_STATES:
        raise ValueError("must be a two-letter US state or territory code")
    return value.upper()


def _zip(value: str) -> str:
    match = _ZIP_RE.match(value)
    if not match:
        raise ValueError("must be a 5-digit ZIP code or ZIP+4")
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")


def _mrn(value: str) -> str:
    return normalize_mrn(value)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _past_date(value: date) -> date:
    if value > utc_now().date():
        raise ValueError("must not be in the future")
    if value < date(1900, 1, 1):
        raise ValueError("must not be before 1900-01-01")
    return value


NamePart = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(_name_part)]
Phone = Annotated[str, Field(min_length=7, max_length=30), AfterValidator(_phone)]
Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email)]
Language = Annotated[str, Field(min_length=2, max_length=35), AfterValidator(_language)]
Mrn = Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_mrn)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
PastDate = Annotated[date, AfterValidator(_past_date)]


class Value(BaseModel):
    """Base of value objects: immutable, strict about unknown fields, whitespace trimmed."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# -- value objects ----------------------------------------------------------------------


class Sex(StrEnum):
    """Administrative sex (FHIR AdministrativeGender subset) with its X12 DMG03 code."""

    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"

    @property
    def x12(self) -> str:
        """X12 DMG03 gender code: F, M or U."""
        return {"female": "F", "male": "M", "unknown": "U"}[self.value]


class GenderIdentity(StrEnum):
    """Gender identity (US Core genderIdentity codes)."""

    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non-binary"
    TRANSGENDER_FEMALE = "transgender-female"
    TRANSGENDER_MALE = "transgender-male"
    OTHER = "other"
    ASKED_DECLINED = "asked-declined"
    UNKNOWN = "unknown"


class HumanName(Value):
    """A legal name, sized for X12 NM1 (last 60, first 35, middle 25, suffix 10)."""

    first: Annotated[NamePart, Field(max_length=35)]
    middle: Annotated[NamePart, Field(max_length=25)] | None = None
    last: NamePart
    suffix: (
        Annotated[str, Field(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9. ]+$")] | None
    ) = None


class Address(Value):
    """A US postal address (X12 N3/N4, FHIR Address)."""

    line1: Annotated[str, Field(min_length=1, max_length=55)]
    line2: Annotated[str, Field(min_length=1, max_length=55)] | None = None
    city: Annotated[str, Field(min_length=2, max_length=30)]
    state: Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_state)]
    postal_code: Annotated[str, Field(min_length=5, max_length=10), AfterValidator(_zip)]
    country: Annotated[str, Field(pattern=r"^US$")] = "US"


class PhoneType(StrEnum):
    """What kind of line a phone number is."""

    MOBILE = "mobile"
    HOME = "home"
    WORK = "work"


class PhoneNumber(Value):
    """A typed phone number, stored in E.164."""

    type: PhoneType
    number: Phone


class ConsentStatus(StrEnum):
    """Whether the patient gave or withdrew consent."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class ConsentMethod(StrEnum):
    """How consent was given or withdrawn."""

    VERBAL = "verbal"
    WRITTEN = "written"
    PORTAL = "portal"
    SMS_KEYWORD = "sms-keyword"


class Consent(Value):
    """Consent to be contacted on one channel: the latest decision, when (UTC) and how."""

    status: ConsentStatus
    at: UtcDatetime
    method: ConsentMethod


class ContactRelationship(StrEnum):
    """Relationship of an emergency contact to the patient."""

    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    PARTNER = "partner"
    FRIEND = "friend"
    GUARDIAN = "guardian"
    OTHER = "other"


class EmergencyContact(Value):
    """Whom to call in an emergency."""

    name: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_name_part)]
    relationship: ContactRelationship
    phone: Phone


class GuarantorRelationship(StrEnum):
    """The guarantor's relationship to the patient."""

    SELF = "self"
    SPOUSE = "spouse"
    PARENT = "parent"
    LEGAL_GUARDIAN = "legal-guardian"
    OTHER = "other"


class Guarantor(Value):
    """Who pays the patient balance: the patient (self) or another person."""

    relationship: GuarantorRelationship = GuarantorRelationship.SELF
    name: HumanName | None = None
    dob: PastDate | None = None
    address: Address | None = None
    phone: Phone | None = None


class PatientStatus(StrEnum):
    """Whether the patient record is in use; inactive records are kept, never deleted."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class ConsentChange(Value):
    """A past consent decision, kept when a newer one replaces it."""

    channel: str
    consent: Consent
