"""Coverage (insurance) domain: what an 837P SBR/NM1 loop and a 270 need; rules. Pure.

Maps to FHIR R4 `Coverage`: payor (payer_id), subscriberId (member_id), class group/plan,
relationship, order, period (effective/termination), status.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from clinicflow.patients.model import Address, HumanName, PastDate, Sex, UtcDatetime, Value
from clinicflow.platform.errors import ConflictError, FieldError, ValidationError

MAX_ORDERED = 3
ORDER_LABELS = {1: "primary", 2: "secondary", 3: "tertiary"}
_PAYER_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")


class ClaimFilingIndicator(StrEnum):
    """X12 SBR09 claim filing indicator code (005010X222A1 element 1032)."""

    OTHER_NON_FEDERAL = "11"
    PPO = "12"
    POS = "13"
    EPO = "14"
    INDEMNITY = "15"
    HMO_MEDICARE_RISK = "16"
    DENTAL_MAINTENANCE = "17"
    AUTOMOBILE_MEDICAL = "AM"
    BLUE_CROSS_BLUE_SHIELD = "BL"
    CHAMPUS = "CH"
    COMMERCIAL = "CI"
    DISABILITY = "DS"
    FEDERAL_EMPLOYEES = "FI"
    HMO = "HM"
    LIABILITY_MEDICAL = "LM"
    MEDICARE_PART_A = "MA"
    MEDICARE_PART_B = "MB"
    MEDICAID = "MC"
    OTHER_FEDERAL = "OF"
    TITLE_V = "TV"
    VETERANS_AFFAIRS = "VA"
    WORKERS_COMPENSATION = "WC"
    MUTUALLY_DEFINED = "ZZ"

    @property
    def is_medicare(self) -> bool:
        """Medicare Part A or B (the payers SBR05 applies to)."""
        return self in {ClaimFilingIndicator.MEDICARE_PART_A, ClaimFilingIndicator.MEDICARE_PART_B}


class MspType(StrEnum):
    """X12 SBR05 insurance type code: why Medicare is the secondary payer."""

    WORKING_AGED = "12"
    ESRD = "13"
    NO_FAULT = "14"
    WORKERS_COMPENSATION = "15"
    PUBLIC_HEALTH_SERVICE = "16"
    BLACK_LUNG = "41"
    VETERANS_ADMINISTRATION = "42"
    DISABLED_LGHP = "43"
    OTHER_LIABILITY = "47"


class Relationship(StrEnum):
    """X12 individual relationship code: the patient's relationship to the subscriber."""

    SELF = "18"
    SPOUSE = "01"
    CHILD = "19"
    EMPLOYEE = "20"
    UNKNOWN = "21"
    ORGAN_DONOR = "39"
    CADAVER_DONOR = "40"
    LIFE_PARTNER = "53"
    OTHER = "G8"


class CoverageStatus(StrEnum):
    """Whether the coverage is in use; inactive coverages are kept."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class CardSide(StrEnum):
    """Side of an insurance card."""

    FRONT = "front"
    BACK = "back"


class CardContentType(StrEnum):
    """Accepted card image formats."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    PDF = "application/pdf"


def _payer_id(value: str) -> str:
    value = value.upper()
    if not _PAYER_ID_RE.match(value):
        raise ValueError("must be 2-20 uppercase letters, digits or '-'")
    return value


PayerId = Annotated[str, Field(min_length=2, max_length=20), AfterValidator(_payer_id)]
MemberId = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9-]+$")]


class Subscriber(Value):
    """The insured person when not the patient (X12 2010BA)."""

    name: HumanName
    dob: PastDate
    sex: Sex
    address: Address | None = None


class Authorization(Value):
    """A signed authorization kept on file, with the date it was signed."""

    on_file: bool = False
    signed_on: PastDate | None = None


class CardImage(BaseModel):
    """A card image the practice asked the browser to upload (stored under ids only)."""

    side: CardSide
    content_type: CardContentType
    requested_at: UtcDatetime


class CoverageData(Value):
    """The editable fields of a coverage."""

    payer_id: PayerId
    plan_name: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    member_id: MemberId
    group_number: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    claim_filing_indicator: ClaimFilingIndicator
    msp_type: MspType | None = None
    relationship: Relationship = Relationship.SELF
    subscriber: Subscriber | None = None
    effective_date: date | None = None
    termination_date: date | None = None
    assignment_of_benefits: Authorization = Authorization()
    signature_on_file: Authorization = Authorization()


EDITABLE_FIELDS = frozenset(CoverageData.model_fields)


