"""A valid baseline claim and helpers for scrubber tests (synthetic data only)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from clinicflow.claims.model import (
    Authorization,
    AuthorizationKind,
    BillingProvider,
    Claim,
    ClaimLine,
    Facility,
    PayerRef,
    Person,
    PostalAddress,
    ProviderRef,
    Subscriber,
)
from clinicflow.claims.scrubber import ScrubContext, scrub
from clinicflow.codes.npi import check_digit


def npi(first_nine: str) -> str:
    """A valid NPI from nine digits."""
    return first_nine + str(check_digit(first_nine))


DOS = date(2026, 5, 4)
TODAY = date(2026, 5, 20)
STREET = PostalAddress("100 Main Street", "Denver", "CO", "802021234")


def make_claim(**changes: Any) -> Claim:
    """A claim every rule passes; `changes` replace fields."""
    claim = Claim(
        practice_id="sunrise",
        claim_id="C260504ABCDEF",
        encounter_id="enc-1",
        patient_id="pat-1",
        coverage_id="cov-1",
        billing=BillingProvider(
            name="Sunrise Family Medicine",
            npi=npi("123456789"),
            taxonomy_code="207Q00000X",
            tax_id="841234567",
            address=STREET,
        ),
        rendering=ProviderRef("prov-1", "Okafor", "Ada", npi("198765432"), "207Q00000X"),
        facility=Facility("loc-1", "Sunrise Main", STREET),
        patient=Person("Testpatient", "Robin", date(1980, 3, 1), "F", STREET),
        subscriber=Subscriber(
            member_id="SBX-1001",
            relationship="18",
            claim_filing_indicator="CI",
            person=Person("Testpatient", "Robin", date(1980, 3, 1), "F", STREET),
        ),
        payer=PayerRef("MRDN1", "Meridian Health"),
        place_of_service="11",
        service_date=DOS,
        diagnoses=("E119", "I10"),
        lines=(
            ClaimLine("99213", (), Decimal("1"), (1, 2), Decimal("120.00"), DOS),
            ClaimLine("93000", (), Decimal("1"), (2,), Decimal("45.50"), DOS),
        ),
        total_charge=Decimal("165.50"),
        created_at=datetime(2026, 5, 4, tzinfo=UTC),
    )
    return replace(claim, **changes)


def make_authorization(**changes: Any) -> Authorization:
    """Prior authorization PA-100 of pat-1 with MRDN1 for 97110, May-June 2026, 3 visits."""
    auth = Authorization(
        practice_id="sunrise",
        authorization_id="auth-1",
        patient_id="pat-1",
        payer_id="MRDN1",
        kind=AuthorizationKind.PRIOR_AUTH,
        number="PA-100",
        start_date=date(2026, 5, 1),
        end_date=date(2026, 6, 30),
        visits_allowed=3,
        procedures=("97110",),
    )
    return replace(auth, **changes)


def line(**changes: Any) -> ClaimLine:
    """A valid office-visit line with changes."""
    return replace(make_claim().lines[0], **changes)


def run(claim: Claim | None = None, **context: Any) -> list[tuple[str, str, str]]:
    """(rule id, field, severity) of every finding on the claim."""
    settings = context.pop("settings", ())
    ctx = ScrubContext(claim=claim or make_claim(), today=context.pop("today", TODAY), **context)
    report = scrub(ctx, settings)
    return [(f.rule_id, f.field, f.severity.value) for f in report.findings]
