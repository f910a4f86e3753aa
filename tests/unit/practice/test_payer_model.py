"""Payer directory rules: ids, SBR09, routes, timely filing, addresses."""

import pytest

from clinicflow.platform.errors import ValidationError
from clinicflow.practice.model import AddressInput, Stamp
from clinicflow.practice.payers.defaults import default_payers
from clinicflow.practice.payers.model import (
    CLAIM_FILING_INDICATORS,
    Payer,
    PayerInput,
    RouteInput,
    endpoint_problem,
)

CH = RouteInput(clearinghouse_id="sandbox", clearinghouse_payer_id="SB123")


def payer(payer_id="MRDN1", **changes):
    data = {
        "name": "Meridian National Health",
        "claim_filing_indicator": "CI",
        "claims": CH,
        "eligibility": CH,
        "realtime_eligibility": True,
        "timely_filing_days": 180,
    }
    data.update(changes)
    return Payer.build("p1", payer_id, PayerInput(**data), Stamp())


def fields(exc_info):
    return [e.field for e in exc_info.value.errors]


def test_a_clearinghouse_payer_is_valid():
    p = payer()
    assert p.claims.via_clearinghouse and p.eligibility.clearinghouse_payer_id == "SB123"


def test_a_direct_endpoint_payer_is_valid_and_may_mail_to_a_po_box():
    p = payer(
        claims=None,
        eligibility=RouteInput(endpoint_url="https://eligibility.example.org/x12/270"),
        address=AddressInput("PO Box 14080", "Hartford", "CT", "06101"),
    )
    assert p.claims is None and not p.eligibility.via_clearinghouse
    assert p.address.line1 == "PO Box 14080"


@pytest.mark.parametrize("payer_id", ["ab12", "A", "A" * 21, "AB 12", "AB#12", "", "AB_1"])
def test_malformed_payer_ids(payer_id):
    with pytest.raises(ValidationError) as exc:
        payer(payer_id)
    assert fields(exc) == ["payer_id"]


@pytest.mark.parametrize("sbr09", sorted(CLAIM_FILING_INDICATORS))
def test_every_sbr09_code_is_accepted(sbr09):
    assert payer(claim_filing_indicator=sbr09).claim_filing_indicator == sbr09


@pytest.mark.parametrize("sbr09", ["", "XX", "10", "M"])
def test_unknown_sbr09_codes_refused(sbr09):
    with pytest.raises(ValidationError) as exc:
        payer(claim_filing_indicator=sbr09)
    assert fields(exc) == ["claim_filing_indicator"]


def test_route_must_be_one_of_clearinghouse_or_endpoint():
    both = RouteInput("sandbox", "SB1", "https://x.example.org")
    half = RouteInput(clearinghouse_id="sandbox")
    with pytest.raises(ValidationError) as exc:
        payer(claims=both, eligibility=half)
    assert fields(exc) == ["claims", "eligibility.clearinghouse_payer_id"]
    with pytest.raises(ValidationError) as exc:
        payer(claims=RouteInput())
    assert fields(exc) == ["claims"]


def test_realtime_eligibility_needs_an_eligibility_route():
    with pytest.raises(ValidationError) as exc:
        payer(eligibility=None, realtime_eligibility=True)
    assert fields(exc) == ["eligibility"]


def test_claims_need_a_route_or_an_address():
    with pytest.raises(ValidationError) as exc:
        payer(claims=None)
    assert fields(exc) == ["claims"]


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_timely_filing_bounds(days):
    with pytest.raises(ValidationError) as exc:
        payer(timely_filing_days=days)
    assert fields(exc) == ["timely_filing_days"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://payer.example.org/270", True),
        ("http://127.0.0.1:8000/sandbox", True),
        ("http://localhost/sandbox", True),
        ("http://payer.example.org/270", False),
        ("ftp://payer.example.org", False),
        ("https://user:secret@payer.example.org", False),
        ("https://", False),
        ("javascript:alert(1)", False),
    ],
)
def test_endpoint_urls(url, ok):
    assert (endpoint_problem(url) is None) is ok


def test_default_directory_is_valid_synthetic_and_has_federal_and_state_programs():
    entries = default_payers()
    payers = [Payer.build("p1", pid, data, Stamp()) for pid, data in entries]
    assert len({p.payer_id for p in payers}) == len(payers) >= 12
    indicators = {p.claim_filing_indicator for p in payers}
    assert {"MA", "MB", "MC", "CI"} <= indicators
    assert all(p.claims is not None for p in payers)
    assert all(p.eligibility is not None for p in payers if p.realtime_eligibility)
