"""835 balancing checks: each claim and line, and the payment against claims and PLB.

The TR3's balancing rules: a line's charge minus its payment equals its adjustments; a claim's
charge minus its payment equals its claim- and line-level adjustments; and BPR02 equals the sum
of CLP04 minus the sum of PLB amounts. Issues name where (by index), never who.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from clinicflow.x12.remittance.model import ClaimPayment, RemittanceDocument


@dataclass(frozen=True, slots=True)
class BalanceIssue:
    """One rule that does not balance: ``where`` is a path such as ``claims[2].lines[0]``."""

    where: str
    rule: str
    difference: Decimal
    """Left side minus right side of the rule."""

    def __str__(self) -> str:
        return f"{self.where}: {self.rule} (off by {self.difference})"


def claim_issues(claim: ClaimPayment, where: str = "claim") -> list[BalanceIssue]:
    """Balancing issues of one claim and its lines."""
    issues = []
    line_adjustments = Decimal(0)
    for i, line in enumerate(claim.lines):
        adjusted = sum((a.amount for a in line.adjustments), Decimal(0))
        line_adjustments += adjusted
        diff = line.charge - line.paid - adjusted
        if diff:
            issues.append(BalanceIssue(f"{where}.lines[{i}]", "SVC02 - SVC03 = sum of CAS", diff))
    claim_adjustments = sum((a.amount for a in claim.adjustments), Decimal(0))
    diff = claim.charge - claim.paid - claim_adjustments - line_adjustments
    if diff:
        issues.append(BalanceIssue(where, "CLP03 - CLP04 = sum of claim and line CAS", diff))
    return issues


def payment_issue(doc: RemittanceDocument) -> BalanceIssue | None:
    """BPR02 = sum of CLP04 - sum of PLB amounts, or the issue when it does not hold."""
    paid = sum((c.paid for c in doc.claims), Decimal(0))
    plb = sum((i.amount for p in doc.provider_adjustments for i in p.items), Decimal(0))
    diff = doc.payment.amount - (paid - plb)
    if diff:
        return BalanceIssue("payment", "BPR02 = sum of CLP04 - sum of PLB", diff)
    return None


def balance_issues(doc: RemittanceDocument) -> list[BalanceIssue]:
    """Every balancing issue of a remittance (empty when it balances)."""
    issues = [i for n, c in enumerate(doc.claims) for i in claim_issues(c, f"claims[{n}]")]
    if (issue := payment_issue(doc)) is not None:
        issues.append(issue)
    return issues
