"""Typed 837P professional claim batch (005010X222A1): what the project sends and reads back.

The same models are the builder's input and the parser's output, so a round trip is exact.
They carry wire-format constraints only (lengths, code shapes, counts the TR3 caps); business
rules (NPI check digit, CLM02 = sum of lines, pointer targets, frequency 7/8 with REF*F8, ...)
belong to the claims scrubber, which must be able to read a faulty file to report on it.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from clinicflow.x12.claims.cob import LineAdjudication, OtherSubscriber
from clinicflow.x12.claims.fields import (
    Code2,
    DiagnosisCode,
    First35,
    Gender,
    Id80,
    Middle25,
    Modifier,
    Money,
    Name60,
    Npi,
    PlaceOfService,
    PostalAddress,
    ProcedureCode,
    Quantity,
    Ref50,
    Responsibility,
    Suffix10,
    Taxonomy,
)
from clinicflow.x12.model import X12Model


class ContactInfo(X12Model):
    """PER*IC: a named contact; written as TE (+EX), EM, FX, at most three numbers."""

    name: Name60 | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\d{10,15}$")] | None = None
    phone_extension: Annotated[str, StringConstraints(pattern=r"^\d{1,10}$")] | None = None
    email: Id80 | None = None
    fax: Annotated[str, StringConstraints(pattern=r"^\d{10,15}$")] | None = None

    @model_validator(mode="after")
    def _numbers(self) -> ContactInfo:
        numbers = [self.phone, self.phone_extension, self.email, self.fax]
        if not any(numbers):
            raise ValueError("a contact needs a phone, email or fax")
        if sum(n is not None for n in numbers) > 3:
            raise ValueError("PER holds at most three communication numbers")
        if self.phone_extension and not self.phone:
            raise ValueError("phone_extension needs a phone")
        return self


class Submitter(X12Model):
    """1000A: who sends the file (NM1*41, id qualifier 46 = ETIN) and its EDI contact."""

    name: Name60
    id: Id80 = Field(description="NM109 submitter id assigned by the receiver")
    contact: ContactInfo


class Receiver(X12Model):
    """1000B: the clearinghouse or payer receiving the file (NM1*40)."""

    name: Name60
    id: Id80


class BillingProvider(X12Model):
    """2000A/2010AA: billing provider, its tax id, taxonomy and (2010AB) pay-to address."""

    npi: Npi
    entity_type: Literal["1", "2"] = Field("2", description="NM102: 1 person, 2 organization")
    name: Name60 = Field(description="Organization name, or last name for a person")
    first_name: First35 | None = None
    taxonomy: Taxonomy | None = Field(None, description="PRV*BI*PXC")
    tax_id: Annotated[str, StringConstraints(pattern=r"^\d{9}$")]
    tax_id_qualifier: Literal["EI", "SY"] = Field("EI", description="EI employer id, SY SSN")
    address: PostalAddress
    contact: ContactInfo | None = None
    pay_to_address: PostalAddress | None = Field(None, description="2010AB NM1*87")


class Payer(X12Model):
    """2010BB: the destination payer (NM1*PR, id qualifier PI)."""

    id: Id80
    name: Name60
    address: PostalAddress | None = None


class Subscriber(X12Model):
    """2000B/2010BA: the insured and their coverage (SBR)."""

    member_id: Id80 = Field(description="NM109 with qualifier MI")
    last_name: Name60
    first_name: First35 | None = None
    middle_name: Middle25 | None = None
    suffix: Suffix10 | None = None
    address: PostalAddress | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    payer_responsibility: Responsibility = Field(
        "P", description="SBR01: P primary, S secondary, T tertiary, ..."
    )
    group_number: Ref50 | None = Field(None, description="SBR03")
    group_name: Name60 | None = Field(None, description="SBR04")
    claim_filing_indicator: Code2 = Field(
        "CI", description="SBR09: CI commercial, MB Medicare B, MC Medicaid, BL, HM, ..."
    )


class Patient(X12Model):
    """2000C/2010CA: the patient when they are not the subscriber."""

    relationship: Code2 = Field(
        description="PAT01: 01 spouse, 19 child, 20 employee, 21 unknown, 53 partner, G8 other"
    )
    last_name: Name60
    first_name: First35 | None = None
    middle_name: Middle25 | None = None
    suffix: Suffix10 | None = None
    address: PostalAddress | None = None
    birth_date: date | None = None
    gender: Gender | None = None

    @field_validator("relationship")
    @classmethod
    def _not_self(cls, value: str) -> str:
        if value == "18":
            raise ValueError("a patient who is the subscriber has no 2000C loop: omit patient")
        return value


class ClaimProvider(X12Model):
    """2310A referring (NM1*DN) or 2310B rendering (NM1*82) provider."""

    npi: Npi
    entity_type: Literal["1", "2"] = "1"
    last_name: Name60 = Field(description="Last name, or organization name (entity type 2)")
    first_name: First35 | None = None
    middle_name: Middle25 | None = None
    suffix: Suffix10 | None = None
    taxonomy: Taxonomy | None = Field(None, description="PRV*PE*PXC (rendering only)")


class ServiceFacility(X12Model):
    """2310C: where the service was rendered, when not the billing provider's address."""

    name: Name60
    npi: Npi | None = None
    address: PostalAddress


