"""functions/staff/app.py with events from events/staff: Cognito in moto, DynamoDB Local."""

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from clinicflow.audit.store import list_records
from clinicflow.local.template import Template
from clinicflow.platform.identity import Caller, Role
from clinicflow.practice.model import AddressInput, LocationInput
from clinicflow.practice.service import create_location
from clinicflow.staff import api as staff_api
from clinicflow.staff.directory import CognitoDirectory
from clinicflow.staff.service import Ports

ROOT = Path(__file__).resolve().parents[2]
E = "staff/"
USER = "sunrise-jdoe"
LOC = "loc-0a1b2c3d4e"  # the location id events/staff use


@pytest.fixture
def cognito(tables, monkeypatch):
    """A moto user pool with template.yaml's schema and groups, wired into the staff API."""
    template = Template.from_file(ROOT / "template.yaml")
    props = template.props("UserPool")
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="us-east-1")
        pool = client.create_user_pool(
            PoolName="staff",
            Schema=props["Schema"],
            AdminCreateUserConfig=props["AdminCreateUserConfig"],
        )
        pool_id = pool["UserPool"]["Id"]
        for _, group in template.of_type("AWS::Cognito::UserPoolGroup"):
            client.create_group(UserPoolId=pool_id, GroupName=group["Properties"]["GroupName"])
        monkeypatch.setattr(staff_api, "ports", Ports(directory=CognitoDirectory(client, pool_id)))
        for practice in ("sunrise", "lakeside"):
            admin = Caller(f"{practice}-admin", practice, frozenset({Role.ADMIN}))
            address = AddressInput("1200 Sunrise Blvd", "Springfield", "IL", "627041234")
            create_location(
                admin,
                LocationInput("Main", address, "America/Chicago", "11"),
                new_id=lambda p=practice: LOC if p == "sunrise" else "loc-lake",
            )
        yield client, pool_id


def attributes(client, pool_id, username):
    user = client.admin_get_user(UserPoolId=pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}, user


def groups(client, pool_id, username):
    found = client.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)
    return {g["GroupName"] for g in found["Groups"]}


def test_invite_creates_a_cognito_user_of_the_admins_practice(invoke, cognito):
    client, pool_id = cognito
    body = {
        "username": USER,
        "email": "jordan.doe@example.org",
        "name": "Jordan Doe",
        "role": "front-desk",
        "locations": [LOC],
        "practice_id": "lakeside",
    }
    res = invoke("staff", E + "invite_staff.json", body=body)
    assert res.status == 201, res.body
    assert res.body["roles"] == ["front-desk"] and res.body["locations"] == [LOC]
    attrs, user = attributes(client, pool_id, USER)
    assert attrs["custom:practice_id"] == "sunrise"  # from the token, not the body
    assert attrs["custom:locations"] == LOC and attrs["email"] == "jordan.doe@example.org"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert groups(client, pool_id, USER) == {"front-desk"}
    listed = invoke("staff", E + "list_staff.json")
    assert [m["username"] for m in listed.body["staff"]] == [USER]
    assert invoke("staff", E + "list_staff.json", practice_id="lakeside").body == {"staff": []}
    records, _ = list_records("sunrise", subject_id=USER)
    assert [(r.action.value, r.resource_type, r.actor) for r in records] == [
        ("create", "staff", "sunrise-admin")
    ]
    again = invoke("staff", E + "invite_staff.json")
    assert again.status == 409


@pytest.mark.parametrize("group", ["front-desk", "biller", "provider", ""])
def test_staff_administration_is_admin_only(invoke, cognito, group):
    for event in (
        "invite_staff.json",
        "list_staff.json",
        "get_staff.json",
        "disable_staff.json",
        "enable_staff.json",
        "put_roles.json",
        "put_locations.json",
    ):
        assert invoke("staff", E + event, groups=group).status == 403, event
    client, pool_id = cognito
    assert client.list_users(UserPoolId=pool_id)["Users"] == []


