"""The Cognito adapter against moto's Cognito, with the pool schema read from template.yaml."""

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from clinicflow.local.template import Template
from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.staff.directory import CognitoDirectory

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def directory():
    props = Template.from_file(ROOT / "template.yaml").props("UserPool")
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="us-east-1")
        pool = client.create_user_pool(PoolName="staff", Schema=props["Schema"])["UserPool"]["Id"]
        for group in ("front-desk", "biller", "provider", "admin"):
            client.create_group(UserPoolId=pool, GroupName=group)
        yield CognitoDirectory(client, pool)


def create(directory, username="sunrise-jdoe", locations=("loc-a",)):
    directory.create_user(
        username=username,
        email="jordan.doe@example.org",
        name="Jordan Doe",
        practice_id="sunrise",
        locations=locations,
        temporary_password="Temp-Password-123",
        send_invitation=True,
    )


def test_create_and_read_back_the_practice(directory):
    create(directory)
    user = directory.get_user("sunrise-jdoe")
    assert (user.practice_id, user.enabled, user.status) == (
        "sunrise",
        True,
        "FORCE_CHANGE_PASSWORD",
    )
    attrs = {
        a["Name"]: a["Value"]
        for a in directory.client.admin_get_user(
            UserPoolId=directory.user_pool_id, Username="sunrise-jdoe"
        )["UserAttributes"]
    }
    assert attrs["custom:locations"] == "loc-a" and attrs["email"] == "jordan.doe@example.org"
    assert directory.get_user("nobody") is None


def test_taken_username_is_a_conflict(directory):
    create(directory)
    with pytest.raises(ConflictError):
        create(directory)


def test_groups_enable_and_locations(directory):
    create(directory, locations=())
    directory.add_to_group("sunrise-jdoe", "biller")
    directory.add_to_group("sunrise-jdoe", "provider")
    directory.remove_from_group("sunrise-jdoe", "biller")
    assert directory.groups_of("sunrise-jdoe") == {"provider"}
    directory.set_enabled("sunrise-jdoe", False)
    assert not directory.get_user("sunrise-jdoe").enabled
    directory.set_enabled("sunrise-jdoe", True)
    assert directory.get_user("sunrise-jdoe").enabled
    directory.set_locations("sunrise-jdoe", ["loc-a", "loc-b"])
    directory.set_locations("sunrise-jdoe", [])
    attrs = {
        a["Name"]
        for a in directory.client.admin_get_user(
            UserPoolId=directory.user_pool_id, Username="sunrise-jdoe"
        )["UserAttributes"]
    }
    assert "custom:locations" not in attrs


def test_missing_user_is_not_found_and_delete_is_idempotent(directory):
    with pytest.raises(NotFoundError):
        directory.set_enabled("nobody", False)
    create(directory)
    directory.delete_user("sunrise-jdoe")
    directory.delete_user("sunrise-jdoe")
    assert directory.get_user("sunrise-jdoe") is None