class Drug(X12Model):
    """2410: the drug given on a line (LIN*N4 NDC, CTP quantity and unit)."""

    ndc: Annotated[str, StringConstraints(pattern=r"^\d{11}$")] = Field(description="5-4-2 NDC")
    quantity: Quantity
    unit: Literal["F2", "GR", "ME", "ML", "UN"] = "UN"


class ServiceLine(X12Model):
    """2400: one procedure line (LX, SV1, DTP*472, REF, 2410)."""

    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    description: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = Field(
        None, description="SV101-7 (required for unlisted codes)"
    )
    charge: Money
    unit_basis: Literal["UN", "MJ"] = Field("UN", description="SV103: UN units, MJ minutes")
    units: Quantity
    place_of_service: PlaceOfService | None = Field(None, description="SV105, when not CLM05-1")
    diagnosis_pointers: list[Annotated[int, Field(ge=1, le=12)]] = Field(
        min_length=1, max_length=4, description="SV107, 1-based into the claim's diagnoses"
    )
    emergency: bool = Field(False, description="SV109 Y")
    service_date: date
    service_date_end: date | None = Field(None, description="DTP*472 RD8 end")
    prior_authorization: Ref50 | None = Field(None, description="REF*G1 (line level)")
    control_number: Ref50 | None = Field(None, description="REF*6R line item control number")
    drug: Drug | None = None
    adjudications: list[LineAdjudication] = Field(
        default_factory=list, max_length=15, description="2430: other payers' line decisions"
    )

    @model_validator(mode="after")
    def _range(self) -> ServiceLine:
        if self.service_date_end is not None and self.service_date_end < self.service_date:
            raise ValueError("service_date_end is before service_date")
        return self


