"""Rules on coding: ICD-10-CM, pointers, modifiers, NCCI, MUE, units, POS, CLIA. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from clinicflow.claims.scrubber.context import ScrubContext
from clinicflow.claims.scrubber.engine import Params, Severity, rule
from clinicflow.codesets import pos
from clinicflow.codesets.icd10 import is_well_formed
from clinicflow.codesets.procedures import (
    is_evaluation_and_management,
    is_hcpcs_level2,
    is_lab,
    is_modifier,
    is_procedure_code,
)

E, W = Severity.ERROR, Severity.WARNING
MAX_DIAGNOSES = 12
MAX_POINTERS = 4
MAX_MODIFIERS = 4
X_MODIFIERS = frozenset({"XE", "XS", "XP", "XU"})
# Modifiers that may bypass an NCCI edit with indicator 1 (NCCI policy manual, ch. I).
NCCI_BYPASS = frozenset(
    {"24", "25", "27", "57", "58", "59", "78", "79", "91", "XE", "XS", "XP", "XU"}
    | {"E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"}
    | {"LC", "LD", "LM", "LT", "RC", "RI", "RT", "TA", "T1", "T2", "T3", "T4", "T5"}
    | {"T6", "T7", "T8", "T9"}
)
TELEHEALTH_MODIFIERS = frozenset({"95", "93", "GT", "GQ", "FQ"})
Out = Iterator[tuple[str, str]]


@rule("icd10.release", W, "service_date", "An ICD-10-CM release covers the date of service")
def icd10_release(ctx: ScrubContext, _: Params) -> Out:
    """Warn when no loaded release covers the date (codes are checked against the nearest)."""
    choice = ctx.icd10
    if choice is None:
        yield "diagnoses", "no ICD-10-CM release is loaded: run `clinicflow codesets build`"
    elif not choice.exact:
        yield (
            "service_date",
            f"no loaded ICD-10-CM release covers this date; codes were checked against "
            f"{choice.release.name}: load the release in effect on the date of service",
        )


@rule("icd10.billable", E, "diagnoses", "Diagnoses are billable ICD-10-CM codes for the date")
def icd10_billable(ctx: ScrubContext, _: Params) -> Out:
    """Each diagnosis exists in the release for the date of service and is a leaf code."""
    choice = ctx.icd10
    if not ctx.claim.diagnoses:
        yield "diagnoses", "give at least one diagnosis"
    for i, code in enumerate(ctx.claim.diagnoses):
        path = f"diagnoses.{i}"
        if not is_well_formed(code):
            yield path, "is not an ICD-10-CM code: codes look like E11.9"
        elif choice is None:
            continue
        elif choice.release.is_header(code):
            yield path, "is a category, not billable: code to the highest specificity"
        elif not choice.release.is_billable(code):
            yield path, f"is not a valid code in {choice.release.name}: pick a current code"


@rule("icd10.count", E, "diagnoses", "At most 12 diagnoses")
def icd10_count(ctx: ScrubContext, _: Params) -> Out:
    """An 837P (HI) carries at most 12 diagnoses."""
    if len(ctx.claim.diagnoses) > MAX_DIAGNOSES:
        yield "diagnoses", f"at most {MAX_DIAGNOSES} diagnoses: keep those the lines point to"


@rule("icd10.excludes1", E, "diagnoses", "No two diagnoses form an Excludes1 pair")
def icd10_excludes1(ctx: ScrubContext, _: Params) -> Out:
    """Excludes1 means 'never coded together'; report the pair (positions, not codes)."""
    choice = ctx.icd10
    if choice is None:
        return
    index = {code: i for i, code in enumerate(ctx.claim.diagnoses)}
    for conflict in choice.release.excludes1(ctx.claim.diagnoses):
        a, b = index[conflict.code], index[conflict.excluded]
        yield (
            f"diagnoses.{b}",
            f"is excluded (Excludes1) by diagnoses.{a}: keep only the one documented, "
            "unless the conditions are unrelated (then document why)",
        )


@rule("pointers.valid", E, "lines.pointers", "1-4 pointers per line, each to a diagnosis")
def pointers_valid(ctx: ScrubContext, _: Params) -> Out:
    """Each line points to 1-4 distinct diagnoses, numbered 1-12, that exist."""
    count = len(ctx.claim.diagnoses)
    for i, line in enumerate(ctx.claim.lines):
        path = f"lines.{i}.pointers"
        if not line.pointers:
            yield path, "point the line to at least one diagnosis"
        if len(line.pointers) > MAX_POINTERS:
            yield path, f"at most {MAX_POINTERS} pointers per line: keep the most relevant"
        if len(set(line.pointers)) != len(line.pointers):
            yield path, "a diagnosis is pointed to twice: remove the repeat"
        for p in line.pointers:
            if not 1 <= p <= MAX_DIAGNOSES:
                yield path, f"pointers are numbered 1 to {MAX_DIAGNOSES}"
            elif p > count:
                yield path, f"points to diagnosis {p}, but the claim has {count}"


@rule("modifiers.format", E, "lines.modifiers", "At most 4 well-formed modifiers per line")
def modifiers_format(ctx: ScrubContext, _: Params) -> Out:
    """Modifiers are 2 letters or digits, at most 4, none repeated."""
    for i, line in enumerate(ctx.claim.lines):
        path = f"lines.{i}.modifiers"
        if len(line.modifiers) > MAX_MODIFIERS:
            yield path, f"at most {MAX_MODIFIERS} modifiers per line"
        if len(set(line.modifiers)) != len(line.modifiers):
            yield path, "a modifier is repeated: remove the repeat"
        for m in line.modifiers:
            if not is_modifier(m):
                yield path, "modifiers are 2 letters or digits"


@rule("modifiers.25", E, "lines.modifiers", "Modifier 25 only on an E/M service")
def modifier_25(ctx: ScrubContext, _: Params) -> Out:
    """25 marks a separate E/M service on the day of a procedure: E/M codes only."""
    for i, line in enumerate(ctx.claim.lines):
        if "25" in line.modifiers and not is_evaluation_and_management(line.procedure):
            yield f"lines.{i}.modifiers", "25 applies only to E/M codes (99202-99499): remove it"


@rule("modifiers.26_tc", E, "lines.modifiers", "Not both 26 and TC on one line")
def modifier_26_tc(ctx: ScrubContext, _: Params) -> Out:
    """26 (professional) and TC (technical) split a global service; one line takes one."""
    for i, line in enumerate(ctx.claim.lines):
        if "26" in line.modifiers and "TC" in line.modifiers:
            yield (
                f"lines.{i}.modifiers",
                "26 and TC together make the global service: bill without either",
            )


@rule("modifiers.59_x", E, "lines.modifiers", "59 and X{EPSU} are not combined")
def modifier_59_x(ctx: ScrubContext, _: Params) -> Out:
    """Use either 59 or one of XE/XS/XP/XU (the more specific), never both or two X's."""
    for i, line in enumerate(ctx.claim.lines):
        xs = X_MODIFIERS.intersection(line.modifiers)
        if "59" in line.modifiers and xs:
            yield f"lines.{i}.modifiers", "use 59 or an X{EPSU} modifier, not both: keep the X"
        if len(xs) > 1:
            yield f"lines.{i}.modifiers", "use one X{EPSU} modifier per line"


