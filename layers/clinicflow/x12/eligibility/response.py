"""Typed 271 eligibility response (005010X279A1): every level, every EB loop."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Literal

from pydantic import Field, computed_field

from clinicflow.x12 import codes
from clinicflow.x12.model import (
    Address,
    Contact,
    DatePeriod,
    Demographics,
    Diagnosis,
    EntityName,
    MemberRelationship,
    ProviderInformation,
    Reference,
    RequestValidation,
    TraceNumber,
    X12Model,
)


class ServiceDelivery(X12Model):
    """HSD: how often / how many (e.g. 20 visits per calendar year)."""

    quantity_qualifier: str | None = Field(None, description="HSD01, e.g. VS visits")
    quantity: Decimal | None = None
    unit: str | None = Field(None, description="HSD03 unit or basis for measurement")
    sample_selection_modulus: Decimal | None = None
    time_period: str | None = Field(None, description="HSD05 time period qualifier")
    period_count: Decimal | None = None
    delivery_frequency: str | None = Field(None, description="HSD07")
    delivery_pattern_time: str | None = Field(None, description="HSD08")


class ProcedureCode(X12Model):
    """EB13: a procedure the benefit applies to."""

    qualifier: str = Field(description="e.g. HC (HCPCS/CPT), AD (ADA)")
    code: str
    modifiers: list[str] = Field(default_factory=list)


class AdditionalInformation(X12Model):
    """III (2115C/D): place of service, nature of injury or free text."""

    qualifier: str | None = Field(None, description="III01: ZZ place of service, GR, NI")
    code: str | None = None
    category: str | None = Field(None, description="III03: 44 nature of injury")
    text: str | None = None


class RelatedEntity(X12Model):
    """2120C/D: a benefit-related entity (PCP, other payer, contact)."""

    name: EntityName
    address: Address | None = None
    contacts: list[Contact] = Field(default_factory=list)
    provider: ProviderInformation | None = None


class Benefit(X12Model):
    """One EB loop (2110C/D)."""

    code: str = Field(description="EB01: 1 active, 6 inactive, A coinsurance, B copay, ...")
    coverage_level: str | None = Field(None, description="EB02: IND, FAM, ...")
    service_types: list[str] = Field(default_factory=list, description="EB03 (repeating)")
    insurance_type: str | None = Field(None, description="EB04, e.g. HM HMO, MB Medicare B")
    plan_description: str | None = Field(None, description="EB05")
    time_period: str | None = Field(None, description="EB06: 23 calendar year, 29 remaining")
    amount: Decimal | None = Field(None, description="EB07 monetary amount")
    percent: Decimal | None = Field(None, description="EB08 as a fraction, e.g. 0.2 = 20%")
    quantity_qualifier: str | None = Field(None, description="EB09")
    quantity: Decimal | None = Field(None, description="EB10")
    authorization_required: Literal["Y", "N", "U"] | None = Field(None, description="EB11")
    in_plan_network: Literal["Y", "N", "U", "W"] | None = Field(
        None, description="EB12: Y in network, N out of network, W not applicable (both)"
    )
    procedure: ProcedureCode | None = None
    diagnosis_pointers: list[int] = Field(default_factory=list, description="EB14")
    deliveries: list[ServiceDelivery] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    dates: list[DatePeriod] = Field(default_factory=list)
    errors: list[RequestValidation] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list, description="MSG free text")
    additional_information: list[AdditionalInformation] = Field(default_factory=list)
    related_entities: list[RelatedEntity] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def description(self) -> str | None:
        """Plain-language EB01."""
        return codes.ELIGIBILITY_BENEFIT.get(self.code)


class Member(X12Model):
    """A subscriber (2000C/2100C) or dependent (2000D/2100D) and their benefits."""

    trace_numbers: list[TraceNumber] = Field(default_factory=list)
    name: EntityName
    references: list[Reference] = Field(default_factory=list)
    address: Address | None = None
    errors: list[RequestValidation] = Field(default_factory=list)
    provider: ProviderInformation | None = None
    demographics: Demographics | None = None
    relationship: MemberRelationship | None = None
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    dates: list[DatePeriod] = Field(default_factory=list)
    benefits: list[Benefit] = Field(default_factory=list)


class Subscriber(Member):
    """2000C: the subscriber and the dependents answered under them."""

    dependents: list[Member] = Field(default_factory=list)


class InformationReceiver(X12Model):
    """2000B/2100B: the provider who asked."""

    name: EntityName
    references: list[Reference] = Field(default_factory=list)
    address: Address | None = None
    errors: list[RequestValidation] = Field(default_factory=list)
    provider: ProviderInformation | None = None
    subscribers: list[Subscriber] = Field(default_factory=list)


class InformationSource(X12Model):
    """2000A/2100A: the payer who answered (AAA at 2000A and 2100A go to ``errors``)."""

    name: EntityName
    contacts: list[Contact] = Field(default_factory=list)
    errors: list[RequestValidation] = Field(default_factory=list)
    receivers: list[InformationReceiver] = Field(default_factory=list)


class EligibilityResponseDocument(X12Model):
    """A parsed 271 transaction set."""

    transaction: Literal["271"] = "271"
    control_number: str
    implementation: str
    purpose: str = Field(description="BHT02: 11 response, 06 confirmation")
    reference: str | None = Field(None, description="BHT03, echoes the 270's BHT03")
    created_date: date
    created_time: time | None = None
    sources: list[InformationSource]
