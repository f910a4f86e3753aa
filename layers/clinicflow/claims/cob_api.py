"""HTTP routes of coordination of benefits and voids: record a payer's decision, bill the next
payer, void an adjudicated claim. Billers and admins only; the practice is the caller's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from clinicflow.claims import secondary, serial, voiding
from clinicflow.claims.adapters import SliceFacts
from clinicflow.claims.model import Adjudication, Adjustment, LineDecision
from clinicflow.claims.store import DynamoClaimsStore
from clinicflow.coverages.store import DynamoCoverageRepository
from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository
from clinicflow.platform.http import authorized
from clinicflow.platform.identity import Role

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

BILLING = frozenset({Role.BILLER, Role.ADMIN})
_store = DynamoClaimsStore()
_audit = DynamoAuditLog()
_facts = SliceFacts(
    patient_repo=DynamoPatientRepository(), coverage_repo=DynamoCoverageRepository(), audit=_audit
)
Amount = Annotated[Decimal, Field(ge=Decimal("-9999999.99"), le=Decimal("9999999.99"))]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AdjustmentBody(_Body):
    """One CAS adjustment from the payer's remittance."""

    group: Annotated[str, Field(pattern=r"^(CO|CR|OA|PI|PR)$")]
    reason: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,5}$")]
    amount: Amount
    quantity: Annotated[Decimal, Field(gt=0, le=9999)] | None = None

    def to_domain(self) -> Adjustment:
        """The domain adjustment."""
        return Adjustment(self.group, self.reason, self.amount, self.quantity)


class LineDecisionBody(_Body):
    """The payer's decision on one line (`line`: 0-based)."""

    line: Annotated[int, Field(ge=0, le=49)]
    paid: Amount
    adjustments: Annotated[list[AdjustmentBody], Field(max_length=30)] = []
    paid_units: Annotated[Decimal, Field(ge=0, le=9999)] | None = None


class AdjudicationBody(_Body):
    """What the payer decided (from its remittance / EOB)."""

    paid: Amount
    adjudicated_on: date
    adjustments: Annotated[list[AdjustmentBody], Field(max_length=30)] = []
    lines: Annotated[list[LineDecisionBody], Field(max_length=50)] = []
    payer_claim_number: Annotated[str, Field(max_length=50)] = ""

    def to_domain(self) -> Adjudication:
        """The domain adjudication."""
        return Adjudication(
            paid=self.paid,
            adjudicated_on=self.adjudicated_on,
            adjustments=tuple(a.to_domain() for a in self.adjustments),
            lines=tuple(
                LineDecision(
                    ln.line, ln.paid, tuple(a.to_domain() for a in ln.adjustments), ln.paid_units
                )
                for ln in self.lines
            ),
            payer_claim_number=self.payer_claim_number,
        )


class RecordBody(_Body):
    """The payer's decision and the claim version the biller saw."""

    version: int | None = None
    adjudication: AdjudicationBody


class NextClaimBody(_Body):
    """The patient's next coverage, and the decision when not recorded on the claim."""

    coverage_id: Id
    adjudication: AdjudicationBody | None = None


class VoidBody(_Body):
    """The payer's claim number (REF*F8) and why the claim is voided."""

    version: int | None = None
    payer_claim_number: Annotated[str, Field(min_length=1, max_length=50)]
    reason: Annotated[str, Field(max_length=300)] = ""


@router.put("/claims/<claim_id>/adjudication", summary="Record the payer's decision")
def record_adjudication(claim_id: str, body: RecordBody) -> dict[str, Any]:
    """An accepted claim becomes paid, partially paid or denied (409 before acceptance)."""
    caller = authorized(router, BILLING)
    claim = secondary.record_adjudication(
        caller,
        claim_id,
        body.adjudication.to_domain(),
        expected_version=body.version,
        repo=_store,
    )
    return serial.plain_record(claim)


@router.post(
    "/claims/<claim_id>/next-claim", summary="Bill the next payer (secondary)", status_code=201
)
def create_next_claim(claim_id: str, body: NextClaimBody) -> dict[str, Any]:
    """A draft claim to the patient's next coverage carrying this claim's payer decision."""
    caller = authorized(router, BILLING)
    claim = secondary.create_next_claim(
        caller,
        claim_id,
        body.coverage_id,
        adjudication=body.adjudication.to_domain() if body.adjudication else None,
        repo=_store,
        facts=_facts,
    )
    return serial.plain_record(claim)


@router.post("/claims/<claim_id>/void", summary="Void an adjudicated claim")
def void_claim(claim_id: str, body: VoidBody) -> dict[str, Any]:
    """Frequency 8; the prior-authorization visit the claim used is given back."""
    caller = authorized(router, BILLING)
    claim = voiding.void_claim(
        caller,
        claim_id,
        payer_claim_number=body.payer_claim_number,
        reason=body.reason,
        expected_version=body.version,
        repo=_store,
    )
    return serial.plain_record(claim)
