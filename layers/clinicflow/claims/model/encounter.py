"""Encounters (superbills): what was done at a visit, before it becomes a claim. Pure.

Entry refuses only what cannot be a superbill at all (malformed codes, negative money, no
lines); business rules that payers enforce (at most 12 diagnoses, 4 pointers, units > 0,
Excludes1, ...) are the scrubber's, so they are explained with a fix rather than refused.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from clinicflow.codesets.icd10 import is_well_formed, normalise
from clinicflow.codesets.procedures import is_modifier, is_procedure_code
from clinicflow.platform.errors import ConflictError, Problems

MAX_LINES = 50
MAX_DIAGNOSES_STORED = 25  # the scrubber allows 12 on a claim; entry keeps a few more
MAX_MODIFIERS_STORED = 8
MAX_POINTERS_STORED = 8
# A line's date of service is the visit's or up to this many days later (one superbill, one
# episode); it bounds the claims a duplicate check reads.
MAX_LINE_SPAN_DAYS = 31
_NDC = re.compile(r"^\d{11}$")
_NDC_UNIT = frozenset({"F2", "GR", "ME", "ML", "UN"})
_CLIA = re.compile(r"^\d{2}D\d{7}$")
_AUTH = re.compile(r"^[A-Za-z0-9-]{1,50}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MONEY_LIMIT = Decimal("9999999.99")


class EncounterStatus(StrEnum):
    """Superbill state: staff edit a draft, a provider signs it off, billing turns it to a claim."""

    DRAFT = "draft"
    SIGNED = "signed"
    BILLED = "billed"


class AccidentKind(StrEnum):
    """X12 related-causes code (CLM11): auto, employment, other accident."""

    AUTO = "AA"
    EMPLOYMENT = "EM"
    OTHER = "OA"


def new_encounter_id() -> str:
    """A new encounter id (no PHI)."""
    return "enc-" + secrets.token_hex(8)


@dataclass(frozen=True)
class Accident:
    """Accident details: kind, date, and the state for auto accidents (CLM11-4)."""

    kind: AccidentKind
    accident_date: date
    state: str = ""


@dataclass(frozen=True)
class ReferringProvider:
    """The provider who referred the patient (837P loop 2310A)."""

    last_name: str
    first_name: str
    npi: str


@dataclass(frozen=True)
class ServiceLine:
    """One procedure line: code, up to 4 modifiers, units, diagnosis pointers, charge."""

    procedure: str
    units: Decimal
    pointers: tuple[int, ...]
    modifiers: tuple[str, ...] = ()
    charge: Decimal | None = None  # None: priced from the practice's fee schedule
    service_date: date | None = None  # None: the encounter's date of service
    ndc: str = ""
    ndc_quantity: Decimal | None = None
    ndc_unit: str = ""


@dataclass(frozen=True)
class EncounterInput:
    """An encounter as entered (POST /encounters, PUT /encounters/{id})."""

    patient_id: str
    coverage_id: str
    rendering_provider_id: str
    location_id: str
    service_date: date
    diagnoses: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    appointment_id: str = ""
    place_of_service: str = ""  # empty: the location's default
    billing_provider_id: str = ""  # empty: the practice (group NPI) bills
    prior_auth_number: str = ""
    referral_number: str = ""
    referring_provider: ReferringProvider | None = None
    accident: Accident | None = None
    clia_number: str = ""


@dataclass(frozen=True)
class Encounter:
    """A superbill of one visit."""

    practice_id: str
    encounter_id: str
    data: EncounterInput
    status: EncounterStatus = EncounterStatus.DRAFT
    signed_by: str = ""
    signed_at: datetime | None = None
    claim_id: str = ""
    version: int = 1
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_by: str = ""

    @property
    def patient_id(self) -> str:
        """The patient seen."""
        return self.data.patient_id

    def changed(self, data: EncounterInput, actor: str, now: datetime) -> Encounter:
        """This encounter with new content; only a draft can change (a signed one is reopened)."""
        if self.status is not EncounterStatus.DRAFT:
            raise ConflictError("only a draft encounter can be changed; reopen it first")
        return replace(
            self,
            data=check_encounter(data),
            version=self.version + 1,
            updated_at=now,
            updated_by=actor,
        )

    def signed(self, provider_username: str, now: datetime) -> Encounter:
        """Signed off by the provider (a provider signs; the service checks the role)."""
        if self.status is not EncounterStatus.DRAFT:
            raise ConflictError("the encounter is already signed")
        return replace(
            self,
            status=EncounterStatus.SIGNED,
            signed_by=provider_username,
            signed_at=now,
            version=self.version + 1,
            updated_at=now,
            updated_by=provider_username,
        )

    def reopened(self, actor: str, now: datetime) -> Encounter:
        """Back to draft for a correction (not once billed)."""
        if self.status is not EncounterStatus.SIGNED:
            raise ConflictError("only a signed, unbilled encounter can be reopened")
        return replace(
            self,
            status=EncounterStatus.DRAFT,
            signed_by="",
            signed_at=None,
            version=self.version + 1,
            updated_at=now,
            updated_by=actor,
        )

    def billed(self, claim_id: str, actor: str, now: datetime) -> Encounter:
        """Turned into a claim (signed encounters only)."""
        if self.status is not EncounterStatus.SIGNED:
            raise ConflictError("only a signed encounter can be billed; a provider signs it off")
        return replace(
            self,
            status=EncounterStatus.BILLED,
            claim_id=claim_id,
            version=self.version + 1,
            updated_at=now,
            updated_by=actor,
        )


def _money(problems: Problems, path: str, value: Decimal | None) -> None:
    if value is None:
        return
    if not value.is_finite() or value < 0 or value > MONEY_LIMIT:
        problems.add(path, "must be an amount from 0 to 9999999.99")
    elif value.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.add(path, "must have at most 2 decimals")


def _line(problems: Problems, i: int, line: ServiceLine) -> ServiceLine:
    path = f"lines.{i}"
    procedure = line.procedure.strip().upper()
    if not is_procedure_code(procedure):
        problems.add(f"{path}.procedure", "must be a CPT (5 characters) or HCPCS code")
    modifiers = tuple(m.strip().upper() for m in line.modifiers)
    if len(modifiers) > MAX_MODIFIERS_STORED:
        problems.add(f"{path}.modifiers", f"give at most {MAX_MODIFIERS_STORED}")
    for j, m in enumerate(modifiers):
        if not is_modifier(m):
            problems.add(f"{path}.modifiers.{j}", "must be 2 letters or digits")
    if not line.units.is_finite() or line.units < 0 or line.units > 9999:
        problems.add(f"{path}.units", "must be a number from 0 to 9999")
    if len(line.pointers) > MAX_POINTERS_STORED:
        problems.add(f"{path}.pointers", f"give at most {MAX_POINTERS_STORED}")
    _money(problems, f"{path}.charge", line.charge)
    ndc = line.ndc.replace("-", "").strip()
    if ndc and not _NDC.match(ndc):
        problems.add(f"{path}.ndc", "must be an 11-digit NDC (5-4-2)")
    if ndc and (line.ndc_quantity is None or line.ndc_quantity <= 0):
        problems.add(f"{path}.ndc_quantity", "is required with an NDC")
    if ndc and line.ndc_unit not in _NDC_UNIT:
        problems.add(f"{path}.ndc_unit", "must be F2, GR, ME, ML or UN with an NDC")
    return replace(line, procedure=procedure, modifiers=modifiers, ndc=ndc)


def check_encounter(data: EncounterInput) -> EncounterInput:
    """The normalised input, or ValidationError naming every malformed field."""
    problems = Problems()
    for name in ("patient_id", "coverage_id", "rendering_provider_id", "location_id"):
        if not _ID.match(getattr(data, name)):
            problems.add(name, "is required (letters, digits, '-' or '_')")
    for name in ("appointment_id", "billing_provider_id"):
        value = getattr(data, name)
        if value and not _ID.match(value):
            problems.add(name, "must be letters, digits, '-' or '_'")
    diagnoses = tuple(dict.fromkeys(normalise(d) for d in data.diagnoses))
    if not diagnoses:
        problems.add("diagnoses", "give at least one ICD-10-CM diagnosis")
    if len(diagnoses) > MAX_DIAGNOSES_STORED:
        problems.add("diagnoses", f"give at most {MAX_DIAGNOSES_STORED}")
    for i, code in enumerate(diagnoses):
        if not is_well_formed(code):
            problems.add(f"diagnoses.{i}", "must be an ICD-10-CM code such as E11.9")
    if not data.lines:
        problems.add("lines", "give at least one procedure line")
    if len(data.lines) > MAX_LINES:
        problems.add("lines", f"give at most {MAX_LINES}")
    lines = tuple(_line(problems, i, line) for i, line in enumerate(data.lines))
    for i, line in enumerate(lines):
        days = (line.service_date - data.service_date).days if line.service_date else 0
        if not 0 <= days <= MAX_LINE_SPAN_DAYS:
            problems.add(
                f"lines.{i}.service_date",
                f"must be on the visit date or up to {MAX_LINE_SPAN_DAYS} days after it",
            )
    pos = data.place_of_service.strip()
    if pos and not (len(pos) == 2 and pos.isdigit()):
        problems.add("place_of_service", "must be a 2-digit place-of-service code")
    for name in ("prior_auth_number", "referral_number"):
        value = getattr(data, name).strip()
        if value and not _AUTH.match(value):
            problems.add(name, "must be 1-50 letters, digits or '-'")
    clia = data.clia_number.strip().upper()
    if clia and not _CLIA.match(clia):
        problems.add("clia_number", "must be a CLIA number: 2 digits, D, 7 digits")
    if data.accident and data.accident.kind is AccidentKind.AUTO and not data.accident.state:
        problems.add("accident.state", "is required for an auto accident")
    problems.raise_if_any()
    return replace(
        data,
        diagnoses=diagnoses,
        lines=lines,
        place_of_service=pos,
        prior_auth_number=data.prior_auth_number.strip(),
        referral_number=data.referral_number.strip(),
        clia_number=clia,
    )
