"""CMS place-of-service codes (the 2-digit POS code set), with the groups claim rules need.

The table itself is the one practice locations default from (`clinicflow.practice.model`),
so a location's POS and a claim's POS can never disagree on what is valid.
"""

from __future__ import annotations

from clinicflow.practice.model import PLACE_OF_SERVICE

__all__ = ["FACILITY", "PLACE_OF_SERVICE", "TELEHEALTH", "description", "is_valid"]

TELEHEALTH = frozenset({"02", "10"})
"""Telehealth other than in the patient's home (02) and in the patient's home (10)."""

FACILITY = frozenset({"19", "21", "22", "23", "24", "26", "31", "34", "51", "52", "56", "61"})
"""Facility settings (Medicare facility rate): hospital, ASC, SNF, psychiatric and rehab."""


def is_valid(code: str) -> bool:
    """True when `code` is a current CMS place-of-service code."""
    return code in PLACE_OF_SERVICE


def description(code: str) -> str | None:
    """The CMS name of a place of service, or None."""
    return PLACE_OF_SERVICE.get(code)
