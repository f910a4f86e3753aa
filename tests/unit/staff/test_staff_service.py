"""Staff use cases against in-memory fakes of Cognito and the staff index."""

import pytest
from staff_fakes import FakeDirectory, FakeStaffRepo

from clinicflow.audit.model import Action
from clinicflow.platform.errors import ConflictError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.staff import service
from clinicflow.staff.model import InvitationInput

ADMIN = Caller("sunrise-admin", "sunrise", frozenset({Role.ADMIN}), "203.0.113.9")
OTHER_ADMIN = Caller("lakeside-admin", "lakeside", frozenset({Role.ADMIN}), "198.51.100.7")
LOCATIONS = {"sunrise": frozenset({"loc-a", "loc-b"}), "lakeside": frozenset({"loc-z"})}


@pytest.fixture
def ports():
    return service.Ports(
        FakeDirectory(), FakeStaffRepo(), lambda pid: LOCATIONS.get(pid, frozenset())
    )


def invite(
    ports, username="sunrise-jdoe", role=Role.FRONT_DESK, caller=ADMIN, locations=("loc-a",)
):
    data = InvitationInput("jordan.doe@example.org", "Jordan Doe", role, locations, username)
    return service.invite(caller, data, ports)


def test_invite_creates_user_group_index_and_audit(ports):
    member = invite(ports)
    user = ports.directory.users["sunrise-jdoe"]
    assert user["practice_id"] == "sunrise" and user["groups"] == {"front-desk"}
    assert user["locations"] == ("loc-a",) and len(user["password"]) >= 12
    assert ports.directory.invitations == ["jordan.doe@example.org"]
    assert ports.repo.get("sunrise", "sunrise-jdoe") == member
    assert [(a.action, a.resource_type, a.resource_id, a.actor) for a in ports.repo.audit] == [
        (Action.CREATE, "staff", "sunrise-jdoe", "sunrise-admin")
    ]


def test_invite_for_seeding_can_suppress_email_and_set_the_password(ports):
    data = InvitationInput("a@example.org", "A", Role.ADMIN, (), "seed-admin")
    service.invite(ADMIN, data, ports, temporary_password="Seed-Password-1", send_invitation=False)
    assert ports.directory.invitations == []
    assert ports.directory.users["seed-admin"]["password"] == "Seed-Password-1"


def test_invite_rejects_unknown_locations_and_taken_usernames(ports):
    with pytest.raises(ValidationError) as exc:
        invite(ports, locations=("loc-z",))  # another practice's location
    assert [e.field for e in exc.value.errors] == ["locations"]
    invite(ports)
    with pytest.raises(ConflictError):
        invite(ports)
    with pytest.raises(ConflictError):  # usernames are pool-wide
        invite(ports, caller=OTHER_ADMIN, locations=())
    assert ports.repo.list_members("lakeside") == []


def test_failed_invite_leaves_no_half_created_user(ports):
    ports.directory.fail_group_add = True
    with pytest.raises(RuntimeError):
        invite(ports)
    assert ports.directory.users == {} and ports.repo.items == {} and ports.repo.audit == []


def test_list_only_shows_the_callers_practice(ports):
    invite(ports)
    invite(ports, username="lake-1", caller=OTHER_ADMIN, locations=())
    assert [m.username for m in service.list_staff(ADMIN, ports)] == ["sunrise-jdoe"]
    assert [m.username for m in service.list_staff(OTHER_ADMIN, ports)] == ["lake-1"]


def test_disable_enable_round_trip_with_audit(ports):
    invite(ports)
    off = service.set_enabled(ADMIN, "sunrise-jdoe", False, ports)
    assert not off.enabled and not ports.directory.users["sunrise-jdoe"]["enabled"]
    assert service.set_enabled(ADMIN, "sunrise-jdoe", False, ports).version == off.version
    on = service.set_enabled(ADMIN, "sunrise-jdoe", True, ports)
    assert on.enabled and ports.directory.users["sunrise-jdoe"]["enabled"]
    assert [a.action for a in ports.repo.audit] == [Action.CREATE, Action.UPDATE, Action.UPDATE]


def test_admin_cannot_disable_themself_or_drop_their_admin_role(ports):
    with pytest.raises(ConflictError):
        service.set_enabled(ADMIN, "sunrise-admin", False, ports)
    with pytest.raises(ConflictError):
        service.set_roles(ADMIN, "sunrise-admin", [Role.BILLER], ports)


def test_users_of_another_practice_are_not_found(ports):
    invite(ports, username="lake-1", caller=OTHER_ADMIN, locations=())
    for action in (
        lambda: service.get_staff(ADMIN, "lake-1", ports),
        lambda: service.set_enabled(ADMIN, "lake-1", False, ports),
        lambda: service.set_enabled(ADMIN, "lake-1", True, ports),
        lambda: service.set_roles(ADMIN, "lake-1", [Role.ADMIN], ports),
        lambda: service.set_locations(ADMIN, "lake-1", [], ports),
    ):
        with pytest.raises(NotFoundError):
            action()
    user = ports.directory.users["lake-1"]
    assert user["enabled"] and user["groups"] == {"front-desk"}


def test_an_index_entry_pointing_at_another_practices_user_is_not_found(ports):
    invite(ports, username="lake-1", caller=OTHER_ADMIN, locations=())
    planted = ports.repo.get("lakeside", "lake-1")
    ports.repo.items[("sunrise", "lake-1")] = planted  # e.g. a stale or tampered index item
    with pytest.raises(NotFoundError):
        service.set_enabled(ADMIN, "lake-1", False, ports)
    assert ports.directory.users["lake-1"]["enabled"]


def test_set_roles_replaces_group_membership(ports):
    invite(ports)
    member = service.set_roles(ADMIN, "sunrise-jdoe", [Role.BILLER, Role.PROVIDER], ports)
    assert member.roles == {Role.BILLER, Role.PROVIDER}
    assert ports.directory.users["sunrise-jdoe"]["groups"] == {"biller", "provider"}
    with pytest.raises(ValidationError):
        service.set_roles(ADMIN, "sunrise-jdoe", [], ports)


def test_set_locations_checks_the_practices_locations(ports):
    invite(ports)
    member = service.set_locations(ADMIN, "sunrise-jdoe", ["loc-b", "loc-a"], ports)
    assert member.locations == ("loc-b", "loc-a")
    assert ports.directory.users["sunrise-jdoe"]["locations"] == ("loc-b", "loc-a")
    with pytest.raises(ValidationError):
        service.set_locations(ADMIN, "sunrise-jdoe", ["loc-z"], ports)
    assert service.set_locations(ADMIN, "sunrise-jdoe", [], ports).locations == ()


def test_stale_index_version_conflicts(ports):
    invite(ports)
    stale = ports.repo.get("sunrise", "sunrise-jdoe")
    service.set_enabled(ADMIN, "sunrise-jdoe", False, ports)
    with pytest.raises(ConflictError):
        ports.repo.save(stale.changed("x", enabled=True), previous_version=1, audit=None)
