"""Typed 270 eligibility inquiry: what the project sends, and what a parsed 270 gives back."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from clinicflow.x12.model import X12Model

ServiceTypeCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,2}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class Payer(X12Model):
    """The information source (2100A)."""

    id: Text = Field(description="Payer id (NM109, qualifier PI)")
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]


class Provider(X12Model):
    """The information receiver (2100B): an organization, or a person when first_name is set."""

    npi: Annotated[str, StringConstraints(pattern=r"^\d{10}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    first_name: Annotated[str, StringConstraints(max_length=35)] | None = None
    taxonomy: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{10}$")] | None = None


class _Person(X12Model):
    last_name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    first_name: Annotated[str, StringConstraints(max_length=35)] | None = None
    middle_name: Annotated[str, StringConstraints(max_length=25)] | None = None
    suffix: Annotated[str, StringConstraints(max_length=10)] | None = None
    birth_date: date | None = None
    gender: Literal["F", "M"] | None = None


class Subscriber(_Person):
    """The insured (2100C)."""

    member_id: Text
    group_number: Text | None = Field(None, description="REF*6P")


class Dependent(_Person):
    """A dependent patient; with their own ``member_id`` they are sent at 2000C."""

    member_id: Text | None = None


class EligibilityInquiry(X12Model):
    """One eligibility question: who is covered, by whom, for what, when."""

    payer: Payer
    provider: Provider
    subscriber: Subscriber
    dependent: Dependent | None = None
    service_types: list[ServiceTypeCode] = Field(
        min_length=1, max_length=99, description="EQ01 service type codes, e.g. 30, 98"
    )
    date_of_service: date | None = Field(None, description="DTP*291 (start of a range)")
    date_of_service_end: date | None = Field(None, description="DTP*291 RD8 end")
    trace_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{1,50}$")]
    trace_originator_id: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{10}$")] = Field(
        description="TRN03: '1' + the provider's EIN, or '9' + another assigned id"
    )

    @model_validator(mode="after")
    def _range(self) -> EligibilityInquiry:
        end = self.date_of_service_end
        if end is not None and (self.date_of_service is None or end < self.date_of_service):
            raise ValueError("date_of_service_end needs an earlier or equal date_of_service")
        return self

    @property
    def patient_level(self) -> Literal["subscriber", "dependent"]:
        """Loop the patient is sent in: a dependent with their own id counts as subscriber."""
        if self.dependent is None or self.dependent.member_id:
            return "subscriber"
        return "dependent"


class EligibilityInquiryDocument(X12Model):
    """A parsed 270 transaction set."""

    transaction: Literal["270"] = "270"
    control_number: str
    implementation: str
    purpose: str = Field(description="BHT02: 13 request, 01 cancellation")
    reference: str | None = Field(None, description="BHT03 submitter transaction id")
    created_date: date
    created_time: time | None = None
    inquiries: list[EligibilityInquiry]
