"""Cognito adapter of the staff Directory port.

Takes an injected boto3 `cognito-idp` client (created on first use otherwise) and the
user pool id from settings (USER_POOL_ID). Cognito's own messages may echo input, so
errors are mapped by code only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from clinicflow.platform.config import settings
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import LOCATIONS_CLAIM, PRACTICE_CLAIM
from clinicflow.staff.model import DirectoryUser, encode_locations


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class CognitoDirectory:
    """Staff users in the Cognito user pool."""

    def __init__(self, client: Any | None = None, user_pool_id: str | None = None) -> None:
        self._client = client
        self._user_pool_id = user_pool_id

    @property
    def client(self) -> Any:
        """The cognito-idp client (created on first use, so cold starts stay lean)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("cognito-idp", region_name=settings().region)
        return self._client

    @property
    def user_pool_id(self) -> str:
        """The staff user pool."""
        return self._user_pool_id or settings().user_pool_id

    def _call(self, operation: str, username: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.client, operation)(
                UserPoolId=self.user_pool_id, Username=username, **kwargs
            )
        except ClientError as exc:
            if _code(exc) == "UserNotFoundException":
                raise NotFoundError("staff member not found") from exc
            raise
        return response

    def create_user(
        self,
        *,
        username: str,
        email: str,
        name: str,
        practice_id: str,
        locations: Sequence[str],
        temporary_password: str,
        send_invitation: bool,
    ) -> None:
        """AdminCreateUser with the practice attribute; Cognito emails the invitation."""
        attributes = [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": name},
            {"Name": PRACTICE_CLAIM, "Value": practice_id},
        ]
        if locations:
            attributes.append({"Name": LOCATIONS_CLAIM, "Value": encode_locations(locations)})
        delivery: dict[str, Any] = (
            {"DesiredDeliveryMediums": ["EMAIL"]}
            if send_invitation
            else {"MessageAction": "SUPPRESS"}
        )
        try:
            self.client.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=username,
                UserAttributes=attributes,
                TemporaryPassword=temporary_password,
                **delivery,
            )
        except ClientError as exc:
            code = _code(exc)
            if code in {"UsernameExistsException", "AliasExistsException"}:
                raise ConflictError("that username is already taken") from exc
            if code == "InvalidParameterException":
                raise ValidationError(
                    FieldError("email", "was refused by the identity provider")
                ) from exc
            raise

    def get_user(self, username: str) -> DirectoryUser | None:
        """AdminGetUser; None when there is no such user."""
        try:
            response = self._call("admin_get_user", username)
        except NotFoundError:
            return None
        attributes = {a["Name"]: a.get("Value", "") for a in response.get("UserAttributes", [])}
        return DirectoryUser(
            username=str(response.get("Username", username)),
            practice_id=str(attributes.get(PRACTICE_CLAIM, "")),
            enabled=bool(response.get("Enabled", False)),
            status=str(response.get("UserStatus", "")),
        )

    def delete_user(self, username: str) -> None:
        """AdminDeleteUser (only to undo a failed invitation)."""
        try:
            self._call("admin_delete_user", username)
        except NotFoundError:
            return

    def set_enabled(self, username: str, enabled: bool) -> None:
        """AdminEnableUser / AdminDisableUser."""
        self._call("admin_enable_user" if enabled else "admin_disable_user", username)

    def groups_of(self, username: str) -> frozenset[str]:
        """AdminListGroupsForUser (every page)."""
        groups: set[str] = set()
        token: str | None = None
        while True:
            extra = {"NextToken": token} if token else {}
            response = self._call("admin_list_groups_for_user", username, **extra)
            groups.update(str(g["GroupName"]) for g in response.get("Groups", []))
            token = response.get("NextToken")
            if not token:
                return frozenset(groups)

    def add_to_group(self, username: str, group: str) -> None:
        """AdminAddUserToGroup."""
        self._call("admin_add_user_to_group", username, GroupName=group)

    def remove_from_group(self, username: str, group: str) -> None:
        """AdminRemoveUserFromGroup."""
        self._call("admin_remove_user_from_group", username, GroupName=group)

    def set_locations(self, username: str, locations: Sequence[str]) -> None:
        """AdminUpdateUserAttributes (or AdminDeleteUserAttributes when none are left)."""
        if locations:
            self._call(
                "admin_update_user_attributes",
                username,
                UserAttributes=[{"Name": LOCATIONS_CLAIM, "Value": encode_locations(locations)}],
            )
        else:
            self._call(
                "admin_delete_user_attributes", username, UserAttributeNames=[LOCATIONS_CLAIM]
            )
