"""277CA claim acknowledgment (005010X214): typed model, parser and status code names."""

from clinicflow.x12.claimack.model import (
    ClaimAcknowledgment,
    ClaimAcknowledgmentDocument,
    ProviderAcknowledgment,
    ReceiverAcknowledgment,
    ServiceLineStatus,
    SourceAcknowledgment,
    Status,
    StatusCode,
    Totals,
    TransmissionReceipt,
    outcome_of,
)
from clinicflow.x12.claimack.parse import parse_277ca

__all__ = [
    "ClaimAcknowledgment",
    "ClaimAcknowledgmentDocument",
    "ProviderAcknowledgment",
    "ReceiverAcknowledgment",
    "ServiceLineStatus",
    "SourceAcknowledgment",
    "Status",
    "StatusCode",
    "Totals",
    "TransmissionReceipt",
    "outcome_of",
    "parse_277ca",
]
