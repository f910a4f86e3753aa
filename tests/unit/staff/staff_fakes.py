"""In-memory fakes of the staff ports (same contract as Cognito and the DynamoDB index)."""

from __future__ import annotations

from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.staff.model import DirectoryUser


class FakeDirectory:
    """A user pool in dicts: username → attributes, enabled flag, groups."""

    def __init__(self):
        self.users = {}
        self.fail_group_add = False
        self.invitations = []

    def create_user(
        self, *, username, email, name, practice_id, locations, temporary_password, send_invitation
    ):
        if username in self.users:
            raise ConflictError("taken")
        self.users[username] = {
            "practice_id": practice_id,
            "enabled": True,
            "groups": set(),
            "locations": tuple(locations),
            "email": email,
            "password": temporary_password,
        }
        if send_invitation:
            self.invitations.append(email)

    def _user(self, username):
        if username not in self.users:
            raise NotFoundError("staff member not found")
        return self.users[username]

    def get_user(self, username):
        u = self.users.get(username)
        if u is None:
            return None
        return DirectoryUser(username, u["practice_id"], u["enabled"], "FORCE_CHANGE_PASSWORD")

    def delete_user(self, username):
        self.users.pop(username, None)

    def set_enabled(self, username, enabled):
        self._user(username)["enabled"] = enabled

    def groups_of(self, username):
        return frozenset(self._user(username)["groups"])

    def add_to_group(self, username, group):
        if self.fail_group_add:
            raise RuntimeError("simulated outage")
        self._user(username)["groups"].add(group)

    def remove_from_group(self, username, group):
        self._user(username)["groups"].discard(group)

    def set_locations(self, username, locations):
        self._user(username)["locations"] = tuple(locations)


class FakeStaffRepo:
    """The staff index in a dict; records every audit record."""

    def __init__(self):
        self.items = {}
        self.audit = []

    def get(self, practice_id, username):
        return self.items.get((practice_id, username))

    def list_members(self, practice_id):
        return [m for (p, _), m in sorted(self.items.items()) if p == practice_id]

    def save(self, member, *, previous_version, audit):
        current = self.items.get((member.practice_id, member.username))
        if (current.version if current else 0) != previous_version:
            raise ConflictError("changed")
        self.items[(member.practice_id, member.username)] = member
        self.audit.append(audit)
