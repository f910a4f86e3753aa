"""Staff rules: invitations, temporary passwords, locations, writable attributes."""

import string
from pathlib import Path

import pytest

from clinicflow.local.template import Template
from clinicflow.platform.errors import ConflictError, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.staff.model import (
    InvitationInput,
    StaffMember,
    admin_writable_attributes,
    check_roles,
    decode_locations,
    default_username,
    encode_locations,
    ensure_not_self,
    generate_temporary_password,
    immutable_attributes,
    self_writable_attributes,
)

ROOT = Path(__file__).resolve().parents[3]
ADMIN = Caller("sunrise-admin", "sunrise", frozenset({Role.ADMIN}))


def test_invitation_takes_the_practice_from_the_admin():
    m = StaffMember.invite(
        ADMIN,
        InvitationInput(
            "Jordan.Doe@example.org", " Jordan  Doe ", Role.BILLER, ("loc-1",), "sunrise-jdoe"
        ),
        frozenset({"loc-1"}),
    )
    assert (m.practice_id, m.username, m.name, m.roles) == (
        "sunrise",
        "sunrise-jdoe",
        "Jordan Doe",
        frozenset({Role.BILLER}),
    )
    assert (m.created_by, m.version, m.enabled) == ("sunrise-admin", 1, True)


def test_invitation_names_every_failing_field():
    bad = InvitationInput("not-an-email", "", Role.BILLER, ("loc-x",), "Bad Name!")
    with pytest.raises(ValidationError) as exc:
        StaffMember.invite(ADMIN, bad, frozenset({"loc-1"}))
    assert [e.field for e in exc.value.errors] == ["email", "name", "username", "locations"]


def test_default_username_comes_from_the_email_with_a_suffix():
    name = default_username("Jordan.Doe+x@example.org")
    assert name.startswith("jordan.doe") and len(name) == len("jordan.doex") + 5
    assert default_username("_@example.org").startswith("u_")
    assert default_username("jo@example.org") != default_username("jo@example.org")


def test_temporary_passwords_meet_the_pool_policy_and_differ():
    policy = Template.from_file(ROOT / "template.yaml").props("UserPool")["Policies"]
    minimum = policy["PasswordPolicy"]["MinimumLength"]
    seen = set()
    for _ in range(200):
        pw = generate_temporary_password()
        assert len(pw) >= minimum
        assert any(c in string.ascii_lowercase for c in pw)
        assert any(c in string.ascii_uppercase for c in pw)
        assert any(c in string.digits for c in pw)
        seen.add(pw)
    assert len(seen) == 200
    with pytest.raises(ValueError):
        generate_temporary_password(8)


def test_locations_round_trip_through_the_attribute():
    assert decode_locations(encode_locations(["loc-a", "loc-b"])) == ("loc-a", "loc-b")
    assert decode_locations("") == ()


def test_locations_must_be_known_distinct_and_few():
    m = StaffMember.invite(
        ADMIN,
        InvitationInput("a@example.org", "A", Role.PROVIDER, ("l1", "l1", "l2")),
        frozenset({"l1", "l2"}),
    )
    assert m.locations == ("l1", "l2")
    many = tuple(f"l{i}" for i in range(51))
    with pytest.raises(ValidationError):
        StaffMember.invite(
            ADMIN, InvitationInput("a@example.org", "A", Role.PROVIDER, many), frozenset(many)
        )


def test_roles_and_self_rules():
    with pytest.raises(ValidationError):
        check_roles([])
    assert check_roles([Role.ADMIN, Role.ADMIN]) == {Role.ADMIN}
    with pytest.raises(ConflictError):
        ensure_not_self(ADMIN, "sunrise-admin", "disable")
    ensure_not_self(ADMIN, "someone-else", "disable")


def test_practice_attribute_is_immutable_and_not_self_writable_in_the_template():
    template = Template.from_file(ROOT / "template.yaml")
    schema = {a["Name"]: a for a in template.props("UserPool")["Schema"]}
    client_writes = set(template.props("PortalClient")["WriteAttributes"])
    assert schema["practice_id"]["Mutable"] is False
    assert "custom:practice_id" in immutable_attributes()
    assert client_writes == self_writable_attributes()
    assert "custom:practice_id" not in client_writes | admin_writable_attributes()
    assert "custom:locations" not in self_writable_attributes()
