"""Plain-language names for the 835 codes billers read most (a common subset, not the lists)."""

from __future__ import annotations

CLAIM_STATUS: dict[str, str] = {
    "1": "Processed as primary",
    "2": "Processed as secondary",
    "3": "Processed as tertiary",
    "4": "Denied",
    "19": "Processed as primary, forwarded to additional payer(s)",
    "20": "Processed as secondary, forwarded to additional payer(s)",
    "21": "Processed as tertiary, forwarded to additional payer(s)",
    "22": "Reversal of previous payment",
    "23": "Not our claim, forwarded to additional payer(s)",
    "25": "Predetermination pricing only, no payment",
}

ADJUSTMENT_GROUP: dict[str, str] = {
    "CO": "Contractual obligation (write off, not billable to the patient)",
    "CR": "Correction or reversal of a prior claim",
    "OA": "Other adjustment",
    "PI": "Payer initiated reduction",
    "PR": "Patient responsibility",
}

ADJUSTMENT_REASON: dict[str, str] = {
    "1": "Deductible amount",
    "2": "Coinsurance amount",
    "3": "Co-payment amount",
    "16": "Claim/service lacks information or has submission/billing error(s)",
    "18": "Exact duplicate claim/service",
    "22": "This care may be covered by another payer per coordination of benefits",
    "23": "The impact of prior payer(s) adjudication including payments and/or adjustments",
    "24": "Charges are covered under a capitation agreement/managed care plan",
    "27": "Expenses incurred after coverage terminated",
    "29": "The time limit for filing has expired",
    "31": "Patient cannot be identified as our insured",
    "45": "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement",
    "50": "Non-covered: not deemed a medical necessity by the payer",
    "96": "Non-covered charge(s)",
    "97": "Payment is included in the allowance for another service/procedure",
    "109": "Claim/service not covered by this payer/contractor",
    "119": "Benefit maximum for this time period or occurrence has been reached",
    "197": "Precertification/authorization/notification/pre-treatment absent",
    "204": "Service/equipment/drug is not covered under the patient's current benefit plan",
    "242": "Services not provided by network/primary care providers",
    "253": "Sequestration: reduction in federal payment",
}

PROVIDER_ADJUSTMENT: dict[str, str] = {
    "50": "Late filing reduction",
    "72": "Authorized return",
    "B2": "Rebate",
    "BD": "Bad debt adjustment",
    "C5": "Temporary allowance",
    "CS": "Adjustment",
    "E3": "Withholding",
    "FB": "Forwarding balance",
    "IR": "Internal Revenue Service withholding",
    "J1": "Nonreimbursable",
    "L6": "Interest owed",
    "WO": "Overpayment recovery",
    "WU": "Unspent funds",
}
