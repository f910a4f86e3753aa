"""Coverage domain rules (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from clinicflow.coverages.model import (
    CardSide,
    ClaimFilingIndicator,
    Coverage,
    CoverageData,
    CoverageOrder,
    CoverageStatus,
    card_key,
    coverage_problems,
    order_problems,
)
from clinicflow.patients.model import parse
from clinicflow.platform.errors import ValidationError


def _data(**changes: Any) -> CoverageData:
    base = {"payer_id": "synth01", "member_id": "M1", "claim_filing_indicator": "CI"}
    return CoverageData.model_validate({**base, **changes})


def _coverage(cid: str, **changes: Any) -> Coverage:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return Coverage.model_validate(
        {
            **_data(**changes).model_dump(),
            "id": cid,
            "patient_id": "p",
            "created_at": now,
            "updated_at": now,
        }
    )


def test_payer_id_upper_cased_and_x12_codes_enforced() -> None:
    assert _data().payer_id == "SYNTH01"
    with pytest.raises(ValidationError) as exc:
        parse(
            CoverageData,
            {
                "payer_id": "a b",
                "member_id": "M1",
                "claim_filing_indicator": "XX",
                "msp_type": "11",
                "relationship": "02",
            },
        )
    assert {e.field for e in exc.value.errors} == {
        "payer_id",
        "claim_filing_indicator",
        "msp_type",
        "relationship",
    }


def test_subscriber_required_unless_self() -> None:
    assert [p.field for p in coverage_problems(_data(relationship="19"), 1)] == ["subscriber"]
    sub = {"name": {"first": "Rory", "last": "Roe"}, "dob": "1970-01-01", "sex": "male"}
    assert coverage_problems(_data(relationship="19", subscriber=sub), 1) == []
    assert [p.field for p in coverage_problems(_data(subscriber=sub), 1)] == ["subscriber"]


def test_dates_and_authorizations() -> None:
    problems = coverage_problems(
        _data(
            effective_date="2025-02-01",
            termination_date="2025-01-31",
            signature_on_file={"on_file": True},
        ),
        None,
    )
    assert {p.field for p in problems} == {"termination_date", "signature_on_file.signed_on"}
    assert (
        coverage_problems(_data(effective_date="2025-02-01", termination_date="2025-02-01"), None)
        == []
    )


def test_medicare_secondary_needs_msp_type() -> None:
    medicare = _data(claim_filing_indicator="MB")
    assert ClaimFilingIndicator.MEDICARE_PART_B.is_medicare
    assert coverage_problems(medicare, 1) == []
    assert coverage_problems(medicare, None) == []
    assert [p.field for p in coverage_problems(medicare, 2)] == ["msp_type"]
    assert coverage_problems(_data(claim_filing_indicator="MA", msp_type="43"), 3) == []
    assert [p.field for p in coverage_problems(_data(msp_type="12"), 1)] == ["msp_type"]


def test_order_rules() -> None:
    covs = {
        c.id: c
        for c in [_coverage("a"), _coverage("b", claim_filing_indicator="MB"), _coverage("c")]
    }
    covs["d"] = covs["c"].model_copy(update={"id": "d", "status": CoverageStatus.INACTIVE})
    assert order_problems(["b", "a"], covs) == []
    assert [p.field for p in order_problems(["a", "b"], covs)] == ["coverage_ids.1"]
    assert {p.field for p in order_problems(["a", "a", "x", "d"], covs)} == {
        "coverage_ids",
        "coverage_ids.2",
        "coverage_ids.3",
    }
    order = CoverageOrder(ids=("a", "b", "c"), version=4)
    assert order.position("b") == 2
    assert order.without("a").ids == ("b", "c")
    assert order.position("zz") is None


def test_card_key_holds_ids_only() -> None:
    assert card_key("prac", "pat", "cov", CardSide.BACK) == "prac/cards/pat/cov/back"
