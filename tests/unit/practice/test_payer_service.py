"""Payer directory use cases against in-memory fakes."""

import pytest
from practice_fakes import FakePracticeRepo

from clinicflow.audit.model import Action
from clinicflow.platform.errors import ConflictError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.practice import service
from clinicflow.practice.payers.defaults import default_payers
from clinicflow.practice.payers.model import PayerInput, RouteInput

BILLER = Caller("sunrise-biller", "sunrise", frozenset({Role.BILLER}), "203.0.113.9")
OTHER = Caller("lakeside-biller", "lakeside", frozenset({Role.BILLER}), "198.51.100.7")
DATA = PayerInput(
    "Meridian National Health",
    "CI",
    claims=RouteInput("sandbox", "SBMRDN1"),
    timely_filing_days=180,
)


@pytest.fixture
def repo():
    return FakePracticeRepo()


def test_put_creates_then_updates_and_get_payer_is_tenant_scoped(repo):
    payer, created = service.put_payer(BILLER, "MRDN1", DATA, repo=repo)
    assert created and payer.stamp.version == 1
    payer, created = service.put_payer(BILLER, "MRDN1", DATA, expected_version=1, repo=repo)
    assert not created and payer.stamp.version == 2
    assert service.get_payer("sunrise", "MRDN1", repo=repo).name == "Meridian National Health"
    with pytest.raises(NotFoundError):
        service.get_payer("lakeside", "MRDN1", repo=repo)
    with pytest.raises(NotFoundError):
        service.get_payer("sunrise", "mrdn1", repo=repo)
    assert [(a.action, a.resource_type, a.resource_id) for a in repo.audit] == [
        (Action.CREATE, "payer", "MRDN1"),
        (Action.UPDATE, "payer", "MRDN1"),
    ]


def test_stale_version_and_invalid_payer(repo):
    service.put_payer(BILLER, "MRDN1", DATA, repo=repo)
    with pytest.raises(ConflictError):
        service.put_payer(BILLER, "MRDN1", DATA, expected_version=5, repo=repo)
    with pytest.raises(ValidationError) as exc:
        service.put_payer(BILLER, "bad id", DATA, repo=repo)
    assert [e.field for e in exc.value.errors] == ["payer_id"]
    assert len(repo.audit) == 1


def test_seed_default_payers_is_idempotent_and_keeps_edits(repo):
    service.put_payer(BILLER, "MRDN1", DATA, repo=repo)  # edited before seeding
    added = service.seed_default_payers(BILLER, repo=repo)
    assert len(added) == len(default_payers()) - 1
    assert service.get_payer("sunrise", "MRDN1", repo=repo).stamp.version == 1
    assert service.seed_default_payers(BILLER, repo=repo) == []
    assert service.list_payers("lakeside", repo=repo).payers == []


def test_seed_skips_a_payer_added_concurrently(repo):
    repo.fail_next_save = True
    added = service.seed_default_payers(OTHER, repo=repo)
    assert len(added) == len(default_payers()) - 1


def test_list_payers_pages_and_clamps_limit(repo):
    service.seed_default_payers(BILLER, repo=repo)
    first = service.list_payers("sunrise", limit=5, repo=repo)
    second = service.list_payers("sunrise", limit=5, cursor=first.cursor, repo=repo)
    assert len(first.payers) == 5 and first.cursor
    assert {p.payer_id for p in first.payers}.isdisjoint(p.payer_id for p in second.payers)
    assert len(service.list_payers("sunrise", limit=0, repo=repo).payers) == 1
