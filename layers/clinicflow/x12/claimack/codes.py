"""Plain-language names for claim status codes read in 277CA (and later 277) responses.

Categories (code list 507) are complete for the acknowledgment (A*) and error (E*) groups;
status codes (code list 508) hold only the ones payers commonly send on acknowledgments.
Unknown codes have no description; callers show the code itself.
"""

from __future__ import annotations

STATUS_CATEGORY: dict[str, str] = {
    "A0": "Acknowledgement/Forwarded: the claim was forwarded to another entity",
    "A1": "Acknowledgement/Receipt: received, not yet accepted for adjudication",
    "A2": "Acknowledgement/Acceptance into the adjudication system",
    "A3": "Acknowledgement/Returned as unprocessable claim (rejected)",
    "A4": "Acknowledgement/Not found",
    "A5": "Acknowledgement/Split claim",
    "A6": "Acknowledgement/Rejected for missing information",
    "A7": "Acknowledgement/Rejected for invalid information",
    "A8": "Acknowledgement/Rejected for relational field in error",
    "D0": "Data search unsuccessful",
    "E0": "Response not possible: error on submitted request data",
    "E1": "Response not possible: system status",
    "E2": "Information holder is not responding; resubmit at a later time",
    "E3": "Correction required: relational fields in error",
    "E4": "Trading partner agreement requirement not met: data correction required",
    "F0": "Finalized",
    "F1": "Finalized/Payment",
    "F2": "Finalized/Denial",
    "F3": "Finalized/Revised",
    "F4": "Finalized/Adjudication complete: no payment forthcoming",
    "P0": "Pending: adjudication details",
    "P1": "Pending/In process",
    "P2": "Pending/Payer review",
    "P3": "Pending/Provider requested information",
    "P4": "Pending/Patient requested information",
    "P5": "Pending/Payer administrative or system hold",
}

REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8", "E0", "E3", "E4"})
"""Categories that mean the claim did not enter adjudication and must be fixed and resent."""
ACCEPTED_CATEGORIES = frozenset({"A2", "A5"})
"""Categories that mean the claim entered the payer's adjudication system."""

STATUS: dict[str, str] = {
    "0": "Cannot provide further status electronically",
    "1": "For more detailed information, see remittance advice",
    "2": "More detailed information in letter",
    "3": "Claim has been adjudicated and is awaiting payment cycle",
    "6": "Balance due from the subscriber",
    "16": "Claim/encounter has been forwarded to entity",
    "19": "Entity acknowledges receipt of claim/encounter",
    "20": "Accepted for processing",
    "21": "Missing or invalid information",
    "23": "Returned to entity",
    "24": "Entity not approved as an electronic submitter",
    "25": "Entity not approved",
    "26": "Entity not found",
    "27": "Policy canceled",
    "29": "Subscriber and policy number/contract number mismatched",
    "30": "Subscriber and subscriber id mismatched",
    "31": "Subscriber and policyholder name mismatched",
    "32": "Subscriber and policy number/contract number not found",
    "33": "Subscriber and subscriber id not found",
    "35": "Claim/encounter not found",
    "97": "Patient eligibility not found with entity",
    "145": "Entity's specialty/taxonomy code",
    "153": "Entity's id number",
    "164": "Entity's contract/member number",
    "187": "Date(s) of service",
    "254": "Principal diagnosis code",
    "255": "Diagnosis code",
    "400": "Claim is out of balance",
    "454": "Procedure code for services rendered",
    "562": "Entity's National Provider Identifier (NPI)",
}

ENTITY: dict[str, str] = {
    "03": "Dependent",
    "40": "Receiver",
    "41": "Submitter",
    "77": "Service location",
    "82": "Rendering provider",
    "85": "Billing provider",
    "87": "Pay-to provider",
    "1P": "Provider",
    "DK": "Ordering provider",
    "DN": "Referring provider",
    "GB": "Other insured",
    "HK": "Subscriber",
    "IL": "Insured or subscriber",
    "PR": "Payer",
    "QC": "Patient",
}
