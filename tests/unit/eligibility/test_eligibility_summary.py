"""271 -> front-desk result, for every sandbox scenario and the x12 slice's own fixtures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from eligibility_fakes import response_doc, sandbox_271

from clinicflow.eligibility.codec import read_response
from clinicflow.eligibility.model import (
    EligibilityResult,
    EligibilityStatus,
    Network,
    OtherPayerRole,
    Resubmission,
)
from clinicflow.eligibility.summary import summarise
from clinicflow.x12 import parse_file
from clinicflow.x12.eligibility import EligibilityResponseDocument

FIXTURES = Path(__file__).resolve().parents[1] / "x12" / "fixtures"


def _result(
    member_id: str, types: tuple[str, ...] = ("98",), *, dependent: bool = False
) -> EligibilityResult:
    return summarise(response_doc(sandbox_271(member_id, dependent=dependent, types=types)), types)


def test_active_with_copay() -> None:
    r = _result("SBX-ACTIVE-001")
    assert r.status is EligibilityStatus.ACTIVE and r.active
    assert (r.payer_name, r.plan_name, r.group_number) == (
        "MERIDIAN NATIONAL HEALTH", "SANDBOX GOLD PPO", "GRP100",
    )  # fmt: skip
    assert (r.coverage_start, r.coverage_end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert r.copay == Decimal("25") and isinstance(r.copay, Decimal)
    assert r.coinsurance_percent == Decimal("20")
    assert {(c.network, c.amount) for c in r.copays if c.service_types == ["98"]} == {
        (Network.IN, Decimal("25")), (Network.OUT, Decimal("50")),
    }  # fmt: skip
    ded = r.deductible
    assert (ded.individual.in_network.total, ded.individual.in_network.remaining) == (
        Decimal("1500"), Decimal("1250"),
    )  # fmt: skip
    assert (ded.family.in_network.total, ded.family.in_network.remaining) == (
        Decimal("3000"), Decimal("2800"),
    )  # fmt: skip
    assert ded.individual.out_of_network.total == Decimal("3000")
    oop = r.out_of_pocket
    assert oop.individual.in_network.remaining == Decimal("5500.50")
    assert oop.family.in_network.total == Decimal("12000")
    assert r.pcp is not None and (r.pcp.name, r.pcp.npi, r.pcp.phone) == (
        "MARCUS WELBY", "1234567893", "5555550123",
    )  # fmt: skip
    assert r.other_payers == [] and not r.coordination_of_benefits
    assert r.problems == []


def test_urgent_care_copay_is_chosen_by_service_type() -> None:
    assert _result("SBX-ACTIVE", ("UC",)).copay == Decimal("75")


def test_high_deductible() -> None:
    r = _result("SBX-HIGHDED")
    assert r.status is EligibilityStatus.ACTIVE
    assert r.plan_name == "SANDBOX BRONZE HDHP"
    assert r.copay == Decimal("0")
    assert r.coinsurance_percent == Decimal("30")
    assert r.deductible.individual.in_network.remaining == Decimal("6850")
    assert r.deductible.family.in_network.total == Decimal("14000")
    assert "HIGH DEDUCTIBLE HEALTH PLAN - HSA ELIGIBLE" in r.messages


def test_inactive() -> None:
    r = _result("SBX-INACTIVE")
    assert r.status is EligibilityStatus.INACTIVE and not r.active
    assert r.coverage_end == date(2025, 12, 31)
    assert r.plan_name == "SANDBOX GOLD PPO"
    assert r.copay is None
    assert r.messages == ["COVERAGE TERMINATED"]


def test_secondary_coverage_hints_coordination_of_benefits() -> None:
    r = _result("SBX-SECONDARY")
    assert r.status is EligibilityStatus.ACTIVE
    assert r.coordination_of_benefits
    (other,) = r.other_payers
    assert (other.name, other.payer_id, other.role) == (
        "SUMMIT MUTUAL INSURANCE", "SMTM2", OtherPayerRole.PRIMARY,
    )  # fmt: skip
    assert r.copay == Decimal("30")


def test_invalid_member_id() -> None:
    r = _result("SBX-BADID")
    assert r.status is EligibilityStatus.REJECTED
    (p,) = r.problems
    assert (p.level, p.reason_code, p.follow_up_code) == ("subscriber", "72", "C")
    assert "member ID on the insurance card" in p.action
    assert p.resubmission is Resubmission.AFTER_CORRECTION and p.can_retry


def test_subscriber_not_found() -> None:
    r = _result("SBX-NOTFOUND")
    assert r.status is EligibilityStatus.REJECTED
    (p,) = r.problems
    assert p.reason_code == "75"
    assert "spelling of the name and the date of birth" in p.action


def test_payer_busy_is_payer_unavailable() -> None:
    r = _result("SBX-BUSY")
    assert r.status is EligibilityStatus.PAYER_UNAVAILABLE
    (p,) = r.problems
    assert (p.level, p.reason_code, p.resubmission) == ("payer", "42", Resubmission.ALLOWED)
    assert "retry later" in p.action


def test_dependent_benefits_are_read_at_2000d() -> None:
    r = _result("SBX-ACTIVE", dependent=True)
    assert r.status is EligibilityStatus.ACTIVE
    assert r.copay == Decimal("25")
    assert r.deductible.individual.in_network.remaining == Decimal("1250")
    assert r.group_number == "GRP100"  # from the subscriber level


def test_rejection_of_a_dependent_inquiry_is_at_the_subscriber() -> None:
    r = _result("SBX-BADID", dependent=True)
    assert r.status is EligibilityStatus.REJECTED
    assert [p.reason_code for p in r.problems] == ["72"]


def _fixture_docs(name: str) -> list[EligibilityResponseDocument]:
    parsed = parse_file((FIXTURES / name).read_bytes())
    docs = [t for ic in parsed.interchanges for g in ic.groups for t in g.transactions]
    return [d for d in docs if isinstance(d, EligibilityResponseDocument)]


def test_x12_fixture_every_eb_kind() -> None:
    doc = _fixture_docs("271_benefits.x12")[0]
    sub = doc.sources[0].receivers[0].subscribers[0]
    only_subscriber = doc.model_copy(
        update={"sources": [doc.sources[0].model_copy(update={"receivers": [
            doc.sources[0].receivers[0].model_copy(update={"subscribers": [
                sub.model_copy(update={"dependents": []})]})]})]}
    )  # fmt: skip
    r = summarise(only_subscriber, ["98"])
    assert r.status is EligibilityStatus.ACTIVE
    assert r.copay == Decimal("25")
    assert r.coinsurance_percent is None  # only an out-of-network coinsurance is given
    assert r.coinsurance[0].percent == Decimal("20")
    assert r.deductible.individual.in_network.remaining == Decimal("1250.55")
    assert r.out_of_pocket.individual.out_of_network.remaining == Decimal("4500")  # EB12 W
    assert r.authorization_required is True
    assert r.not_covered == ["AL"]
    assert r.other_payers[0].role is OtherPayerRole.PRIMARY
    assert r.pcp is not None and r.pcp.npi == "1497758544"
    assert (r.coverage_start, r.coverage_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert [p.reason_code for p in r.problems] == ["62"]


def test_x12_fixture_aaa_levels() -> None:
    statuses = [summarise(d, ["30"]) for d in _fixture_docs("271_aaa_levels.x12")]
    assert statuses[0].status is EligibilityStatus.REJECTED  # 42 R and 79 C at the payer
    assert [p.reason_code for p in statuses[0].problems] == ["42", "79"]
    assert statuses[1].problems[0].level == "provider"
    assert statuses[2].problems[0].reason_code == "72"
    assert [p.level for p in statuses[3].problems] == ["dependent"]


def test_unreadable_271_is_unknown_not_an_exception() -> None:
    r = read_response("ISA*garbage", ["30"])
    assert r.status is EligibilityStatus.UNKNOWN
    assert r.problems[0].can_retry