@rule(
    "modifiers.telehealth",
    E,
    "lines.modifiers",
    "Telehealth POS 02/10 lines carry modifier 95 where the payer requires it",
    requires_95=False,
)
def modifier_telehealth(ctx: ScrubContext, params: Params) -> Out:
    """With `requires_95` for the payer, telehealth lines need 95; 95 needs telehealth POS."""
    for i, line in enumerate(ctx.claim.lines):
        place = line.place_of_service or ctx.claim.place_of_service
        telehealth = place in pos.TELEHEALTH
        if telehealth and params.get("requires_95") and "95" not in line.modifiers:
            yield f"lines.{i}.modifiers", "this payer requires modifier 95 on telehealth lines"
        if "95" in line.modifiers and not telehealth and params.get("requires_95"):
            yield f"lines.{i}.modifiers", "95 is for telehealth: use POS 02 or 10, or remove 95"


@rule("procedure.valid", E, "lines.procedure", "Procedure codes are CPT or active HCPCS")
def procedure_valid(ctx: ScrubContext, _: Params) -> Out:
    """CPT by format; HCPCS Level II against the imported table (when loaded) for the date."""
    loaded = "HCPCS" in ctx.loaded_tables
    for i, line in enumerate(ctx.claim.lines):
        path = f"lines.{i}.procedure"
        if not is_procedure_code(line.procedure):
            yield path, "must be a CPT code (5 characters) or a HCPCS Level II code"
        elif loaded and is_hcpcs_level2(line.procedure):
            entry = ctx.hcpcs.get(line.procedure)
            if entry is None:
                yield path, "is not in the HCPCS Level II file: check the code"
            elif not entry.active_on(line.service_date):
                yield path, "is not active on the date of service: use the current code"


def _pair_bypassed(modifiers: tuple[str, ...]) -> bool:
    return bool(NCCI_BYPASS.intersection(modifiers))


