"""Fixtures for the X12 tests: a synthetic inquiry, dependent and interchange header."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from clinicflow.x12 import InterchangeHeader
from clinicflow.x12.eligibility import Dependent, EligibilityInquiry, Payer, Provider, Subscriber


@pytest.fixture
def inquiry() -> EligibilityInquiry:
    """A synthetic inquiry for a subscriber (no dependent)."""
    return EligibilityInquiry(
        payer=Payer(id="87726", name="SANDBOX HEALTH"),
        provider=Provider(npi="1234567893", name="RIVERSIDE CLINIC"),
        subscriber=Subscriber(
            member_id="W123456789",
            last_name="DOE",
            first_name="JANE",
            birth_date=date(1980, 5, 17),
            gender="F",
            group_number="GRP1",
        ),
        service_types=["30"],
        date_of_service=date(2025, 3, 4),
        trace_number="TRACE1",
        trace_originator_id="1123456789",
    )


@pytest.fixture
def dependent() -> Dependent:
    """A synthetic dependent without their own member id."""
    return Dependent(last_name="DOE", first_name="TIM", birth_date=date(2012, 1, 2), gender="M")


@pytest.fixture
def header() -> InterchangeHeader:
    """A test-usage interchange header at a fixed time."""
    return InterchangeHeader(
        sender_id="CLINICFLOW",
        receiver_id="SANDBOXPAYER",
        control_number=42,
        created=datetime(2025, 3, 1, 9, 30),
        usage="T",
    )
