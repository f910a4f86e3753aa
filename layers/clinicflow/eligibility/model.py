"""Eligibility domain: the result the front desk reads at a glance, and the stored check. Pure.

No wire format here: `summary.py` turns a parsed 271 into an :class:`EligibilityResult`.
Money is `Decimal`; coinsurance is a percentage (`20` means the patient pays 20%).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from clinicflow.platform.errors import ConflictError

CHECK_ID = re.compile(r"^[0-9a-f]{32}$")
SERVICE_TYPE = re.compile(r"^[A-Z0-9]{1,2}$")
MAX_SERVICE_TYPES = 10
GENERAL_SERVICE_TYPE = "30"  # Health Benefit Plan Coverage


class Frozen(BaseModel):
    """Immutable value object."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EligibilityStatus(StrEnum):
    """What the front desk needs to know first."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    REJECTED = "rejected"  # the payer answered with AAA errors and no benefits
    UNKNOWN = "unknown"  # the payer answered, but said neither active nor inactive
    PAYER_UNAVAILABLE = "payer_unavailable"  # no answer (timeout, payer down)


class Resubmission(StrEnum):
    """AAA04 follow-up action, as a decision the front desk can act on."""

    AFTER_CORRECTION = "after_correction"  # C: correct and resubmit
    ALLOWED = "allowed"  # R, P: resubmission allowed
    NOT_ALLOWED = "not_allowed"  # N
    WAIT = "wait"  # Y, S, W, X: do not resubmit now


class Network(StrEnum):
    """EB12, folded: in network, out of network."""

    IN = "in"
    OUT = "out"


class Amounts(Frozen):
    """One accumulator: the plan amount, what is left, and what was met so far."""

    total: Decimal | None = None
    remaining: Decimal | None = None
    met: Decimal | None = None


class NetworkAmounts(Frozen):
    """An accumulator in and out of network."""

    in_network: Amounts = Amounts()
    out_of_network: Amounts = Amounts()


class Accumulator(Frozen):
    """Deductible or out-of-pocket maximum: individual and family, in and out of network."""

    individual: NetworkAmounts = NetworkAmounts()
    family: NetworkAmounts = NetworkAmounts()


class CostShare(Frozen):
    """A copay (amount) or a coinsurance (percent) for some service types."""

    service_types: list[str] = Field(default_factory=list)
    amount: Decimal | None = None
    percent: Decimal | None = Field(None, description="20 = the patient pays 20%")
    network: Network | None = None
    coverage_level: str | None = None
    time_period: str | None = None


class Pcp(Frozen):
    """The patient's primary care provider, as the payer has it."""

    name: str
    npi: str | None = None
    phone: str | None = None


