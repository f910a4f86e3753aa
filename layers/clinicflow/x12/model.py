"""Base model and shared typed parts (names, addresses, dates, AAA) of X12 documents."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from clinicflow.x12 import codes


class X12Model(BaseModel):
    """Immutable, strict-shaped base of every typed X12 model."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EntityName(X12Model):
    """NM1: who an entity is (payer, provider, subscriber, related entity)."""

    entity_code: str = Field(description="NM101 entity identifier code, e.g. PR payer, IL insured")
    entity_type: Literal["1", "2"] = Field(description="NM102: 1 person, 2 non-person entity")
    name: str | None = Field(None, description="NM103 last name or organization name")
    first_name: str | None = Field(None, description="NM104")
    middle_name: str | None = Field(None, description="NM105")
    name_prefix: str | None = Field(None, description="NM106")
    name_suffix: str | None = Field(None, description="NM107")
    id_qualifier: str | None = Field(None, description="NM108, e.g. PI payer id, XX NPI, MI member")
    identifier: str | None = Field(None, description="NM109")
    relationship_code: str | None = Field(None, description="NM110 entity relationship code")


class Address(X12Model):
    """N3/N4 postal address."""

    lines: list[str] = Field(default_factory=list, description="N301, N302")
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    location_qualifier: str | None = Field(None, description="N405")
    location_id: str | None = Field(None, description="N406")
    country_subdivision: str | None = Field(None, description="N407")


class Reference(X12Model):
    """REF: an additional identifier (group number, plan network id, ...)."""

    qualifier: str
    value: str
    description: str | None = None


class Communication(X12Model):
    """One PER number: qualifier (TE phone, FX fax, EM email, UR url, EX extension)."""

    qualifier: str
    number: str


class Contact(X12Model):
    """PER: a contact and how to reach them."""

    function: str = Field(description="PER01, e.g. IC information contact")
    name: str | None = None
    communications: list[Communication] = Field(default_factory=list)


class ProviderInformation(X12Model):
    """PRV: provider role and taxonomy."""

    provider_code: str
    id_qualifier: str | None = None
    identifier: str | None = None


class DatePeriod(X12Model):
    """DTP: a dated event; ``end`` is set for a range (RD8)."""

    qualifier: str = Field(description="DTP01, e.g. 291 plan, 346 plan begin, 307 eligibility")
    start: date
    end: date | None = None


class RequestValidation(X12Model):
    """AAA: why a request was rejected and what to do next."""

    loop: str = Field(description="Loop the AAA was found in, e.g. 2100C")
    valid: bool = Field(description="AAA01: Y request valid, N invalid")
    agency_qualifier: str | None = None
    reject_reason: str | None = Field(None, description="AAA03, e.g. 72 invalid member id")
    follow_up_action: str | None = Field(None, description="AAA04, e.g. C correct and resubmit")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reject_reason_description(self) -> str | None:
        """Plain-language AAA03."""
        return codes.AAA_REJECT_REASONS.get(self.reject_reason or "")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def follow_up_action_description(self) -> str | None:
        """Plain-language AAA04."""
        return codes.AAA_FOLLOW_UP.get(self.follow_up_action or "")


class Demographics(X12Model):
    """DMG: date of birth and gender."""

    birth_date: date | None = None
    gender: Literal["F", "M", "U"] | None = None


class MemberRelationship(X12Model):
    """INS: relationship to the subscriber and maintenance (corrections)."""

    subscriber: bool = Field(description="INS01: Y subscriber, N dependent")
    relationship_code: str = Field(description="INS02, e.g. 18 self, 01 spouse, 19 child")
    maintenance_type: str | None = Field(None, description="INS03: 001 change")
    maintenance_reason: str | None = Field(None, description="INS04: 25 changed information")
    birth_sequence: str | None = Field(None, description="INS17 multiple birth sequence")


class TraceNumber(X12Model):
    """TRN: a trace number (type 1 current, 2 referenced/echoed)."""

    trace_type: str
    reference: str
    originator: str
    supplemental: str | None = None


class Diagnosis(X12Model):
    """One HI composite: code list qualifier and code."""

    qualifier: str
    code: str
