"""The claims scrubber: rules that catch what payers reject, with how to fix it.

Importing this package registers every rule (`RULES`); `scrub(context, settings)` runs them.
"""

from clinicflow.claims.scrubber import rules_admin, rules_cob, rules_coding, rules_parties
from clinicflow.claims.scrubber.context import ScrubContext
from clinicflow.claims.scrubber.engine import (
    ALL_PAYERS,
    RULES,
    Finding,
    Rule,
    RuleSettings,
    ScrubReport,
    Severity,
    effective_rules,
    scrub,
)

__all__ = [
    "ALL_PAYERS",
    "RULES",
    "Finding",
    "Rule",
    "RuleSettings",
    "ScrubContext",
    "ScrubReport",
    "Severity",
    "effective_rules",
    "rules_admin",
    "rules_cob",
    "rules_coding",
    "rules_parties",
    "scrub",
]