class OtherPayerRole(StrEnum):
    """Where the other payer stands in coordination of benefits."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"
    UNKNOWN = "unknown"


class OtherPayer(Frozen):
    """Another payer the patient has (EB R), for coordination of benefits."""

    name: str | None = None
    payer_id: str | None = None
    role: OtherPayerRole = OtherPayerRole.UNKNOWN
    insurance_type: str | None = None


class Problem(Frozen):
    """An AAA rejection, turned into something the front desk can act on."""

    level: str = Field(description="payer, provider, subscriber, dependent or benefit")
    reason_code: str | None = None
    reason: str | None = None
    action: str = Field(description="What to do about it, in plain words")
    follow_up_code: str | None = None
    resubmission: Resubmission | None = None
    can_retry: bool


class EligibilityResult(Frozen):
    """One eligibility answer, read at a glance."""

    status: EligibilityStatus
    payer_name: str | None = None
    plan_name: str | None = None
    group_number: str | None = None
    insurance_type: str | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    service_types: list[str] = Field(default_factory=list, description="asked for")
    copay: Decimal | None = Field(None, description="in network, for the visit's service type")
    coinsurance_percent: Decimal | None = Field(None, description="in network, visit type")
    copays: list[CostShare] = Field(default_factory=list)
    coinsurance: list[CostShare] = Field(default_factory=list)
    deductible: Accumulator = Accumulator()
    out_of_pocket: Accumulator = Accumulator()
    authorization_required: bool | None = None
    not_covered: list[str] = Field(default_factory=list, description="service types")
    pcp: Pcp | None = None
    other_payers: list[OtherPayer] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)

    @property
    def active(self) -> bool:
        """True when the payer says the coverage is active."""
        return self.status is EligibilityStatus.ACTIVE

    @property
    def coordination_of_benefits(self) -> bool:
        """True when the payer reports another payer: check the order before billing."""
        return bool(self.other_payers)


class Correction(Frozen):
    """A value the payer returned that differs from what was sent (PHI: API responses only).

    `field` is one of CORRECTABLE_FIELDS; `applied_at`/`applied_by` are set once staff apply it.
    """

    field: str
    sent: str | None = None
    returned: str
    applied_at: datetime | None = None
    applied_by: str | None = None


class EligibilityCheck(Frozen):
    """One stored check: what was asked, when, by whom, and the answer (ids only in keys)."""

    id: str
    patient_id: str
    coverage_id: str
    payer_id: str
    service_date: date
    service_types: list[str]
    requested_by: str
    requested_at: datetime
    result: EligibilityResult
    has_response: bool = Field(description="False when the payer never answered (no 271)")
    corrections: list[Correction] = Field(
        default_factory=list, description="2100C/2100D values differing from what was sent"
    )
    fingerprint: str | None = Field(
        None, description="digest of what was asked (subject, date, types): cache key, no PHI"
    )
    revision: int = Field(1, description="bumped when corrections are applied")


class Person(Frozen):
    """Who the payer is asked about: the patient, or the subscriber when not the patient."""

    last_name: str
    first_name: str | None = None
    middle_name: str | None = None
    suffix: str | None = None
    birth_date: date | None = None
    gender: str | None = Field(None, description="F or M; anything else is not sent")


class PayerRoute(Frozen):
    """How the practice reaches the payer for eligibility (from its payer directory).

    Either a clearinghouse (`clearinghouse_id`) or a direct CAQH CORE endpoint (`endpoint_url`).
    """

    payer_id: str
    name: str
    clearinghouse_id: str | None = None
    clearinghouse_payer_id: str | None = None
    endpoint_url: str | None = None


class Practice(Frozen):
    """The information receiver of a 270: the practice's billing identity."""

    name: str
    npi: str
    tax_id_digits: str | None = None


class Subject(Frozen):
    """Everything a check needs about one patient's coverage, read from its owners' slices."""

    patient_id: str
    coverage_id: str
    patient: Person
    member_id: str
    group_number: str | None = None
    relationship: str = Field("18", description="X12 relationship code; 18 self")
    subscriber: Person | None = Field(None, description="when the patient is not the subscriber")
    practice: Practice
    payer: PayerRoute

    @property
    def patient_is_subscriber(self) -> bool:
        """True when the patient holds the policy."""
        return self.relationship == "18" or self.subscriber is None


class EligibilityNotAvailableError(ConflictError):
    """The coverage's payer cannot be asked in real time (no route, inactive coverage...)."""

    code = "eligibility_not_available"


# -- AAA: reject reasons and follow-up actions -------------------------------------------

_CHECK_MEMBER_ID = "Check the member ID on the insurance card and correct it on the coverage."
_CHECK_NAME_DOB = "Check the spelling of the name and the date of birth against the insurance card."
_CHECK_DOB = "Check the date of birth against the insurance card."
_RETRY_LATER = "The payer cannot answer right now: retry later."
_CHECK_PROVIDER = (
    "Check the practice's NPI and name in the practice profile, and that the practice is "
    "enrolled with this payer for eligibility."
)
_CHECK_DATE = "Check the date of service: the payer does not accept it for an inquiry."

