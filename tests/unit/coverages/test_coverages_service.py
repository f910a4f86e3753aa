"""Coverage use cases against in-memory fakes of the ports."""

from __future__ import annotations

from typing import Any

import pytest
from coverages_fakes import FakeAuditLog, FakeCards, FakeCoverageRepository, FakePayers

from clinicflow.audit.model import Action
from clinicflow.coverages import service
from clinicflow.coverages.model import (
    CardContentType,
    CardSide,
    CoverageData,
    CoverageStatus,
    OrderChangedError,
    Payer,
)
from clinicflow.patients.model import StaleVersionError
from clinicflow.platform.errors import NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role

A = Caller("biller", "prac-a", frozenset({Role.BILLER}), "198.51.100.7")
B = Caller("biller", "prac-b", frozenset({Role.BILLER}))
PID = "1" * 32


@pytest.fixture
def repo() -> FakeCoverageRepository:
    r = FakeCoverageRepository()
    r.patients.add(("prac-a", PID))
    return r


PAYERS = FakePayers(
    Payer(payer_id="SYNTH01", name="Synthetic PPO"),
    Payer(payer_id="MCR01", name="Medicare"),
    Payer(payer_id="OLD01", name="Old", active=False),
)


def _data(**changes: Any) -> CoverageData:
    return CoverageData.model_validate(
        {"payer_id": "SYNTH01", "member_id": "M1", "claim_filing_indicator": "CI", **changes}
    )


def _add(repo: FakeCoverageRepository, order: int | None = None, **changes: Any) -> str:
    return service.create_coverage(
        A, PID, _data(**changes), repo=repo, payers=PAYERS, order=order
    ).id


def _ordered(repo: FakeCoverageRepository) -> list[str]:
    result = service.list_coverages(A, PID, repo=repo, audit=FakeAuditLog())
    return [c.id for c in result.coverages if c.order]


def test_create_appends_then_inserts(repo: FakeCoverageRepository) -> None:
    a = _add(repo)
    b = _add(repo)
    c = _add(repo, order=1)
    assert _ordered(repo) == [c, a, b]
    d = _add(repo)
    assert _ordered(repo) == [c, a, b]  # a fourth is kept unordered
    with pytest.raises(ValidationError) as exc:
        _add(repo, order=2)
    assert exc.value.errors[0].field == "order"
    assert len(repo.coverages[("prac-a", PID)]) == 4
    assert d in repo.coverages[("prac-a", PID)]
    assert [r.action for r in repo.audit] == [Action.CREATE] * 4


def test_payer_must_exist_and_be_active(repo: FakeCoverageRepository) -> None:
    for payer_id in ("NOPE", "OLD01"):
        with pytest.raises(ValidationError) as exc:
            _add(repo, payer_id=payer_id)
        assert exc.value.errors[0].field == "payer_id"
    assert (
        service.create_coverage(A, PID, _data(), repo=repo, payers=PAYERS).payer_name
        == "Synthetic PPO"
    )


def test_unknown_or_foreign_patient_is_404(repo: FakeCoverageRepository) -> None:
    with pytest.raises(NotFoundError):
        service.create_coverage(B, PID, _data(), repo=repo, payers=PAYERS)
    with pytest.raises(NotFoundError):
        service.list_coverages(A, "2" * 32, repo=repo, audit=FakeAuditLog())
    cid = _add(repo)
    with pytest.raises(NotFoundError):
        service.get_coverage(B, PID, cid, repo=repo, audit=FakeAuditLog())


def test_inserting_pushes_medicare_to_secondary_only_with_msp(repo: FakeCoverageRepository) -> None:
    _add(repo, payer_id="MCR01", claim_filing_indicator="MB")
    with pytest.raises(ValidationError) as exc:
        _add(repo, order=1)
    assert exc.value.errors[0].field == "order"