class Claim(X12Model):
    """2300 and below: one claim, with the parties it is billed for."""

    claim_id: Annotated[str, StringConstraints(min_length=1, max_length=20)] = Field(
        description="CLM01 patient control number (our claim id), echoed in 277CA and 835"
    )
    total_charge: Money = Field(description="CLM02")
    place_of_service: PlaceOfService = Field(description="CLM05-1")
    frequency_code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]$")] = Field(
        "1", description="CLM05-3: 1 original, 7 replacement, 8 void"
    )
    provider_signature: bool = Field(True, description="CLM06")
    assignment: Literal["A", "B", "C"] = Field("A", description="CLM07 Medicare assignment")
    benefits_assigned: Literal["Y", "N", "W"] = Field("Y", description="CLM08")
    release_of_information: Literal["I", "Y"] = Field("Y", description="CLM09")
    related_causes: list[Literal["AA", "EM", "OA"]] = Field(
        default_factory=list, max_length=3, description="CLM11-1..3: auto, employment, other"
    )
    accident_state: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2}$")] | None = None
    onset_date: date | None = Field(None, description="DTP*431")
    accident_date: date | None = Field(None, description="DTP*439")
    referral_number: Ref50 | None = Field(None, description="REF*9F")
    prior_authorization: Ref50 | None = Field(None, description="REF*G1")
    payer_claim_number: Ref50 | None = Field(None, description="REF*F8 (frequency 7 and 8)")
    clia_number: Ref50 | None = Field(None, description="REF*X4")
    medical_record_number: Ref50 | None = Field(None, description="REF*EA")
    diagnosis_code_list: Literal["ABK", "BK"] = Field(
        "ABK", description="ABK/ABF ICD-10-CM; BK/BF ICD-9-CM (only in old files)"
    )
    diagnoses: list[DiagnosisCode] = Field(
        min_length=1, max_length=12, description="HI: first is principal, no decimal point"
    )
    referring_provider: ClaimProvider | None = None
    rendering_provider: ClaimProvider | None = None
    service_facility: ServiceFacility | None = None
    other_subscribers: list[OtherSubscriber] = Field(
        default_factory=list,
        max_length=10,
        description="2320/2330A/2330B: the claim's other payers (coordination of benefits)",
    )
    lines: list[ServiceLine] = Field(min_length=1, max_length=50)
    billing_provider: BillingProvider
    subscriber: Subscriber
    payer: Payer
    patient: Patient | None = Field(None, description="None when the subscriber is the patient")


class ClaimBatch(X12Model):
    """One 837P transaction set: submitter, receiver and claims.

    ``claims`` are kept in file order: grouped by billing provider, then subscriber and payer,
    then patient, each group in order of first appearance (a stable regrouping, applied on
    construction), so ``parse_837p(build_837p(batch)) == [batch]`` for any input order.
    """

    submitter: Submitter
    receiver: Receiver
    reference: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{1,30}$")] = Field(
        description="BHT03 originator application transaction id"
    )
    created: datetime = Field(description="BHT04/BHT05 (seconds kept, microseconds dropped)")
    purpose: Literal["00", "18"] = Field("00", description="BHT02: 00 original, 18 reissue")
    claims: list[Claim] = Field(min_length=1, max_length=5000)

    @field_validator("created")
    @classmethod
    def _whole_seconds(cls, value: datetime) -> datetime:
        return value.replace(microsecond=0, tzinfo=None)

    @field_validator("claims")
    @classmethod
    def _grouped(cls, claims: list[Claim]) -> list[Claim]:
        return grouped(claims)


def grouped(claims: list[Claim]) -> list[Claim]:
    """Stable regrouping by billing provider, then subscriber/payer (own claims or dependents'),
    then patient: the order the HL hierarchy writes them in."""
    tree: dict[Hashable, dict[Hashable, dict[Hashable, list[Claim]]]] = {}
    for claim in claims:
        subscriber = (claim.subscriber, claim.payer, claim.patient is None)
        level = tree.setdefault(claim.billing_provider, {}).setdefault(subscriber, {})
        level.setdefault(claim.patient, []).append(claim)
    return [
        c for subs in tree.values() for pats in subs.values() for cs in pats.values() for c in cs
    ]


class ProfessionalClaimDocument(X12Model):
    """A parsed 837P transaction set."""

    transaction: Literal["837P"] = "837P"
    control_number: str
    implementation: str
    batch: ClaimBatch
    not_modeled: list[str] = Field(
        default_factory=list,
        description="Loops and segments present in the file that the typed model does not "
        "carry (e.g. '2330C' other payer referring provider, '2300/NTE'), first occurrence "
        "order",
    )