REASON_ACTIONS: dict[str, str] = {
    "15": "Required data is missing: complete the patient's coverage and resubmit.",
    "41": "The practice is not authorised to ask this payer: check the payer enrolment.",
    "42": _RETRY_LATER,
    "43": _CHECK_PROVIDER,
    "44": _CHECK_PROVIDER,
    "45": _CHECK_PROVIDER,
    "47": _CHECK_PROVIDER,
    "48": _CHECK_PROVIDER,
    "50": _CHECK_PROVIDER,
    "51": _CHECK_PROVIDER,
    "52": "The service date is outside the provider's enrolment with this plan.",
    "56": _CHECK_DATE,
    "57": _CHECK_DATE,
    "58": _CHECK_DOB,
    "60": _CHECK_DOB,
    "62": _CHECK_DATE,
    "63": _CHECK_DATE,
    "64": _CHECK_MEMBER_ID,
    "65": _CHECK_NAME_DOB,
    "66": "Check the patient's sex on the demographics.",
    "67": _CHECK_NAME_DOB,
    "68": "The payer has this member ID twice: call the payer.",
    "71": _CHECK_DOB,
    "72": _CHECK_MEMBER_ID,
    "73": _CHECK_NAME_DOB,
    "74": "Check the subscriber's sex on the coverage.",
    "75": _CHECK_NAME_DOB + " Also check the member ID and the payer.",
    "76": "The payer has this member ID twice: call the payer.",
    "77": "The subscriber was found, the patient was not. " + _CHECK_NAME_DOB,
    "78": "Check the group number and the plan on the insurance card.",
    "79": "The clearinghouse or payer does not know the practice: check the enrolment.",
    "80": _RETRY_LATER,
    "T4": "Check the payer on the coverage.",
}

FOLLOW_UPS: dict[str, tuple[Resubmission, str]] = {
    "C": (Resubmission.AFTER_CORRECTION, "Then check again."),
    "N": (Resubmission.NOT_ALLOWED, "Do not resubmit: the payer will not accept it again."),
    "P": (Resubmission.ALLOWED, "You may check again."),
    "R": (Resubmission.ALLOWED, "You may check again."),
    "S": (Resubmission.WAIT, "Do not resubmit: the payer is asking a third party."),
    "W": (Resubmission.WAIT, "Wait 30 days before checking again."),
    "X": (Resubmission.WAIT, "Wait 10 days before checking again."),
    "Y": (Resubmission.WAIT, "Do not resubmit: the payer will follow up."),
}


def problem_from_aaa(
    level: str, reason_code: str | None, reason: str | None, follow_up_code: str | None
) -> Problem:
    """An actionable problem for one AAA (reason AAA03, follow-up AAA04)."""
    action = REASON_ACTIONS.get(reason_code or "")
    if action is None:
        action = f"The payer rejected the inquiry ({reason or 'no reason given'})."
    follow = FOLLOW_UPS.get(follow_up_code or "")
    resubmission = follow[0] if follow else None
    if follow:
        action = f"{action} {follow[1]}"
    can_retry = resubmission in {None, Resubmission.ALLOWED, Resubmission.AFTER_CORRECTION}
    return Problem(
        level=level,
        reason_code=reason_code,
        reason=reason,
        action=action,
        follow_up_code=follow_up_code,
        resubmission=resubmission,
        can_retry=can_retry,
    )


def payer_unavailable(reason: str, *, timed_out: bool) -> EligibilityResult:
    """The result of a check the payer never answered."""
    code = "80" if timed_out else "42"
    return EligibilityResult(
        status=EligibilityStatus.PAYER_UNAVAILABLE,
        problems=[
            Problem(
                level="payer",
                reason_code=code,
                reason=reason,
                action=_RETRY_LATER,
                resubmission=Resubmission.ALLOWED,
                can_retry=True,
            )
        ],
    )


def unreadable_response() -> EligibilityResult:
    """The result of a check whose 271 could not be read (the raw file is kept)."""
    return EligibilityResult(
        status=EligibilityStatus.UNKNOWN,
        problems=[
            Problem(
                level="payer",
                action="The payer's answer could not be read; it is kept for support. "
                "Retry later, or call the payer.",
                resubmission=Resubmission.ALLOWED,
                can_retry=True,
            )
        ],
    )


def service_type_problem(code: str) -> str | None:
    """Why `code` is not an X12 service type code, or None."""
    return None if SERVICE_TYPE.match(code) else "must be an X12 service type code (1-2 A-Z/0-9)"


def raw_key(practice_id: str, check_id: str, kind: str) -> str:
    """S3 key of a raw file of a check: ids only, never PHI."""
    if kind not in {"270", "271"}:
        raise ValueError("kind must be 270 or 271")
    return f"{practice_id}/eligibility/{check_id}/{kind}.x12"