class Coverage(CoverageData):
    """A coverage of one patient; `order` (1 primary, 2 secondary, 3 tertiary) or None."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    patient_id: str
    payer_name: str | None = None
    status: CoverageStatus = CoverageStatus.ACTIVE
    version: int = 1
    created_at: UtcDatetime
    updated_at: UtcDatetime
    cards: dict[CardSide, CardImage] = {}
    order: int | None = None


class Payer(BaseModel):
    """What a coverage needs from the payer directory."""

    payer_id: str
    name: str | None = None
    active: bool = True


class CoverageOrder(BaseModel):
    """The ordered active coverages of a patient (primary first) and its version (0: none)."""

    model_config = ConfigDict(frozen=True)

    ids: tuple[str, ...] = ()
    version: int = 0

    def position(self, coverage_id: str) -> int | None:
        """1-based order of the coverage, or None when unordered."""
        return self.ids.index(coverage_id) + 1 if coverage_id in self.ids else None

    def without(self, coverage_id: str) -> CoverageOrder:
        """The order with the coverage removed (later ones move up)."""
        return CoverageOrder(
            ids=tuple(i for i in self.ids if i != coverage_id), version=self.version
        )


def coverage_problems(data: CoverageData, order: int | None) -> list[FieldError]:
    """Cross-field rules of one coverage at a given order."""
    problems: list[FieldError] = []
    if data.relationship is Relationship.SELF and data.subscriber is not None:
        problems.append(
            FieldError("subscriber", "must be empty when the relationship is self (18)")
        )
    if data.relationship is not Relationship.SELF and data.subscriber is None:
        problems.append(
            FieldError("subscriber", "is required unless the relationship is self (18)")
        )
    if (
        data.effective_date
        and data.termination_date
        and data.termination_date < data.effective_date
    ):
        problems.append(FieldError("termination_date", "must not be before effective_date"))
    for name in ("assignment_of_benefits", "signature_on_file"):
        auth: Authorization = getattr(data, name)
        if auth.on_file and auth.signed_on is None:
            problems.append(FieldError(f"{name}.signed_on", "is required when on_file is true"))
    medicare = data.claim_filing_indicator.is_medicare
    if data.msp_type is not None and not medicare:
        problems.append(FieldError("msp_type", "applies only to Medicare coverage (MA or MB)"))
    if medicare and order is not None and order > 1 and data.msp_type is None:
        problems.append(FieldError("msp_type", "is required when Medicare is a secondary payer"))
    return problems


def check_coverage(data: CoverageData, order: int | None) -> None:
    """Raise a ValidationError naming every failing field."""
    problems = coverage_problems(data, order)
    if problems:
        raise ValidationError(problems)


def order_problems(ids: list[str], coverages: dict[str, Coverage]) -> list[FieldError]:
    """Why `ids` (primary first) is not a valid order of these coverages."""
    problems: list[FieldError] = []
    if len(ids) > MAX_ORDERED:
        problems.append(FieldError("coverage_ids", f"must list at most {MAX_ORDERED} coverages"))
    if len(set(ids)) != len(ids):
        problems.append(FieldError("coverage_ids", "must not repeat a coverage"))
    for i, coverage_id in enumerate(ids):
        coverage = coverages.get(coverage_id)
        path = f"coverage_ids.{i}"
        if coverage is None:
            problems.append(FieldError(path, "is not a coverage of this patient"))
        elif coverage.status is not CoverageStatus.ACTIVE:
            problems.append(FieldError(path, "is not an active coverage"))
        elif any(p.field == "msp_type" for p in coverage_problems(coverage, i + 1)):
            problems.append(
                FieldError(path, "Medicare can be secondary only with an msp_type (SBR05)")
            )
    return problems


def card_key(practice_id: str, patient_id: str, coverage_id: str, side: CardSide) -> str:
    """S3 key of a card image: ids only, never PHI, under `<practice_id>/cards/`."""
    return f"{practice_id}/cards/{patient_id}/{coverage_id}/{side.value}"


class OrderChangedError(ConflictError):
    """The coverage order (or a coverage in it) changed since it was read."""

    def __init__(self, current_version: int | None = None) -> None:
        details: dict[str, object] = {"fields": [{"field": "version", "message": "is stale"}]}
        if current_version is not None:
            details["current_version"] = current_version
        super().__init__("the coverages of this patient changed; reload and retry", details=details)


def stamp(at: datetime) -> str:
    """UTC ISO-8601 text of a time."""
    return at.isoformat().replace("+00:00", "Z")
