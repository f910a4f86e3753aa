"""Claims: a snapshot of everything an 837P carries, and the claim lifecycle. Pure.

A claim is built from a signed encounter plus the facts other slices own (practice, payer,
coverage, patient, providers) as they were at that moment, so a claim never changes when a
patient record does. Its id is the patient control number (CLM01): at most 20 characters,
unique in the practice, the same from the 837P to the 835.

Lifecycle (every transition timestamped; anything else is refused with 409):

    draft -> ready -> queued -> submitted -> accepted | rejected
    accepted -> paid | partially_paid | denied
    paid | partially_paid | denied -> corrected (frequency 7) | voided (frequency 8) | closed
    rejected -> draft (fixed and resubmitted as it was: 999/277CA rejections never reached
                adjudication, so the frequency is not changed)
    corrected -> ready (the replacement is re-scrubbed and sent again)
    voided -> queued (the void is sent); an accepted void -> closed
    draft | ready -> closed (abandoned before submission); ready -> draft; queued -> ready
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from clinicflow.claims.model.cob import Adjudication
from clinicflow.claims.model.encounter import Accident, ReferringProvider
from clinicflow.platform.errors import ConflictError, FieldError, ValidationError

MAX_CLAIM_ID = 20
_ID_ALPHABET = string.ascii_uppercase.replace("O", "").replace("I", "") + "23456789"


class ClaimStatus(StrEnum):
    """Where a claim is in its lifecycle."""

    DRAFT = "draft"
    READY = "ready"
    QUEUED = "queued"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    CORRECTED = "corrected"
    VOIDED = "voided"
    CLOSED = "closed"


class Frequency(StrEnum):
    """CLM05-3 claim frequency type code."""

    ORIGINAL = "1"
    REPLACEMENT = "7"
    VOID = "8"


S = ClaimStatus
TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.DRAFT: frozenset({S.READY, S.CLOSED}),
    S.READY: frozenset({S.DRAFT, S.QUEUED, S.CLOSED}),
    S.QUEUED: frozenset({S.SUBMITTED, S.READY}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED, S.CLOSED}),
    S.REJECTED: frozenset({S.DRAFT, S.CLOSED}),
    S.PAID: frozenset({S.CORRECTED, S.VOIDED, S.CLOSED}),
    S.PARTIALLY_PAID: frozenset({S.CORRECTED, S.VOIDED, S.CLOSED}),
    S.DENIED: frozenset({S.CORRECTED, S.VOIDED, S.CLOSED}),
    S.CORRECTED: frozenset({S.READY}),
    S.VOIDED: frozenset({S.QUEUED}),
    S.CLOSED: frozenset(),
}
EDITABLE = frozenset({S.DRAFT, S.READY, S.CORRECTED})
# Only a voided claim that was accepted may close from accepted; the table allows it and
# `transition` checks the frequency.


def new_claim_id(prefix: str = "C", now: datetime | None = None) -> str:
    """A new CLM01: prefix, yymmdd, 6 random letters/digits (13 characters; no PHI)."""
    at = now or datetime.now(UTC)
    tail = "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))
    return f"{prefix}{at:%y%m%d}{tail}"


@dataclass(frozen=True)
class PostalAddress:
    """A US address as an N3/N4 pair carries it."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str = ""


@dataclass(frozen=True)
class BillingProvider:
    """837P loop 2010AA: the billing provider (the practice, or an individual)."""

    name: str
    npi: str
    taxonomy_code: str
    tax_id: str
    address: PostalAddress
    pay_to_address: PostalAddress | None = None


@dataclass(frozen=True)
class ProviderRef:
    """An individual provider on the claim (rendering 2310B)."""

    provider_id: str
    last_name: str
    first_name: str
    npi: str
    taxonomy_code: str


@dataclass(frozen=True)
class Facility:
    """837P loop 2310C: where the service was rendered."""

    location_id: str
    name: str
    address: PostalAddress
    npi: str = ""


