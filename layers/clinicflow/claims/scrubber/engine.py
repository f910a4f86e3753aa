"""The scrubber's engine: named, parameterised rules, switchable per payer. Pure.

A rule is a small function registered with `@rule(...)`: an id (`icd10.billable`), a
severity (an error blocks the claim, a warning informs), the field it concerns, a summary,
default parameters, and whether a biller may override it with a reason. It yields
`(field, message)` pairs; messages tell the biller how to fix the claim and never quote
patient data (fields are named by path, e.g. `lines.2.modifiers`).

A practice switches rules off (or on again) and sets their parameters per payer with
`RuleSettings`: the `*` settings apply to every payer, a payer's own settings win.
A parameter `severity` turns an error into a warning (or back) for that payer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clinicflow.claims.scrubber.context import ScrubContext

ALL_PAYERS = "*"


class Severity(StrEnum):
    """An error blocks the claim; a warning informs."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem found on a claim, and how to fix it."""

    rule_id: str
    severity: Severity
    field: str
    message: str
    overridable: bool = False
    override_reason: str = ""

    @property
    def blocks(self) -> bool:
        """True when the claim cannot go out: an error, or an overridable hold not overridden."""
        if self.severity is Severity.ERROR:
            return True
        return self.overridable and not self.override_reason


Params = Mapping[str, Any]
Check = Callable[["ScrubContext", Params], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """A named scrubber rule."""

    id: str
    severity: Severity
    field: str
    summary: str
    check: Check
    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    overridable: bool = False


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    severity: Severity,
    field_name: str,
    summary: str,
    *,
    overridable: bool = False,
    **defaults: Any,
) -> Callable[[Check], Check]:
    """Register a rule function under `rule_id`."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"duplicate scrubber rule {rule_id}")
        RULES[rule_id] = Rule(rule_id, severity, field_name, summary, check, defaults, overridable)
        return check

    return register


@dataclass(frozen=True)
class RuleSettings:
    """A practice's switches and parameters for one payer (`*`: every payer)."""

    practice_id: str
    payer_id: str = ALL_PAYERS
    enabled: Mapping[str, bool] = dataclasses.field(default_factory=dict)
    params: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True)
class EffectiveRule:
    """A rule as it applies to one payer: on or off, with its parameters."""

    rule: Rule
    enabled: bool
    params: Mapping[str, Any]

    @property
    def severity(self) -> Severity:
        """The rule's severity, unless the practice changed it for this payer."""
        value = self.params.get("severity")
        return Severity(value) if value in {"error", "warning"} else self.rule.severity


def effective_rules(settings: Sequence[RuleSettings], payer_id: str) -> list[EffectiveRule]:
    """Every rule as it applies to the payer (`*` settings first, then the payer's)."""
    ordered = sorted(
        (s for s in settings if s.payer_id in {ALL_PAYERS, payer_id}),
        key=lambda s: s.payer_id != ALL_PAYERS,
    )
    result: list[EffectiveRule] = []
    for r in RULES.values():
        enabled = True
        params: dict[str, Any] = dict(r.defaults)
        for s in ordered:
            enabled = s.enabled.get(r.id, enabled)
            params.update(s.params.get(r.id, {}))
        result.append(EffectiveRule(r, enabled, params))
    return result


@dataclass(frozen=True)
class ScrubReport:
    """What the scrubber found, and with which code-set release."""

    findings: tuple[Finding, ...]
    rules_run: int
    checked_on: date
    icd10_release: str = ""

    @property
    def blocked(self) -> bool:
        """True when any finding blocks the claim."""
        return any(f.blocks for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        """The findings that are errors."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The findings that are warnings."""
        return [f for f in self.findings if f.severity is Severity.WARNING]


def scrub(ctx: ScrubContext, settings: Sequence[RuleSettings] = ()) -> ScrubReport:
    """Run every enabled rule on the claim of `ctx`."""
    findings: list[Finding] = []
    run = 0
    for eff in effective_rules(settings, ctx.claim.payer.payer_id):
        if not eff.enabled:
            continue
        run += 1
        override = ctx.claim.overridden(eff.rule.id) if eff.rule.overridable else None
        for field_name, message in eff.rule.check(ctx, eff.params):
            findings.append(
                Finding(
                    rule_id=eff.rule.id,
                    severity=eff.severity,
                    field=field_name,
                    message=message,
                    overridable=eff.rule.overridable,
                    override_reason=override.reason if override else "",
                )
            )
    choice = ctx.icd10
    return ScrubReport(
        findings=tuple(findings),
        rules_run=run,
        checked_on=ctx.today,
        icd10_release=choice.release.name if choice else "",
    )