def test_invite_validation_names_each_field(invoke, cognito):
    body = {"email": "nope", "name": "", "role": "janitor", "locations": []}
    res = invoke("staff", E + "invite_staff.json", body=body)
    assert res.status == 422 and [f["field"] for f in res.body["fields"]] == ["role"]
    body["role"] = "biller"
    body["locations"] = ["loc-lake"]  # another practice's location
    res = invoke("staff", E + "invite_staff.json", body=body)
    assert res.status == 422
    assert [f["field"] for f in res.body["fields"]] == ["email", "name", "locations"]
    client, pool_id = cognito
    assert client.list_users(UserPoolId=pool_id)["Users"] == []


def test_disable_enable_roles_locations(invoke, cognito):
    client, pool_id = cognito
    assert invoke("staff", E + "invite_staff.json").status == 201
    off = invoke("staff", E + "disable_staff.json")
    assert off.status == 200 and off.body["enabled"] is False
    assert attributes(client, pool_id, USER)[1]["Enabled"] is False
    on = invoke("staff", E + "enable_staff.json")
    assert on.status == 200 and on.body["enabled"] is True
    assert attributes(client, pool_id, USER)[1]["Enabled"] is True
    roles = invoke("staff", E + "put_roles.json")
    assert roles.status == 200 and roles.body["roles"] == ["biller", "front-desk"]
    assert groups(client, pool_id, USER) == {"front-desk", "biller"}
    roles = invoke("staff", E + "put_roles.json", body={"roles": ["provider"]})
    assert groups(client, pool_id, USER) == {"provider"}
    assert invoke("staff", E + "put_roles.json", body={"roles": []}).status == 422
    locs = invoke("staff", E + "put_locations.json", body={"locations": []})
    assert locs.status == 200 and locs.body["locations"] == []
    assert "custom:locations" not in attributes(client, pool_id, USER)[0]
    bad = invoke("staff", E + "put_locations.json", body={"locations": ["loc-lake"]})
    assert bad.status == 422 and bad.body["fields"][0]["field"] == "locations"
    got = invoke("staff", E + "get_staff.json")
    assert got.status == 200 and got.body["version"] == 6
    records, _ = list_records("sunrise", subject_id=USER)
    assert len(records) == 6


def test_an_admin_cannot_touch_a_user_of_another_practice(invoke, cognito):
    client, pool_id = cognito
    lake = {
        "username": "lake-sam",
        "email": "sam@example.org",
        "name": "Sam Lake",
        "role": "biller",
        "locations": ["loc-lake"],
    }
    res = invoke(
        "staff",
        E + "invite_staff.json",
        body=lake,
        practice_id="lakeside",
        username="lakeside-admin",
    )
    assert res.status == 201, res.body
    path = {"username": "lake-sam"}
    for event in (
        "get_staff.json",
        "disable_staff.json",
        "enable_staff.json",
        "put_roles.json",
        "put_locations.json",
    ):
        assert invoke("staff", E + event, path=path).status == 404, event
    attrs, user = attributes(client, pool_id, "lake-sam")
    assert user["Enabled"] is True and attrs["custom:locations"] == "loc-lake"
    assert groups(client, pool_id, "lake-sam") == {"biller"}
    # A username of another practice is taken (usernames are pool-wide) but not revealed.
    clash = invoke("staff", E + "invite_staff.json", body={**lake, "locations": []})
    assert clash.status == 409 and "lake" not in clash.body["message"]
    assert invoke("staff", E + "list_staff.json").body == {"staff": []}


def test_an_admin_cannot_disable_themself_or_drop_their_admin_role(invoke, cognito):
    me = {"username": "sunrise-admin"}
    res = invoke("staff", E + "disable_staff.json", path=me)
    assert res.status == 409
    res = invoke("staff", E + "put_roles.json", path=me, body={"roles": ["biller"]})
    assert res.status == 409


def test_unknown_user_is_404(invoke, cognito):
    assert invoke("staff", E + "get_staff.json", path={"username": "ghost"}).status == 404
    assert invoke("staff", E + "disable_staff.json", path={"username": "ghost"}).status == 404