@dataclass(frozen=True)
class Person:
    """A patient or subscriber, as loop 2010BA/2010CA carries them."""

    last_name: str
    first_name: str
    birth_date: date | None
    sex: str  # X12 gender code: F, M, U
    address: PostalAddress | None = None


@dataclass(frozen=True)
class Subscriber:
    """The coverage billed (SBR + 2010BA)."""

    member_id: str
    relationship: str  # SBR02 / PAT01 individual relationship code; "18" self
    claim_filing_indicator: str
    person: Person
    group_number: str = ""
    payer_responsibility: str = "P"  # SBR01: P, S, T


@dataclass(frozen=True)
class PayerRef:
    """The payer billed (2010BB)."""

    payer_id: str
    name: str
    address: PostalAddress | None = None


@dataclass(frozen=True)
class OtherPayer:
    """A payer billed before this claim's payer (837P 2320/2330A/2330B) and its decision."""

    payer: PayerRef
    subscriber: Subscriber  # its SBR01 is that payer's responsibility (P, S)
    adjudication: Adjudication | None = None
    claim_id: str = ""  # our claim to that payer, when we billed it


@dataclass(frozen=True)
class ClaimLine:
    """One service line (loop 2400), priced."""

    procedure: str
    modifiers: tuple[str, ...]
    units: Decimal
    pointers: tuple[int, ...]
    charge: Decimal
    service_date: date
    place_of_service: str = ""  # empty: the claim's
    ndc: str = ""
    ndc_quantity: Decimal | None = None
    ndc_unit: str = ""


@dataclass(frozen=True)
class Transition:
    """One step of the lifecycle."""

    from_status: ClaimStatus | None
    to_status: ClaimStatus
    at: datetime
    by: str
    reason: str = ""


@dataclass(frozen=True)
class Override:
    """A biller's override of a warning the scrubber allows overriding, with the reason."""

    rule_id: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ScrubNote:
    """One scrubber finding as recorded on the claim."""

    rule_id: str
    severity: str
    field: str
    message: str
    blocks: bool
    overridable: bool = False
    override_reason: str = ""


@dataclass(frozen=True)
class LastScrub:
    """The scrubber's findings from the claim's last scrub while it could still change (kept
    until the next scrub or correction, so anyone opening the claim sees them)."""

    at: datetime
    blocked: bool
    findings: tuple[ScrubNote, ...] = ()
    rules_run: int = 0
    icd10_release: str = ""


@dataclass(frozen=True)
class Claim:
    """A professional claim (837P) and where it is in its lifecycle."""

    practice_id: str
    claim_id: str
    encounter_id: str
    patient_id: str
    coverage_id: str
    billing: BillingProvider
    rendering: ProviderRef | None
    facility: Facility | None
    patient: Person
    subscriber: Subscriber
    payer: PayerRef
    place_of_service: str
    service_date: date
    diagnoses: tuple[str, ...]
    lines: tuple[ClaimLine, ...]
    total_charge: Decimal
    status: ClaimStatus = ClaimStatus.DRAFT
    frequency: Frequency = Frequency.ORIGINAL
    payer_claim_number: str = ""
    appointment_id: str = ""
    referring: ReferringProvider | None = None
    prior_auth_number: str = ""
    referral_number: str = ""
    accident: Accident | None = None
    clia_number: str = ""
    overrides: tuple[Override, ...] = ()
    other_payers: tuple[OtherPayer, ...] = ()  # coordination of benefits, in payer order
    adjudication: Adjudication | None = None  # this claim's payer's decision, once known
    next_claim_id: str = ""  # the claim billed to the next payer (secondary, tertiary)
    authorization_id: str = ""  # the prior authorization whose visit this claim used
    last_scrub: LastScrub | None = None
    history: tuple[Transition, ...] = ()
    version: int = 1
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def sum_of_lines(self) -> Decimal:
        """Σ line charges (what CLM02 must equal)."""
        return sum((line.charge for line in self.lines), Decimal("0"))

    @property
    def submitted_at(self) -> datetime | None:
        """When the claim was first sent (for timely filing), or None."""
        for step in self.history:
            if step.to_status is ClaimStatus.SUBMITTED:
                return step.at
        return None

    def overridden(self, rule_id: str) -> Override | None:
        """The override of a rule, if a biller gave one."""
        for o in self.overrides:
            if o.rule_id == rule_id:
                return o
        return None

    def with_override(self, rule_id: str, reason: str, by: str, at: datetime) -> Claim:
        """The claim with a biller's override of a rule (replacing an earlier one)."""
        if self.status not in EDITABLE:
            raise ConflictError("findings can be overridden only before the claim is queued")
        if not reason.strip() or len(reason) > 300:
            raise ValidationError(FieldError("reason", "give a reason of 1-300 characters"))
        kept = tuple(o for o in self.overrides if o.rule_id != rule_id)
        return replace(
            self,
            overrides=(*kept, Override(rule_id, reason.strip(), by, at)),
            version=self.version + 1,
            updated_at=at,
        )


