"""Typed view of a whole file: envelopes plus one typed document per transaction set."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from pydantic import Field

from clinicflow.x12.ack.model import AcknowledgmentDocument
from clinicflow.x12.claimack.model import ClaimAcknowledgmentDocument
from clinicflow.x12.claims.model import ProfessionalClaimDocument
from clinicflow.x12.eligibility.inquiry import EligibilityInquiryDocument
from clinicflow.x12.eligibility.response import EligibilityResponseDocument
from clinicflow.x12.model import X12Model
from clinicflow.x12.remittance.model import RemittanceDocument

TypedDocument = Annotated[
    EligibilityInquiryDocument
    | EligibilityResponseDocument
    | AcknowledgmentDocument
    | ProfessionalClaimDocument
    | ClaimAcknowledgmentDocument
    | RemittanceDocument,
    Field(discriminator="transaction"),
]


class ParsedGroup(X12Model):
    """GS/GE: one functional group and its typed transaction sets."""

    functional_id: str
    sender_code: str
    receiver_code: str
    date: date | None
    time: time | None
    control_number: str
    version: str
    transactions: list[TypedDocument]


class ParsedInterchange(X12Model):
    """ISA/IEA: one interchange and its groups."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: date | None
    time: time | None
    control_number: str
    usage: str = Field(description="ISA15: P production, T test")
    version: str
    ack_requested: bool
    groups: list[ParsedGroup]


class ParsedFile(X12Model):
    """Everything in one file; ``issues`` lists problems tolerated in lenient mode."""

    interchanges: list[ParsedInterchange]
    issues: list[str] = Field(default_factory=list)
