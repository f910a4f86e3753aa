"""The patient entity, its rules, search criteria and the conflicts the store reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from clinicflow.patients.model.values import (
    CLOCK_SKEW,
    MAX_PHONES,
    Address,
    Consent,
    ConsentChange,
    ConsentStatus,
    Email,
    EmergencyContact,
    GenderIdentity,
    Guarantor,
    GuarantorRelationship,
    HumanName,
    Language,
    Mrn,
    PastDate,
    PatientStatus,
    Phone,
    PhoneNumber,
    PhoneType,
    Sex,
    UtcDatetime,
    Value,
    fold,
    utc_now,
)
from clinicflow.platform.errors import ConflictError, FieldError, ValidationError

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
