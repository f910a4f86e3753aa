"""Rules on coordination of benefits: secondary and tertiary claims carry the payers before
them, and each earlier payer's decision balances to the charge. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from clinicflow.claims.model import Adjudication, Claim
from clinicflow.claims.scrubber.context import ScrubContext
from clinicflow.claims.scrubber.engine import Params, Severity, rule

E = Severity.ERROR
Out = Iterator[tuple[str, str]]
_BEFORE = {"S": ("P",), "T": ("P", "S")}
_ZERO = Decimal("0")


@rule("cob.other_payers", E, "other_payers", "A secondary claim carries the earlier payers")
def cob_other_payers(ctx: ScrubContext, _: Params) -> Out:
    """A claim to the secondary (tertiary) payer names the primary (and secondary) payer with
    its id, the insured's member id and the payer's decision with the amount it paid."""
    c = ctx.claim
    needed = _BEFORE.get(c.subscriber.payer_responsibility, ())
    have = [o.subscriber.payer_responsibility for o in c.other_payers]
    for responsibility in needed:
        if responsibility not in have:
            which = "primary" if responsibility == "P" else "secondary"
            yield (
                "other_payers",
                f"this claim goes to a later payer but the {which} payer is missing: "
                "create it from the earlier payer's claim",
            )
    for i, other in enumerate(c.other_payers):
        path = f"other_payers.{i}"
        if other.subscriber.payer_responsibility == c.subscriber.payer_responsibility:
            yield f"{path}.payer_responsibility", "must differ from this claim's payer order"
        if other.payer.payer_id == c.payer.payer_id:
            yield f"{path}.payer_id", "is this claim's own payer: bill each payer once"
        if not other.payer.payer_id or not (other.payer.name or "").strip():
            yield f"{path}.payer", "needs the payer's id and name"
        if not other.subscriber.member_id:
            yield f"{path}.member_id", "needs the insured's member id with that payer"
        if other.adjudication is None:
            yield (
                f"{path}.adjudication",
                "needs the payer's decision (paid amount, adjustments): enter it from the "
                "payer's remittance",
            )


def _balance(adj: Adjudication, claim: Claim, path: str) -> Out:
    adjusted = sum((a.amount for a in adj.all_adjustments), _ZERO)
    if adj.paid > claim.total_charge:
        yield f"{path}.paid", "is more than the claim's charge: check the paid amount"
    elif adj.paid + adjusted != claim.total_charge:
        yield (
            f"{path}",
            "paid plus adjustments does not equal the claim's charge: add the missing "
            "adjustments from the remittance",
        )
    if not adj.lines:
        return
    line_paid = sum((d.paid for d in adj.lines), _ZERO)
    if line_paid != adj.paid:
        yield f"{path}.lines", "line paid amounts do not add up to the paid amount"
    for d in adj.lines:
        if not 0 <= d.line < len(claim.lines):
            yield f"{path}.lines", "names a line the claim does not have"
            continue
        charge = claim.lines[d.line].charge
        total = d.paid + sum((a.amount for a in d.adjustments), _ZERO)
        if total != charge:
            yield (
                f"{path}.lines.{d.line}",
                "paid plus adjustments does not equal the line's charge: add the line's "
                "adjustments from the remittance",
            )


@rule("cob.balance", E, "other_payers", "Earlier payers' paid + adjustments equal the charge")
def cob_balance(ctx: ScrubContext, _: Params) -> Out:
    """For each earlier payer's decision: paid + every adjustment = the claim's charge (and per
    line when it decided per line); line paid amounts add up to the paid amount."""
    c = ctx.claim
    for i, other in enumerate(c.other_payers):
        if other.adjudication is not None:
            yield from _balance(other.adjudication, c, f"other_payers.{i}.adjudication")
