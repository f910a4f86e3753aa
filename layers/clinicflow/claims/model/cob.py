"""Coordination of benefits: what a payer decided on a claim, and the payers before it. Pure.

A patient with more than one coverage is billed in order: the primary payer first (SBR01 P),
then the secondary (S) with the primary's decision attached, then the tertiary (T) with both.
A payer's decision (`Adjudication`) will come from its 835; until remittance posting exists a
biller enters it (recorded on the claim the payer decided, or given when the next claim is
created). Claim adjustment groups: CO contractual, PR patient responsibility, OA other,
PI payer initiated, CR correction; reasons are CARC codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clinicflow.platform.errors import Problems

GROUPS = frozenset({"CO", "CR", "OA", "PI", "PR"})
NEXT_RESPONSIBILITY = {"P": "S", "S": "T"}
_CARC = re.compile(r"^[A-Z0-9]{1,5}$")
_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,50}$")
MAX_ADJUSTMENTS = 30
LIMIT = Decimal("9999999.99")


@dataclass(frozen=True)
class Adjustment:
    """One claim adjustment (CAS triplet): group, reason code, amount, optional quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True)
class LineDecision:
    """A payer's decision on one line of the claim (`line`: 0-based index)."""

    line: int
    paid: Decimal
    adjustments: tuple[Adjustment, ...] = ()
    paid_units: Decimal | None = None  # None: the line's units


@dataclass(frozen=True)
class Adjudication:
    """What a payer decided on a claim: paid amount, date, claim- and line-level adjustments."""

    paid: Decimal
    adjudicated_on: date
    adjustments: tuple[Adjustment, ...] = ()
    lines: tuple[LineDecision, ...] = ()
    payer_claim_number: str = ""

    @property
    def all_adjustments(self) -> tuple[Adjustment, ...]:
        """Claim-level adjustments, then every line's."""
        return self.adjustments + tuple(a for ln in self.lines for a in ln.adjustments)

    @property
    def patient_responsibility(self) -> Decimal:
        """What the patient owes after this payer (the PR adjustments)."""
        return sum((a.amount for a in self.all_adjustments if a.group == "PR"), Decimal("0"))

    def line(self, index: int) -> LineDecision | None:
        """The decision on line `index`, if the payer decided per line."""
        for decision in self.lines:
            if decision.line == index:
                return decision
        return None


def _amount(problems: Problems, path: str, value: Decimal, *, signed: bool = False) -> None:
    if not value.is_finite() or abs(value) > LIMIT or (value < 0 and not signed):
        problems.add(path, "must be an amount up to 9999999.99" + ("" if signed else " and >= 0"))
    elif value.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.add(path, "must have at most 2 decimals")


def _adjustments(problems: Problems, path: str, adjustments: tuple[Adjustment, ...]) -> None:
    if len(adjustments) > MAX_ADJUSTMENTS:
        problems.add(path, f"give at most {MAX_ADJUSTMENTS}")
    for i, adj in enumerate(adjustments):
        if adj.group not in GROUPS:
            problems.add(f"{path}.{i}.group", "must be CO, CR, OA, PI or PR")
        if not _CARC.match(adj.reason):
            problems.add(f"{path}.{i}.reason", "must be a claim adjustment reason code")
        _amount(problems, f"{path}.{i}.amount", adj.amount, signed=True)
        if adj.quantity is not None and not (adj.quantity.is_finite() and adj.quantity > 0):
            problems.add(f"{path}.{i}.quantity", "must be a number > 0")


def check_adjudication(adjudication: Adjudication, line_count: int, prefix: str) -> None:
    """ValidationError naming each malformed part (amounts, codes, line numbers)."""
    problems = Problems()
    _amount(problems, f"{prefix}.paid", adjudication.paid)
    _adjustments(problems, f"{prefix}.adjustments", adjudication.adjustments)
    if adjudication.payer_claim_number and not _NUMBER.match(adjudication.payer_claim_number):
        problems.add(f"{prefix}.payer_claim_number", "must be 1-50 letters, digits or '-'")
    seen: set[int] = set()
    for i, decision in enumerate(adjudication.lines):
        path = f"{prefix}.lines.{i}"
        if not 0 <= decision.line < line_count or decision.line in seen:
            problems.add(f"{path}.line", f"must be a distinct line number 0-{line_count - 1}")
        seen.add(decision.line)
        _amount(problems, f"{path}.paid", decision.paid)
        _adjustments(problems, f"{path}.adjustments", decision.adjustments)
        units = decision.paid_units
        if units is not None and not (units.is_finite() and 0 <= units <= 9999):
            problems.add(f"{path}.paid_units", "must be a number from 0 to 9999")
    problems.raise_if_any()
