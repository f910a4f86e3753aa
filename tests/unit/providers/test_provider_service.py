"""Provider use cases against in-memory fakes."""

import pytest
from provider_fakes import FakePractice, FakeProviderRepo

from clinicflow.audit.model import Action
from clinicflow.codes.npi import check_digit
from clinicflow.platform.errors import ConflictError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.providers import service
from clinicflow.providers.model import ProviderChanges, ProviderInput

ADMIN = Caller("sunrise-admin", "sunrise", frozenset({Role.ADMIN}), "203.0.113.9")
OTHER = Caller("lakeside-admin", "lakeside", frozenset({Role.ADMIN}), "198.51.100.7")


def npi(nine):
    return nine + str(check_digit(nine))


NPI_A, NPI_B = npi("154829376"), npi("187654321")
DATA = ProviderInput(
    "Adaeze", "Okafor", NPI_A, "207Q00000X", ("MD",), "Family Medicine", ("loc-denver",)
)


@pytest.fixture
def repo():
    return FakeProviderRepo()


@pytest.fixture
def practice():
    return FakePractice(org_npis=("1234567893",))


def create(repo, practice, data=DATA, caller=ADMIN, **kw):
    return service.create_provider(caller, data, repo=repo, facts=practice, **kw)


def test_create_read_list_with_audit(repo, practice):
    p = create(repo, practice, new_id=lambda: "prov-1")
    assert p.provider_id == "prov-1" and p.version == 1
    assert service.get_provider("sunrise", "prov-1", repo=repo) == p
    q = create(
        repo,
        practice,
        ProviderInput("Erik", "Lindqvist", NPI_B, "207R00000X", location_ids=("loc-chicago",)),
        provider_id="prov-lindqvist",
    )
    assert [x.provider_id for x in service.list_providers("sunrise", repo=repo)] == [
        "prov-1",
        "prov-lindqvist",
    ]
    at_chicago = service.list_providers("sunrise", location_id="loc-chicago", repo=repo)
    assert at_chicago == [q]
    assert [
        (a.action, a.resource_type, a.resource_id, a.actor, a.source_ip) for a in repo.audit
    ] == [
        (Action.CREATE, "provider", "prov-1", "sunrise-admin", "203.0.113.9"),
        (Action.CREATE, "provider", "prov-lindqvist", "sunrise-admin", "203.0.113.9"),
    ]


def test_seed_can_call_without_a_request(repo, practice):
    caller = service.system_caller("sunrise")
    p = service.create_provider(caller, DATA, provider_id="prov-okafor", repo=repo, facts=practice)
    assert p.updated_by == "clinicflow-seed" and repo.audit[0].source_ip == ""


def test_invalid_input_writes_nothing(repo, practice):
    with pytest.raises(ValidationError) as exc:
        create(
            repo,
            practice,
            ProviderInput("A", "B", "1234567890", "207Q00000X", location_ids=("loc-nowhere",)),
        )
    assert [e.field for e in exc.value.errors] == ["npi", "location_ids"]
    assert repo.providers == {} and repo.audit == []


def test_locations_of_another_practice_are_unknown(repo, practice):
    with pytest.raises(ValidationError):
        create(repo, practice, caller=OTHER)


def test_duplicate_npi_conflicts_but_other_practices_may_use_it(repo, practice):
    create(repo, practice)
    with pytest.raises(ConflictError):
        create(repo, practice)
    other = create(repo, lambda _: practice.facts, caller=OTHER)
    assert other.practice_id == "lakeside" and len(repo.audit) == 2


def test_update_and_stale_version(repo, practice):
    p = create(repo, practice)
    practice.calls = 0
    q = service.update_provider(
        ADMIN,
        p.provider_id,
        ProviderChanges(color="#000000"),
        expected_version=1,
        repo=repo,
        facts=practice,
    )
    assert q.version == 2 and q.color == "#000000" and practice.calls == 0
    with pytest.raises(ConflictError) as exc:
        service.update_provider(
            ADMIN,
            p.provider_id,
            ProviderChanges(specialty="x"),
            expected_version=1,
            repo=repo,
            facts=practice,
        )
    assert exc.value.details == {"current_version": 2}
    r = service.update_provider(
        ADMIN,
        p.provider_id,
        ProviderChanges(location_ids=("loc-chicago",)),
        repo=repo,
        facts=practice,
    )
    assert r.location_ids == ("loc-chicago",) and practice.calls == 1
    assert [a.action for a in repo.audit] == [Action.CREATE, Action.UPDATE, Action.UPDATE]


def test_update_moves_the_npi_and_refuses_a_taken_one(repo, practice):
    a = create(repo, practice, provider_id="prov-a")
    create(repo, practice, ProviderInput("B", "B", NPI_B, "207Q00000X"), provider_id="prov-b")
    with pytest.raises(ConflictError):
        service.update_provider(
            ADMIN, "prov-a", ProviderChanges(npi=NPI_B), repo=repo, facts=practice
        )
    new = npi("111111111")
    moved = service.update_provider(
        ADMIN, "prov-a", ProviderChanges(npi=new), repo=repo, facts=practice
    )
    assert moved.npi == new and ("sunrise", a.npi) not in repo.npis


def test_empty_patch_is_refused(repo, practice):
    p = create(repo, practice)
    with pytest.raises(ValidationError):
        service.update_provider(ADMIN, p.provider_id, ProviderChanges(), repo=repo, facts=practice)


def test_deactivate_is_idempotent_and_other_practices_see_nothing(repo, practice):
    p = create(repo, practice)
    with pytest.raises(NotFoundError):
        service.deactivate_provider(OTHER, p.provider_id, repo=repo)
    with pytest.raises(NotFoundError):
        service.get_provider("lakeside", p.provider_id, repo=repo)
    d = service.deactivate_provider(ADMIN, p.provider_id, repo=repo)
    assert not d.active and d.version == 2
    assert service.deactivate_provider(ADMIN, p.provider_id, repo=repo) == d
    assert service.list_providers("sunrise", active_only=True, repo=repo) == []
    assert [a.action for a in repo.audit] == [Action.CREATE, Action.DELETE]
