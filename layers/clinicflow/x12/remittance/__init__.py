"""835 remittance advice (005010X221A1): typed model, parser and balancing checks."""

from clinicflow.x12.remittance.balance import (
    BalanceIssue,
    balance_issues,
    claim_issues,
    payment_issue,
)
from clinicflow.x12.remittance.model import (
    Adjustment,
    Amount,
    ClaimPayment,
    DateValue,
    Party,
    Payment,
    ProviderAdjustment,
    ProviderAdjustmentItem,
    RemittanceDocument,
    ServicePayment,
    Trace,
)
from clinicflow.x12.remittance.parse import parse_835

__all__ = [
    "Adjustment",
    "Amount",
    "BalanceIssue",
    "ClaimPayment",
    "DateValue",
    "Party",
    "Payment",
    "ProviderAdjustment",
    "ProviderAdjustmentItem",
    "RemittanceDocument",
    "ServicePayment",
    "Trace",
    "balance_issues",
    "claim_issues",
    "parse_835",
    "payment_issue",
]
