"""Typed 835 remittance advice (005010X221A1): payment, parties, claims, lines, PLB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, computed_field

from clinicflow.x12.model import Address, Contact, EntityName, Reference, X12Model
from clinicflow.x12.remittance import codes


class Adjustment(X12Model):
    """One CAS triplet: group, reason (CARC), amount and optional quantity."""

    group: str = Field(description="CAS01: CO, CR, OA, PI, PR")
    reason: str = Field(description="Claim adjustment reason code")
    amount: Decimal
    quantity: Decimal | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def group_description(self) -> str | None:
        """Plain-language group."""
        return codes.ADJUSTMENT_GROUP.get(self.group)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reason_description(self) -> str | None:
        """Plain-language reason (common codes only)."""
        return codes.ADJUSTMENT_REASON.get(self.reason)


class Amount(X12Model):
    """AMT: a qualified amount (AU coverage, B6 allowed, KH late filing, ...)."""

    qualifier: str
    amount: Decimal


class DateValue(X12Model):
    """DTM: a qualified date (232/233 statement period, 472 service, 405 production, ...)."""

    qualifier: str
    date: date


class Payment(X12Model):
    """BPR: how much, how and when the payer pays (bank account numbers are not kept)."""

    handling_code: str = Field(description="BPR01: I remittance with payment, H notice only")
    amount: Decimal = Field(description="BPR02 total actual provider payment")
    credit_debit: Literal["C", "D"] = Field(description="BPR03")
    method: str = Field(description="BPR04: ACH, CHK, BOP, FWT, NON")
    format: str | None = Field(None, description="BPR05: CCP, CTX")
    payment_date: date = Field(description="BPR16 check issue or EFT effective date")


class Trace(X12Model):
    """TRN: the check or EFT trace number that reassociates payment and remittance."""

    trace_type: str
    reference: str = Field(description="TRN02 check or EFT trace number")
    originator: str | None = Field(None, description="TRN03 payer id ('1' + EIN)")
    supplemental: str | None = None


class Party(X12Model):
    """1000A payer or 1000B payee (N1 loop)."""

    entity_code: str = Field(description="N101: PR payer, PE payee")
    name: str
    id_qualifier: str | None = Field(None, description="N103: XX NPI, FI tax id, XV plan id")
    identifier: str | None = None
    address: Address | None = None
    references: list[Reference] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)


class ServicePayment(X12Model):
    """2110: one paid (or adjusted) service line."""

    procedure_qualifier: str = Field(description="SVC01-1, e.g. HC, NU")
    procedure_code: str
    modifiers: list[str] = Field(default_factory=list)
    charge: Decimal = Field(description="SVC02")
    paid: Decimal = Field(description="SVC03")
    revenue_code: str | None = Field(None, description="SVC04")
    units: Decimal | None = Field(None, description="SVC05 units paid")
    original_procedure_code: str | None = Field(None, description="SVC06-2 when recoded")
    original_units: Decimal | None = Field(None, description="SVC07")
    dates: list[DateValue] = Field(default_factory=list)
    adjustments: list[Adjustment] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list, description="LQ*HE remark codes")

    @property
    def control_number(self) -> str | None:
        """REF*6R: the 837 line item control number, when the payer echoes it."""
        return next((r.value for r in self.references if r.qualifier == "6R"), None)


class ClaimPayment(X12Model):
    """2100: how one claim was adjudicated (CLP) with its adjustments and lines."""

    patient_control_number: str = Field(description="CLP01 = the 837's CLM01 (our claim id)")
    status: str = Field(description="CLP02: 1 primary, 2 secondary, 4 denied, 22 reversal")
    charge: Decimal = Field(description="CLP03")
    paid: Decimal = Field(description="CLP04")
    patient_responsibility: Decimal | None = Field(None, description="CLP05")
    filing_indicator: str | None = Field(None, description="CLP06")
    payer_claim_number: str | None = Field(None, description="CLP07")
    facility_type: str | None = Field(None, description="CLP08 place of service / bill type")
    frequency_code: str | None = Field(None, description="CLP09")
    adjustments: list[Adjustment] = Field(default_factory=list)
    patient: EntityName | None = Field(None, description="NM1*QC")
    insured: EntityName | None = Field(None, description="NM1*IL")
    corrected_patient: EntityName | None = Field(None, description="NM1*74")
    rendering_provider: EntityName | None = Field(None, description="NM1*82")
    crossover_payer: EntityName | None = Field(None, description="NM1*TT")
    references: list[Reference] = Field(default_factory=list)
    dates: list[DateValue] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    lines: list[ServicePayment] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_description(self) -> str | None:
        """Plain-language CLP02."""
        return codes.CLAIM_STATUS.get(self.status)


class ProviderAdjustmentItem(X12Model):
    """One PLB pair: reason (with optional reference) and amount (positive reduces payment)."""

    reason: str
    reference: str | None = None
    amount: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reason_description(self) -> str | None:
        """Plain-language PLB reason."""
        return codes.PROVIDER_ADJUSTMENT.get(self.reason)


class ProviderAdjustment(X12Model):
    """PLB: provider-level adjustments for a fiscal period."""

    provider_id: str
    fiscal_period_end: date
    items: list[ProviderAdjustmentItem] = Field(min_length=1, max_length=6)


class RemittanceDocument(X12Model):
    """A parsed 835 transaction set."""

    transaction: Literal["835"] = "835"
    control_number: str
    implementation: str
    payment: Payment
    trace: Trace
    production_date: date | None = Field(None, description="DTM*405")
    references: list[Reference] = Field(default_factory=list, description="REF*EV, REF*F2")
    payer: Party
    payee: Party
    claims: list[ClaimPayment] = Field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = Field(default_factory=list)

    def all_lines(self) -> Iterator[tuple[ClaimPayment, ServicePayment]]:
        """Every service line with its claim."""
        for claim in self.claims:
            for line in claim.lines:
                yield claim, line
