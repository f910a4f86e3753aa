"""Patient domain: demographics, contact, consent, guarantor; normalisation and rules.

Pure: no AWS, no storage. Field shapes map to FHIR R4 `Patient` and carry what X12 5010
needs later (NM1 names, DMG birth date and sex, N3/N4 address). Messages name fields and
rules, never values.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import pydantic
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from clinicflow.platform.errors import ConflictError, FieldError, ValidationError

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


# -- the patient ------------------------------------------------------------------------


class PatientData(Value):
    """The editable demographics of a patient."""

    mrn: Mrn | None = None
    name: HumanName
    preferred_name: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    dob: PastDate
    sex: Sex
    gender_identity: GenderIdentity | None = None
    pronouns: (
        Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z/ -]+$")] | None
    ) = None
    address: Address | None = None
    phones: Annotated[list[PhoneNumber], Field(max_length=MAX_PHONES)] = []
    email: Email | None = None
    preferred_language: Language = "en"
    sms_consent: Consent | None = None
    email_consent: Consent | None = None
    emergency_contact: EmergencyContact | None = None
    guarantor: Guarantor = Guarantor()


EDITABLE_FIELDS = frozenset(PatientData.model_fields)


class Patient(PatientData):
    """A patient of one practice (FHIR Patient; `mrn` is its practice identifier)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    mrn: Mrn
    status: PatientStatus = PatientStatus.ACTIVE
    version: int = 1
    created_at: UtcDatetime
    updated_at: UtcDatetime
    consent_history: list[ConsentChange] = []

    @property
    def duplicate_key(self) -> str:
        """Normalised last name, first name and DOB: equal keys mean a likely duplicate."""
        return duplicate_key(self.name.last, self.name.first, self.dob)

    def summary(self) -> PatientSummary:
        """The few fields shown for a duplicate candidate or a search hit."""
        return PatientSummary(
            id=self.id,
            mrn=self.mrn,
            first_name=self.name.first,
            last_name=self.name.last,
            dob=self.dob,
            status=self.status,
        )


class PatientSummary(BaseModel):
    """Identifying fields of a patient (a duplicate candidate)."""

    id: str
    mrn: str
    first_name: str
    last_name: str
    dob: date
    status: PatientStatus


def duplicate_key(last: str, first: str, dob: date) -> str:
    """The likely-duplicate key of a name and a date of birth."""
    return f"{fold(last)}#{fold(first)}#{dob.isoformat()}"


def parse(model: type[Any], data: dict[str, Any], *, prefix: str = "") -> Any:
    """Validate `data` into `model`, reporting failures as a ValidationError naming fields."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = [
            FieldError(
                ".".join([p for p in [prefix] if p] + [str(x) for x in e["loc"]]) or "body",
                e["msg"],
            )
            for e in exc.errors(include_input=False, include_url=False)
        ]
        raise ValidationError(errors) from None


def patient_problems(data: PatientData) -> list[FieldError]:
    """Cross-field rules pydantic field types cannot express."""
    problems: list[FieldError] = []
    g = data.guarantor
    if g.relationship is GuarantorRelationship.SELF:
        for name in ("name", "dob", "address", "phone"):
            if getattr(g, name) is not None:
                problems.append(
                    FieldError(f"guarantor.{name}", "must be empty when the guarantor is self")
                )
    else:
        for name in ("name", "address", "phone"):
            if getattr(g, name) is None:
                problems.append(
                    FieldError(f"guarantor.{name}", "is required unless the guarantor is self")
                )
    numbers = [p.number for p in data.phones]
    if len(set(numbers)) != len(numbers):
        problems.append(FieldError("phones", "numbers must be unique"))
    now = utc_now()
    for channel in ("sms_consent", "email_consent"):
        consent: Consent | None = getattr(data, channel)
        if consent is not None and consent.at > now + CLOCK_SKEW:
            problems.append(FieldError(f"{channel}.at", "must not be in the future"))
    if (
        data.sms_consent
        and data.sms_consent.status is ConsentStatus.GRANTED
        and not any(p.type is PhoneType.MOBILE for p in data.phones)
    ):
        problems.append(FieldError("sms_consent", "needs a mobile phone number"))
    if data.email_consent and data.email_consent.status is ConsentStatus.GRANTED and not data.email:
        problems.append(FieldError("email_consent", "needs an email address"))
    return problems


def check_patient(data: PatientData) -> None:
    """Raise a ValidationError naming every field that breaks a patient rule."""
    problems = patient_problems(data)
    if problems:
        raise ValidationError(problems)


# -- search -----------------------------------------------------------------------------


class PatientSearch(Value):
    """Search criteria; every given criterion must match. Name parts match by prefix."""

    last_name: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    first_name: Annotated[str, Field(min_length=1, max_length=35)] | None = None
    dob: date | None = None
    mrn: Mrn | None = None
    phone: Phone | None = None
    include_inactive: bool = False

    @property
    def last_prefix(self) -> str:
        """Folded last-name prefix ('' when none)."""
        return fold(self.last_name or "")

    @property
    def first_prefix(self) -> str:
        """Folded first-name prefix ('' when none)."""
        return fold(self.first_name or "")

    def problems(self) -> list[FieldError]:
        """Why these criteria cannot be searched (empty when they can)."""
        problems: list[FieldError] = []
        if not (self.last_name or self.dob or self.mrn or self.phone):
            problems.append(FieldError("criteria", "give last_name, dob, mrn or phone"))
        if self.last_name is not None and not self.last_prefix:
            problems.append(FieldError("last_name", "must contain a letter or digit"))
        if self.first_name is not None and not self.first_prefix:
            problems.append(FieldError("first_name", "must contain a letter or digit"))
        return problems

    def matches(self, patient: Patient) -> bool:
        """True when the patient meets every criterion."""
        return (
            (self.include_inactive or patient.status is PatientStatus.ACTIVE)
            and fold(patient.name.last).startswith(self.last_prefix)
            and fold(patient.name.first).startswith(self.first_prefix)
            and (self.dob is None or patient.dob == self.dob)
            and (self.mrn is None or patient.mrn == self.mrn)
            and (self.phone is None or any(p.number == self.phone for p in patient.phones))
        )


# -- errors the store reports -----------------------------------------------------------


class MrnTakenError(ConflictError):
    """Another patient of the practice already holds the MRN."""

    def __init__(self) -> None:
        super().__init__(
            "mrn: already assigned to another patient",
            details={
                "fields": [{"field": "mrn", "message": "already assigned to another patient"}]
            },
        )


class PossibleDuplicateError(ConflictError):
    """A patient with the same normalised name and DOB exists; confirm to create anyway."""

    def __init__(self, candidates: list[PatientSummary]) -> None:
        super().__init__(
            "a patient with the same name and date of birth exists; "
            "send confirm_duplicate=true to create anyway",
            details={"candidates": [c.model_dump(mode="json") for c in candidates]},
        )
        self.candidates = candidates


class StaleVersionError(ConflictError):
    """The record changed since the caller read it."""

    def __init__(self, current_version: int | None = None) -> None:
        details: dict[str, Any] = {"fields": [{"field": "version", "message": "is stale"}]}
        if current_version is not None:
            details["current_version"] = current_version
        super().__init__(
            "version: the record was changed by someone else; reload it", details=details
        )
