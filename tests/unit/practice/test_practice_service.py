"""Practice use cases against in-memory fakes."""

import pytest
from practice_fakes import FakePracticeRepo

from clinicflow.audit.model import Action
from clinicflow.platform.errors import ConflictError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.practice import service
from clinicflow.practice.model import AddressInput, LocationInput, ProfileInput

ADMIN = Caller("sunrise-admin", "sunrise", frozenset({Role.ADMIN}), "203.0.113.9")
OTHER = Caller("lakeside-admin", "lakeside", frozenset({Role.ADMIN}), "198.51.100.7")
STREET = AddressInput("1200 Sunrise Blvd", "Springfield", "IL", "627041234")
PROFILE = ProfileInput(
    "Sunrise Family Medicine",
    "36-4812077",
    "1234567893",
    "207Q00000X",
    STREET,
    "2175550142",
    "America/Chicago",
)
LOCATION = LocationInput("Downtown", STREET, "America/Chicago", "11")


@pytest.fixture
def repo():
    return FakePracticeRepo()


def test_profile_is_created_then_replaced_with_audit(repo):
    with pytest.raises(NotFoundError):
        service.get_profile("sunrise", repo=repo)
    profile, created = service.put_profile(ADMIN, PROFILE, repo=repo)
    assert created and profile.stamp.version == 1 and profile.practice_id == "sunrise"
    again, created = service.put_profile(ADMIN, PROFILE, expected_version=1, repo=repo)
    assert not created and again.stamp.version == 2
    assert service.get_profile("sunrise", repo=repo) == again
    assert [
        (a.action, a.resource_type, a.resource_id, a.practice_id, a.source_ip) for a in repo.audit
    ] == [
        (Action.CREATE, "practice", "sunrise", "sunrise", "203.0.113.9"),
        (Action.UPDATE, "practice", "sunrise", "sunrise", "203.0.113.9"),
    ]


def test_stale_profile_version_conflicts_and_writes_nothing(repo):
    service.put_profile(ADMIN, PROFILE, repo=repo)
    with pytest.raises(ConflictError):
        service.put_profile(ADMIN, PROFILE, expected_version=0, repo=repo)
    assert service.get_profile("sunrise", repo=repo).stamp.version == 1
    assert len(repo.audit) == 1


def test_invalid_profile_writes_nothing(repo):
    bad = ProfileInput("X", "bad", "1234567893", "207Q00000X", STREET, "2175550142", "UTC")
    with pytest.raises(ValidationError):
        service.put_profile(ADMIN, bad, repo=repo)
    assert repo.profiles == {} and repo.audit == []


def test_locations_are_scoped_to_the_callers_practice(repo):
    ids = iter(["loc-a", "loc-b"])
    a = service.create_location(ADMIN, LOCATION, repo=repo, new_id=lambda: next(ids))
    service.create_location(OTHER, LOCATION, repo=repo, new_id=lambda: next(ids))
    assert [loc.location_id for loc in service.list_locations("sunrise", repo=repo)] == ["loc-a"]
    with pytest.raises(NotFoundError):
        service.get_location("sunrise", "loc-b", repo=repo)
    with pytest.raises(NotFoundError):
        service.update_location(ADMIN, "loc-b", LOCATION, repo=repo)
    with pytest.raises(NotFoundError):
        service.deactivate_location(ADMIN, "loc-b", repo=repo)
    assert a.stamp.version == 1


def test_location_update_deactivation_and_active_ids(repo):
    loc = service.create_location(ADMIN, LOCATION, repo=repo)
    assert loc.location_id.startswith("loc-")
    assert service.location_ids("sunrise", repo=repo) == {loc.location_id}
    renamed = service.update_location(
        ADMIN,
        loc.location_id,
        LocationInput("Uptown", STREET, "America/Chicago", "22"),
        expected_version=1,
        repo=repo,
    )
    assert (renamed.name, renamed.place_of_service, renamed.stamp.version) == ("Uptown", "22", 2)
    with pytest.raises(ConflictError):
        service.update_location(ADMIN, loc.location_id, LOCATION, expected_version=1, repo=repo)
    off = service.deactivate_location(ADMIN, loc.location_id, repo=repo)
    assert not off.active and off.stamp.version == 3
    assert service.deactivate_location(ADMIN, loc.location_id, repo=repo) == off  # idempotent
    assert service.location_ids("sunrise", repo=repo) == frozenset()
    assert service.list_locations("sunrise", active_only=True, repo=repo) == []
    assert [a.action for a in repo.audit] == [Action.CREATE, Action.UPDATE, Action.DELETE]


def test_a_retried_create_with_the_same_idempotency_key_adds_one_location(repo):
    first = service.create_location(ADMIN, LOCATION, idempotency_key="k-1", repo=repo)
    again = service.create_location(ADMIN, LOCATION, idempotency_key="k-1", repo=repo)
    other = service.create_location(OTHER, LOCATION, idempotency_key="k-1", repo=repo)
    assert again == first and len(service.list_locations("sunrise", repo=repo)) == 1
    assert other.location_id != first.location_id  # keys are per practice
    assert len(repo.audit) == 2
    service.create_location(ADMIN, LOCATION, repo=repo)
    assert len(service.list_locations("sunrise", repo=repo)) == 2