@rule("ncci.ptp", E, "lines.procedure", "No NCCI procedure-to-procedure conflicts")
def ncci_ptp(ctx: ScrubContext, _: Params) -> Out:
    """Column 2 of an active edit billed with column 1 on the same date is refused, unless
    the edit allows a modifier (indicator 1) and one of the lines carries one."""
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(ctx.claim.lines):
        by_code[line.procedure].append(i)
    for edit in ctx.ptp:
        for i1 in by_code.get(edit.column1, []):
            for i2 in by_code.get(edit.column2, []):
                l1, l2 = ctx.claim.lines[i1], ctx.claim.lines[i2]
                if l1.service_date != l2.service_date or not edit.active_on(l2.service_date):
                    continue
                if edit.modifier_indicator == "1" and (
                    _pair_bypassed(l2.modifiers) or _pair_bypassed(l1.modifiers)
                ):
                    continue
                if edit.modifier_indicator == "9":
                    continue
                fix = (
                    "never billed together: remove the column 2 line"
                    if edit.modifier_indicator == "0"
                    else "bundled: remove it, or add 59/X{EPSU} if it was truly distinct"
                )
                yield f"lines.{i2}.procedure", f"NCCI edit with lines.{i1}: {fix}"


@rule("mue.units", E, "lines.units", "Units within the MUE limits")
def mue_units(ctx: ScrubContext, _: Params) -> Out:
    """Line edits (MAI 1) per line; date-of-service edits (MAI 2/3) per code and date."""
    per_day: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for i, line in enumerate(ctx.claim.lines):
        limit = ctx.mue.get(line.procedure)
        if limit is None:
            continue
        if limit.per_day:
            per_day[(line.procedure, line.service_date)] += line.units
        elif line.units > limit.units:
            yield f"lines.{i}.units", f"exceed the MUE of {limit.units} per line: check units"
    for (code, day), units in per_day.items():
        limit = ctx.mue[code]
        if units > limit.units:
            first = next(
                i
                for i, line in enumerate(ctx.claim.lines)
                if line.procedure == code and line.service_date == day
            )
            yield (
                f"lines.{first}.units",
                f"units of this code on this date exceed the MUE of {limit.units}: check units",
            )


@rule("units.positive", E, "lines.units", "Units are greater than zero")
def units_positive(ctx: ScrubContext, _: Params) -> Out:
    """Every line bills at least some units (SV104)."""
    for i, line in enumerate(ctx.claim.lines):
        if line.units <= 0:
            yield f"lines.{i}.units", "must be greater than 0"


@rule("charges.total", E, "total_charge", "Claim total equals the sum of line charges")
def charges_total(ctx: ScrubContext, _: Params) -> Out:
    """CLM02 = Σ SV102, and every line has a charge above zero."""
    for i, line in enumerate(ctx.claim.lines):
        if line.charge <= 0:
            yield f"lines.{i}.charge", "must be above 0: add the code to the fee schedule"
    if ctx.claim.total_charge != ctx.claim.sum_of_lines:
        yield "total_charge", "does not equal the sum of line charges: rebuild the claim"


@rule("pos.valid", E, "place_of_service", "Place of service is a CMS POS code")
def pos_valid(ctx: ScrubContext, _: Params) -> Out:
    """The claim's and each line's place of service are CMS codes."""
    if not pos.is_valid(ctx.claim.place_of_service):
        yield "place_of_service", "must be a CMS place-of-service code (11 = office)"
    for i, line in enumerate(ctx.claim.lines):
        if line.place_of_service and not pos.is_valid(line.place_of_service):
            yield f"lines.{i}.place_of_service", "must be a CMS place-of-service code"


@rule("clia.lab", E, "clia_number", "Lab services carry the CLIA number")
def clia_lab(ctx: ScrubContext, _: Params) -> Out:
    """CPT 80000-89999 (and PLA codes) need the lab's CLIA certificate number (REF*X4)."""
    if ctx.claim.clia_number:
        return
    for i, line in enumerate(ctx.claim.lines):
        if is_lab(line.procedure):
            yield "clia_number", f"lines.{i} is a lab service: add the lab's CLIA number"
            return


@rule(
    "ndc.drugs",
    W,
    "lines.ndc",
    "Drug lines (J codes) carry an NDC",
)
def ndc_drugs(ctx: ScrubContext, _: Params) -> Out:
    """Many payers (Medicaid always) want the NDC of a drug billed with a J code."""
    for i, line in enumerate(ctx.claim.lines):
        if line.procedure.startswith("J") and not line.ndc:
            yield f"lines.{i}.ndc", "add the drug's 11-digit NDC, quantity and unit"
