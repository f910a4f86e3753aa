"""837P professional claims (005010X222A1): typed batch model, builder and parser."""

from clinicflow.x12.claims.build837p import build_837p, claim_body
from clinicflow.x12.claims.cob import Adjustment, LineAdjudication, OtherSubscriber
from clinicflow.x12.claims.fields import PostalAddress
from clinicflow.x12.claims.model import (
    BillingProvider,
    Claim,
    ClaimBatch,
    ClaimProvider,
    ContactInfo,
    Drug,
    Patient,
    Payer,
    ProfessionalClaimDocument,
    Receiver,
    ServiceFacility,
    ServiceLine,
    Submitter,
    Subscriber,
    grouped,
)
from clinicflow.x12.claims.parse837p import parse_837p, parse_837p_set

__all__ = [
    "Adjustment",
    "BillingProvider",
    "Claim",
    "ClaimBatch",
    "ClaimProvider",
    "ContactInfo",
    "Drug",
    "LineAdjudication",
    "OtherSubscriber",
    "Patient",
    "Payer",
    "PostalAddress",
    "ProfessionalClaimDocument",
    "Receiver",
    "ServiceFacility",
    "ServiceLine",
    "Submitter",
    "Subscriber",
    "build_837p",
    "claim_body",
    "grouped",
    "parse_837p",
    "parse_837p_set",
]
