"""Payer directory entries: pure domain rules (no AWS, no storage).

A payer is reached, for each transaction kind (eligibility 270/271, claims 837P), either
through a clearinghouse (its id plus the payer id the clearinghouse knows) or directly at
an endpoint URL. Payer mailing addresses may be PO boxes (claims are often mailed to one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from clinicflow.platform.errors import Problems
from clinicflow.practice.model import (
    Address,
    AddressInput,
    Stamp,
    address_field,
    phone_field,
    text_field,
)

# SBR09 claim filing indicator codes (X12 005010X222A1, element 1032).
CLAIM_FILING_INDICATORS: dict[str, str] = {
    "11": "Other Non-Federal Programs",
    "12": "Preferred Provider Organization (PPO)",
    "13": "Point of Service (POS)",
    "14": "Exclusive Provider Organization (EPO)",
    "15": "Indemnity Insurance",
    "16": "Health Maintenance Organization (HMO) Medicare Risk",
    "17": "Dental Maintenance Organization",
    "AM": "Automobile Medical",
    "BL": "Blue Cross/Blue Shield",
    "CH": "CHAMPUS (TRICARE)",
    "CI": "Commercial Insurance Co.",
    "DS": "Disability",
    "FI": "Federal Employees Program",
    "HM": "Health Maintenance Organization",
    "LM": "Liability Medical",
    "MA": "Medicare Part A",
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "OF": "Other Federal Program",
    "TV": "Title V",
    "VA": "Veterans Affairs Plan",
    "WC": "Workers' Compensation Health Claim",
    "ZZ": "Mutually Defined",
}

PAYER_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
_CLEARINGHOUSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_TIMELY_FILING_DAYS = 3650


@dataclass(frozen=True)
class Route:
    """How one transaction kind reaches the payer: a clearinghouse, or a direct endpoint."""

    clearinghouse_id: str = ""
    clearinghouse_payer_id: str = ""
    endpoint_url: str = ""

    @property
    def via_clearinghouse(self) -> bool:
        """True when the route goes through a clearinghouse."""
        return bool(self.clearinghouse_id)

    @classmethod
    def build(
        cls,
        problems: Problems,
        path: str,
        *,
        clearinghouse_id: str = "",
        clearinghouse_payer_id: str = "",
        endpoint_url: str = "",
    ) -> Route:
        """A validated route: exactly one of clearinghouse ids or an endpoint URL."""
        route = cls(clearinghouse_id.strip(), clearinghouse_payer_id.strip(), endpoint_url.strip())
        via_ch = bool(route.clearinghouse_id or route.clearinghouse_payer_id)
        if via_ch and route.endpoint_url:
            problems.add(path, "give either clearinghouse ids or an endpoint URL, not both")
            return route
        if not via_ch and not route.endpoint_url:
            problems.add(path, "give clearinghouse ids or an endpoint URL")
            return route
        if via_ch:
            for name in ("clearinghouse_id", "clearinghouse_payer_id"):
                value = getattr(route, name)
                if not value:
                    problems.add(f"{path}.{name}", "is required with a clearinghouse route")
                elif not _CLEARINGHOUSE_ID.match(value):
                    problems.add(f"{path}.{name}", "must be 1-40 letters, digits, '.', '_' or '-'")
        else:
            problem = endpoint_problem(route.endpoint_url)
            if problem:
                problems.add(f"{path}.endpoint_url", problem)
        return route


def endpoint_problem(url: str) -> str | None:
    """Why `url` is not a usable payer endpoint (https; http only on loopback), or None."""
    if len(url) > 500:
        return "must be at most 500 characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "must be an https URL"
    if parts.username or parts.password:
        return "must not carry credentials"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and host in _LOCAL_HOSTS:
        return None  # a sandbox on the local stack
    return "must be an https URL"


@dataclass(frozen=True)
class RouteInput:
    """A route as submitted."""

    clearinghouse_id: str = ""
    clearinghouse_payer_id: str = ""
    endpoint_url: str = ""


@dataclass(frozen=True)
class PayerInput:
    """A payer directory entry as submitted (PUT /payers/{payer_id})."""

    name: str
    claim_filing_indicator: str
    claims: RouteInput | None = None
    eligibility: RouteInput | None = None
    realtime_eligibility: bool = False
    timely_filing_days: int = 365
    address: AddressInput | None = None
    phone: str = ""
    active: bool = True


@dataclass(frozen=True)
class Payer:
    """A payer the practice bills, as identified in 837P loop 2010BB and 270 loop 2100A."""

    practice_id: str
    payer_id: str
    name: str
    claim_filing_indicator: str
    claims: Route | None = None
    eligibility: Route | None = None
    realtime_eligibility: bool = False
    timely_filing_days: int = 365
    address: Address | None = None
    phone: str = ""
    active: bool = True
    stamp: Stamp = field(default_factory=Stamp)

    @classmethod
    def build(cls, practice_id: str, payer_id: str, data: PayerInput, stamp: Stamp) -> Payer:
        """A validated payer, or ValidationError naming every failing field."""
        problems = Problems()
        payer_id = payer_id_problem(problems, payer_id)
        sbr09 = data.claim_filing_indicator.strip().upper()
        if sbr09 not in CLAIM_FILING_INDICATORS:
            problems.add("claim_filing_indicator", "must be an SBR09 claim filing indicator code")
        if not 1 <= data.timely_filing_days <= MAX_TIMELY_FILING_DAYS:
            problems.add("timely_filing_days", f"must be 1 to {MAX_TIMELY_FILING_DAYS}")
        claims = _route(problems, "claims", data.claims)
        eligibility = _route(problems, "eligibility", data.eligibility)
        if data.realtime_eligibility and eligibility is None:
            problems.add("eligibility", "is required when real-time eligibility is supported")
        if claims is None and data.address is None:
            problems.add("claims", "give a claims route or a mailing address")
        payer = cls(
            practice_id=practice_id,
            payer_id=payer_id,
            name=text_field(problems, "name", data.name, max_len=60),
            claim_filing_indicator=sbr09,
            claims=claims,
            eligibility=eligibility,
            realtime_eligibility=data.realtime_eligibility,
            timely_filing_days=data.timely_filing_days,
            address=address_field(problems, "address", data.address) if data.address else None,
            phone=phone_field(problems, "phone", data.phone, required=False),
            active=data.active,
            stamp=stamp,
        )
        problems.raise_if_any()
        return payer


def payer_id_problem(problems: Problems, payer_id: str) -> str:
    """The payer id, adding a `payer_id` problem when it is malformed (ids are exact keys)."""
    if not PAYER_ID.match(payer_id):
        problems.add("payer_id", "must be 2-20 uppercase letters, digits or '-'")
    return payer_id


def _route(problems: Problems, path: str, value: RouteInput | None) -> Route | None:
    if value is None:
        return None
    return Route.build(
        problems,
        path,
        clearinghouse_id=value.clearinghouse_id,
        clearinghouse_payer_id=value.clearinghouse_payer_id,
        endpoint_url=value.endpoint_url,
    )