# What a claim bills: the parties, the visit, its codes and charges (a correction replaces it;
# an 837P carries it). Ids, the payer, the lifecycle and the links to other records are not.
BILLED_CONTENT = (
    "billing",
    "rendering",
    "facility",
    "patient",
    "subscriber",
    "place_of_service",
    "service_date",
    "diagnoses",
    "lines",
    "total_charge",
    "referring",
    "prior_auth_number",
    "referral_number",
    "accident",
    "clia_number",
)


def with_billed_content(claim: Claim, source: Claim, **changes: Any) -> Claim:
    """`claim` with the billed content of `source` (`BILLED_CONTENT`), plus `changes`."""
    content = {name: getattr(source, name) for name in BILLED_CONTENT}
    return replace(claim, **{**content, **changes})


class IllegalTransitionError(ConflictError):
    """The lifecycle does not allow this step from the claim's current state."""

    def __init__(self, from_status: ClaimStatus, to_status: ClaimStatus) -> None:
        super().__init__(
            f"a {from_status.value} claim cannot become {to_status.value}",
            details={"status": from_status.value, "requested": to_status.value},
        )


def transition(
    claim: Claim,
    to: ClaimStatus,
    *,
    at: datetime,
    by: str,
    reason: str = "",
    payer_claim_number: str = "",
) -> Claim:
    """The claim after one lifecycle step, timestamped; IllegalTransitionError otherwise.

    Entering `corrected` or `voided` needs the payer's claim number (REF*F8) and sets the
    frequency to 7 or 8.
    """
    if to not in TRANSITIONS[claim.status]:
        raise IllegalTransitionError(claim.status, to)
    if claim.status is S.ACCEPTED and to is S.CLOSED and claim.frequency is not Frequency.VOID:
        raise IllegalTransitionError(claim.status, to)
    frequency = claim.frequency
    number = payer_claim_number.strip() or claim.payer_claim_number
    if to in {S.CORRECTED, S.VOIDED}:
        if not number:
            raise ValidationError(
                FieldError("payer_claim_number", "is required to correct or void a claim")
            )
        frequency = Frequency.REPLACEMENT if to is S.CORRECTED else Frequency.VOID
    step = Transition(claim.status, to, at, by, reason.strip()[:300])
    return replace(
        claim,
        status=to,
        frequency=frequency,
        payer_claim_number=number,
        history=(*claim.history, step),
        version=claim.version + 1,
        updated_at=at,
    )


def claim_id_problem(claim_id: str) -> str | None:
    """Why `claim_id` cannot be a CLM01 (1-20 letters, digits or '-'), or None."""
    if not 1 <= len(claim_id) <= MAX_CLAIM_ID:
        return f"must be 1-{MAX_CLAIM_ID} characters"
    if not all(c.isascii() and (c.isalnum() or c == "-") for c in claim_id):
        return "must be letters, digits or '-'"
    return None