def test_update_keeps_order_and_checks_version(repo: FakeCoverageRepository) -> None:
    cid = _add(repo)
    updated = service.update_coverage(
        A, PID, cid, {"group_number": "G2"}, expected_version=1, repo=repo, payers=PAYERS
    )
    assert (updated.group_number, updated.version, updated.order) == ("G2", 2, 1)
    with pytest.raises(StaleVersionError):
        service.update_coverage(
            A, PID, cid, {"group_number": "G3"}, expected_version=1, repo=repo, payers=PAYERS
        )
    with pytest.raises(ValidationError) as exc:
        service.update_coverage(
            A, PID, cid, {"order": 2}, expected_version=2, repo=repo, payers=PAYERS
        )
    assert exc.value.errors[0].field == "order"
    with pytest.raises(ValidationError) as exc:
        service.update_coverage(
            A, PID, cid, {"payer_id": "NOPE1"}, expected_version=2, repo=repo, payers=PAYERS
        )
    assert exc.value.errors[0].field == "payer_id"


def test_deactivate_removes_from_order(repo: FakeCoverageRepository) -> None:
    a, b = _add(repo), _add(repo)
    gone = service.deactivate_coverage(A, PID, a, repo=repo)
    assert gone.status is CoverageStatus.INACTIVE
    assert _ordered(repo) == [b]
    assert service.deactivate_coverage(A, PID, a, repo=repo).version == gone.version
    with pytest.raises(ValidationError):
        service.update_coverage(
            A,
            PID,
            a,
            {"group_number": "G"},
            expected_version=gone.version,
            repo=repo,
            payers=PAYERS,
        )


def test_reorder_is_versioned(repo: FakeCoverageRepository) -> None:
    a, b = _add(repo), _add(repo)
    listed = service.list_coverages(A, PID, repo=repo, audit=FakeAuditLog())
    result = service.reorder_coverages(
        A, PID, [b, a], expected_version=listed.order_version, repo=repo
    )
    assert [c.id for c in result.coverages] == [b, a]
    assert result.order_version == listed.order_version + 1
    with pytest.raises(OrderChangedError):
        service.reorder_coverages(A, PID, [a, b], expected_version=listed.order_version, repo=repo)
    with pytest.raises(ValidationError):
        service.reorder_coverages(A, PID, [a, a], expected_version=result.order_version, repo=repo)
    assert _ordered(repo) == [b, a]


def test_reads_are_audited_per_coverage(repo: FakeCoverageRepository) -> None:
    a, b = _add(repo), _add(repo)
    audit = FakeAuditLog()
    service.list_coverages(A, PID, repo=repo, audit=audit)
    service.get_coverage(A, PID, a, repo=repo, audit=audit)
    assert sorted(r.resource_id for r in audit.records) == sorted([a, b, a])
    assert {(r.action, r.patient_id, r.source_ip) for r in audit.records} == {
        (Action.READ, PID, "198.51.100.7")
    }


def test_card_images(repo: FakeCoverageRepository) -> None:
    cid = _add(repo)
    cards, audit = FakeCards(), FakeAuditLog()
    up = service.request_card_upload(
        A, PID, cid, CardSide.FRONT, CardContentType.PNG, repo=repo, cards=cards
    )
    assert up.url.startswith(
        f"https://bucket.example/prac-a/cards/{PID}/{cid}/front?put&type=image/png"
    )
    urls = service.card_image_urls(A, PID, cid, repo=repo, cards=cards, audit=audit)
    assert [(u.side, u.content_type) for u in urls] == [(CardSide.FRONT, CardContentType.PNG)]
    assert [(r.action, r.resource_type) for r in audit.records] == [(Action.READ, "coverage_card")]
    assert repo.audit[-1].resource_type == "coverage_card"
    with pytest.raises(NotFoundError):
        service.request_card_upload(
            A, PID, "9" * 32, CardSide.BACK, CardContentType.PDF, repo=repo, cards=cards
        )
