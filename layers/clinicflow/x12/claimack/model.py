"""Typed 277CA claim acknowledgment (005010X214): every level down to service lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from decimal import Decimal
from typing import Literal

from pydantic import Field, computed_field

from clinicflow.x12.claimack import codes
from clinicflow.x12.model import EntityName, Reference, X12Model


class StatusCode(X12Model):
    """One health care claim status composite (STC01, STC10 or STC11)."""

    category: str = Field(description="C043-1 claim status category, e.g. A2 accepted, A7")
    status: str | None = Field(None, description="C043-2 claim status code, e.g. 20, 562")
    entity: str | None = Field(None, description="C043-3 entity the status is about, e.g. 85")
    code_list: str | None = Field(None, description="C043-4 code list qualifier (NCPDP)")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def category_description(self) -> str | None:
        """Plain-language category."""
        return codes.STATUS_CATEGORY.get(self.category)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_description(self) -> str | None:
        """Plain-language status code (common codes only)."""
        return codes.STATUS.get(self.status or "")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def entity_description(self) -> str | None:
        """Plain-language entity code."""
        return codes.ENTITY.get(self.entity or "")


class Status(X12Model):
    """STC: one status with up to three codes, its date, action and amount."""

    codes: list[StatusCode] = Field(min_length=1)
    effective_date: date | None = Field(None, description="STC02")
    action_code: str | None = Field(None, description="STC03: WQ accepted, U rejected")
    amount: Decimal | None = Field(None, description="STC04 total claim charge")
    message: str | None = Field(None, description="STC12 free-form message")


class Totals(X12Model):
    """QTY/AMT: accepted and rejected counts and amounts (2200B, 2200C)."""

    accepted_quantity: Decimal | None = None
    rejected_quantity: Decimal | None = None
    accepted_amount: Decimal | None = None
    rejected_amount: Decimal | None = None


Outcome = Literal["accepted", "rejected", "received", "other"]


def outcome_of(statuses: list[Status]) -> Outcome:
    """Rejected if any category rejects; accepted on A2/A5; received on A0/A1 only."""
    categories = {c.category for s in statuses for c in s.codes}
    if categories & codes.REJECTED_CATEGORIES:
        return "rejected"
    if categories & codes.ACCEPTED_CATEGORIES:
        return "accepted"
    if categories and categories <= {"A0", "A1"}:
        return "received"
    return "other"


class ServiceLineStatus(X12Model):
    """2220D: the status of one service line."""

    procedure_qualifier: str = Field(description="SVC01-1, e.g. HC, NU")
    procedure_code: str
    modifiers: list[str] = Field(default_factory=list)
    charge: Decimal = Field(description="SVC02")
    revenue_code: str | None = Field(None, description="SVC04 (institutional)")
    units: Decimal | None = Field(None, description="SVC07")
    statuses: list[Status] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list, description="REF*FJ line id")
    service_date: date | None = None
    service_date_end: date | None = None


class ClaimAcknowledgment(X12Model):
    """2000D/2200D: one claim's acknowledgment, matched by its patient control number."""

    patient: EntityName
    patient_control_number: str = Field(description="TRN02 = the 837's CLM01 (our claim id)")
    statuses: list[Status] = Field(default_factory=list)
    payer_claim_number: str | None = Field(None, description="REF*1K payer claim control no.")
    clearinghouse_trace: str | None = Field(None, description="REF*D9")
    bill_type: str | None = Field(None, description="REF*BLT (institutional)")
    service_date: date | None = None
    service_date_end: date | None = None
    lines: list[ServiceLineStatus] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome:
        """Accepted, rejected, received (A1 only) or other, from the claim-level statuses."""
        return outcome_of(self.statuses)


class ProviderAcknowledgment(X12Model):
    """2000C: a billing provider, its status and totals, and its claims."""

    name: EntityName
    trace: str | None = Field(None, description="TRN02 provider of service trace")
    statuses: list[Status] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    totals: Totals = Field(default_factory=Totals)
    claims: list[ClaimAcknowledgment] = Field(default_factory=list)


class ReceiverAcknowledgment(X12Model):
    """2000B: the information receiver (the submitter of the 837), status and totals."""

    name: EntityName
    trace: str | None = Field(None, description="TRN02 = the 837's BHT03 batch reference")
    statuses: list[Status] = Field(default_factory=list)
    totals: Totals = Field(default_factory=Totals)
    providers: list[ProviderAcknowledgment] = Field(default_factory=list)


class TransmissionReceipt(X12Model):
    """2200A: the source's receipt control number and dates."""

    trace: str
    received_date: date | None = Field(None, description="DTP*050")
    processed_date: date | None = Field(None, description="DTP*009")


class SourceAcknowledgment(X12Model):
    """2000A: the payer or clearinghouse that acknowledges."""

    name: EntityName
    receipts: list[TransmissionReceipt] = Field(default_factory=list)
    receivers: list[ReceiverAcknowledgment] = Field(default_factory=list)


class ClaimAcknowledgmentDocument(X12Model):
    """A parsed 277CA transaction set."""

    transaction: Literal["277CA"] = "277CA"
    control_number: str
    implementation: str
    purpose: str = Field(description="BHT02: 08 status")
    reference: str | None = Field(None, description="BHT03")
    created_date: date
    created_time: time | None = None
    transaction_type: str | None = Field(None, description="BHT06: TH receipt acknowledgment")
    sources: list[SourceAcknowledgment]

    def claims(self) -> Iterator[ClaimAcknowledgment]:
        """Every claim acknowledgment, in file order."""
        for source in self.sources:
            for receiver in source.receivers:
                for provider in receiver.providers:
                    yield from provider.claims
