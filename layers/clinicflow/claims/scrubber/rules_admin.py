"""Rules on dates, authorizations, frequency, claim id, timely filing, duplicates. Pure."""

from __future__ import annotations

from collections.abc import Iterator

from clinicflow.claims.model import EXHAUSTED, ClaimStatus, Frequency, claim_id_problem
from clinicflow.claims.scrubber.context import ScrubContext
from clinicflow.claims.scrubber.engine import Params, Severity, rule

E, W = Severity.ERROR, Severity.WARNING
REPEAT_MODIFIERS = frozenset({"76", "77", "59", "91", "XE", "XS", "XP", "XU"})
_GONE = frozenset({ClaimStatus.CLOSED, ClaimStatus.VOIDED})
Out = Iterator[tuple[str, str]]


@rule("dates.not_future", E, "service_date", "Dates of service are not in the future")
def dates_not_future(ctx: ScrubContext, _: Params) -> Out:
    """A claim is billed after the service, never before."""
    if ctx.claim.service_date > ctx.today:
        yield "service_date", "is in the future: bill after the visit"
    for i, line in enumerate(ctx.claim.lines):
        if line.service_date > ctx.today:
            yield f"lines.{i}.service_date", "is in the future: bill after the service"


@rule("dates.birth_before_service", E, "patient.birth_date", "Birth precedes the service")
def dates_birth(ctx: ScrubContext, _: Params) -> Out:
    """The patient was born on or before the date of service."""
    born = ctx.claim.patient.birth_date
    if born is not None and born > ctx.claim.service_date:
        yield "patient.birth_date", "is after the date of service: check both dates"


@rule("dates.accident_before_service", E, "accident.date", "Accident precedes the service")
def dates_accident(ctx: ScrubContext, _: Params) -> Out:
    """An accident is treated on or after the day it happened."""
    accident = ctx.claim.accident
    if accident is not None and accident.accident_date > ctx.claim.service_date:
        yield "accident.date", "is after the date of service: check the accident date"


@rule(
    "prior_auth.required",
    E,
    "prior_auth_number",
    "Prior authorization present and not exhausted where the payer requires it",
    procedures=(),
    all_procedures=False,
)
def prior_auth_required(ctx: ScrubContext, params: Params) -> Out:
    """For codes the payer requires authorization for (`procedures`, or `all_procedures`),
    the claim carries an authorization number on file for the payer that covers the code and
    date and has a visit left. A number on file that is exhausted or expired is reported too."""
    c = ctx.claim
    needed = {str(p) for p in params.get("procedures", ())}
    lines = [
        (i, line)
        for i, line in enumerate(c.lines)
        if params.get("all_procedures") or line.procedure in needed
    ]
    on_file = [
        a
        for a in ctx.authorizations
        if a.number == c.prior_auth_number and a.payer_id == c.payer.payer_id
    ]
    if c.prior_auth_number and on_file and not lines:
        lines = [(i, line) for i, line in enumerate(c.lines)]  # check what was given
        needed_here = False
    else:
        needed_here = True
    if not lines:
        return
    if not c.prior_auth_number:
        yield "prior_auth_number", "this payer requires prior authorization: add the number"
        return
    if not on_file:
        if needed_here:
            yield (
                "prior_auth_number",
                "is not on file for this payer: record the authorization first",
            )
        return
    for i, line in lines:
        covering = [a for a in on_file if a.covers(line.procedure, line.service_date)]
        if not covering:
            yield (
                f"lines.{i}.procedure",
                "is outside the authorization (code or dates): request an extension",
            )
        elif all(a.visits_left <= 0 for a in covering):
            yield "prior_auth_number", EXHAUSTED
            return


@rule("frequency.reference", E, "frequency", "Replacement and void claims carry REF*F8")
def frequency_reference(ctx: ScrubContext, _: Params) -> Out:
    """Frequency 7 or 8 needs the payer's claim number; an original must not carry one."""
    c = ctx.claim
    if c.frequency in {Frequency.REPLACEMENT, Frequency.VOID} and not c.payer_claim_number:
        yield "payer_claim_number", "a corrected (7) or void (8) claim needs the payer's number"
    if c.frequency is Frequency.ORIGINAL and c.payer_claim_number:
        yield "payer_claim_number", "an original claim (1) carries no payer claim number"


@rule("claim_id.valid", E, "claim_id", "CLM01 is unique in the practice and at most 20 long")
def claim_id_valid(ctx: ScrubContext, _: Params) -> Out:
    """The patient control number goes out in CLM01 and comes back in the 835's CLP01."""
    problem = claim_id_problem(ctx.claim.claim_id)
    if problem:
        yield "claim_id", problem
    if ctx.claim_id_taken:
        yield "claim_id", "is used by another claim of the practice: rebuild the claim"


@rule(
    "timely_filing",
    E,
    "service_date",
    "Within the payer's timely-filing window",
    warn_within_days=30,
)
def timely_filing(ctx: ScrubContext, params: Params) -> Out:
    """Days since the earliest date of service stay under the payer's limit."""
    limit = ctx.timely_filing_days
    if limit is None or ctx.claim.frequency is not Frequency.ORIGINAL:
        return
    earliest = min([ctx.claim.service_date, *(line.service_date for line in ctx.claim.lines)])
    age = (ctx.today - earliest).days
    if age > limit:
        yield "service_date", f"is past the payer's {limit}-day filing limit: appeal with proof"


@rule(
    "timely_filing.soon",
    W,
    "service_date",
    "Close to the payer's timely-filing limit",
    warn_within_days=30,
)
def timely_filing_soon(ctx: ScrubContext, params: Params) -> Out:
    """Warn when the filing limit is near, so the claim goes out first."""
    limit = ctx.timely_filing_days
    if limit is None or ctx.claim.frequency is not Frequency.ORIGINAL:
        return
    age = (ctx.today - ctx.claim.service_date).days
    if limit - int(params.get("warn_within_days", 30)) < age <= limit:
        yield "service_date", f"{limit - age} days left to file with this payer: send it today"


@rule(
    "duplicate.possible",
    W,
    "lines",
    "Possible duplicate of another claim",
    overridable=True,
)
def duplicate_possible(ctx: ScrubContext, _: Params) -> Out:
    """Same patient, date, code, rendering provider and units as a line of another live
    claim, unless the line carries a repeat modifier (76, 77, 59, 91, X{EPSU}). A biller may
    override it with a reason (e.g. a second visit the same day)."""
    c = ctx.claim
    npi = c.rendering.npi if c.rendering else c.billing.npi
    for other in ctx.other_claims:
        if other.claim_id == c.claim_id or other.status in _GONE:
            continue
        if other.frequency is Frequency.VOID or other.patient_id != c.patient_id:
            continue
        if other.encounter_id == c.encounter_id and other.payer.payer_id != c.payer.payer_id:
            continue  # the same visit billed to the next payer (coordination of benefits)
        other_npi = other.rendering.npi if other.rendering else other.billing.npi
        if other_npi != npi:
            continue
        seen = {(line.service_date, line.procedure, line.units) for line in other.lines}
        for i, line in enumerate(c.lines):
            if REPEAT_MODIFIERS.intersection(line.modifiers):
                continue
            if (line.service_date, line.procedure, line.units) in seen:
                yield (
                    f"lines.{i}",
                    f"looks like a duplicate of claim {other.claim_id}: void one, add 76/77 "
                    "for a repeat, or override with a reason",
                )
