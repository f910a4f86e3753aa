"""Staff administration use cases (admins only; the API checks the role).

The practice always comes from the acting admin's token. Every action on a user first
finds them in the practice's staff index and then checks the identity provider's
immutable practice attribute: a user of another practice is "not found" (404).
Ports default to Cognito, the DynamoDB staff index and the practice's locations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import ConflictError, NotFoundError, Problems
from clinicflow.platform.identity import Caller, Role
from clinicflow.staff.model import (
    DirectoryUser,
    InvitationInput,
    StaffMember,
    check_locations,
    check_roles,
    ensure_not_self,
    generate_temporary_password,
)

LocationCatalog = Callable[[str], frozenset[str]]
"""practice id → ids of its active locations."""


class Directory(Protocol):
    """The identity provider holding staff users (Cognito in AWS and locally)."""

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
        """Create the user (ConflictError when the username is taken, in any practice)."""
        ...

    def get_user(self, username: str) -> DirectoryUser | None:
        """The user, or None when there is no such user."""
        ...

    def delete_user(self, username: str) -> None:
        """Remove a user (only to undo a failed invitation)."""
        ...

    def set_enabled(self, username: str, enabled: bool) -> None:
        """Allow or block sign-in."""
        ...

    def groups_of(self, username: str) -> frozenset[str]:
        """The user's group names."""
        ...

    def add_to_group(self, username: str, group: str) -> None:
        """Add the user to a group."""
        ...

    def remove_from_group(self, username: str, group: str) -> None:
        """Remove the user from a group."""
        ...

    def set_locations(self, username: str, locations: Sequence[str]) -> None:
        """Replace the user's locations attribute."""
        ...


class StaffRepository(Protocol):
    """The practice's staff index (PK `<practice>#STAFF`, SK username)."""

    def get(self, practice_id: str, username: str) -> StaffMember | None:
        """One member of the practice's index."""
        ...

    def list_members(self, practice_id: str) -> list[StaffMember]:
        """Every member of the practice's index, by username."""
        ...

    def save(self, member: StaffMember, *, previous_version: int, audit: AuditRecord) -> None:
        """Write the member and the audit record in one transaction, on condition the stored
        version is `previous_version` (0: absent); ConflictError otherwise."""
        ...


class Ports:
    """The staff service's collaborators, defaulting to the deployed adapters."""

    def __init__(
        self,
        directory: Directory | None = None,
        repo: StaffRepository | None = None,
        locations: LocationCatalog | None = None,
    ) -> None:
        self._directory = directory
        self._repo = repo
        self._locations = locations

    @property
    def directory(self) -> Directory:
        """The identity provider (Cognito unless injected)."""
        if self._directory is None:
            from clinicflow.staff.directory import CognitoDirectory

            self._directory = CognitoDirectory()
        return self._directory

    @property
    def repo(self) -> StaffRepository:
        """The staff index (DynamoDB unless injected)."""
        if self._repo is None:
            from clinicflow.staff.store import DynamoStaffStore

            self._repo = DynamoStaffStore()
        return self._repo

    @property
    def locations(self) -> LocationCatalog:
        """The practice's active locations (the practice service unless injected)."""
        if self._locations is None:
            from clinicflow.practice.service import location_ids

            self._locations = location_ids
        return self._locations


def _audit(caller: Caller, action: Action, username: str) -> AuditRecord:
    return AuditRecord.of(caller, action, "staff", username)


def _member(caller: Caller, username: str, ports: Ports) -> StaffMember:
    """The practice's member `username`, verified against the directory; 404 otherwise."""
    member = ports.repo.get(caller.practice_id, username)
    user = ports.directory.get_user(username) if member else None
    if member is None or user is None or user.practice_id != caller.practice_id:
        raise NotFoundError("staff member not found")
    return member


def invite(
    caller: Caller,
    data: InvitationInput,
    ports: Ports,
    *,
    temporary_password: str | None = None,
    send_invitation: bool = True,
) -> StaffMember:
    """Create a user of the caller's practice with one role; Cognito emails the invitation.

    The practice attribute is the admin's own practice. `temporary_password` and
    `send_invitation=False` are for seeding a local stack only.
    """
    member = StaffMember.invite(caller, data, ports.locations(caller.practice_id))
    if ports.repo.get(caller.practice_id, member.username) is not None:
        raise ConflictError("that username is already taken")
    role = next(iter(member.roles))
    ports.directory.create_user(
        username=member.username,
        email=member.email,
        name=member.name,
        practice_id=caller.practice_id,
        locations=member.locations,
        temporary_password=temporary_password or generate_temporary_password(),
        send_invitation=send_invitation,
    )
    try:
        ports.directory.add_to_group(member.username, role.value)
        ports.repo.save(
            member, previous_version=0, audit=_audit(caller, Action.CREATE, member.username)
        )
    except BaseException:
        ports.directory.delete_user(member.username)  # leave no half-invited user behind
        raise
    return member


def list_staff(caller: Caller, ports: Ports) -> list[StaffMember]:
    """Every staff member of the caller's practice, by username."""
    return ports.repo.list_members(caller.practice_id)


def get_staff(caller: Caller, username: str, ports: Ports) -> StaffMember:
    """One member of the caller's practice (404 for users of other practices)."""
    return _member(caller, username, ports)


def set_enabled(caller: Caller, username: str, enabled: bool, ports: Ports) -> StaffMember:
    """Disable (block sign-in) or re-enable a member; admins cannot disable themselves."""
    if not enabled:
        ensure_not_self(caller, username, "disable")
    member = _member(caller, username, ports)
    ports.directory.set_enabled(username, enabled)
    if member.enabled == enabled:
        return member
    changed = member.changed(caller.username, enabled=enabled)
    ports.repo.save(
        changed, previous_version=member.version, audit=_audit(caller, Action.UPDATE, username)
    )
    return changed


def set_roles(caller: Caller, username: str, roles: Sequence[Role], ports: Ports) -> StaffMember:
    """Replace a member's roles (group memberships); admins keep their own admin role."""
    chosen = check_roles(roles)
    if caller.username == username and Role.ADMIN not in chosen:
        raise ConflictError("you cannot remove your own admin role; ask another admin")
    member = _member(caller, username, ports)
    current = ports.directory.groups_of(username) & {r.value for r in Role}
    for role in sorted(chosen):
        if role.value not in current:
            ports.directory.add_to_group(username, role.value)
    for group in sorted(current - {r.value for r in chosen}):
        ports.directory.remove_from_group(username, group)
    changed = member.changed(caller.username, roles=chosen)
    ports.repo.save(
        changed, previous_version=member.version, audit=_audit(caller, Action.UPDATE, username)
    )
    return changed


def set_locations(
    caller: Caller, username: str, locations: Sequence[str], ports: Ports
) -> StaffMember:
    """Replace the locations a member works at (active locations of the practice)."""
    problems = Problems()
    ids = check_locations(problems, "locations", locations, ports.locations(caller.practice_id))
    problems.raise_if_any()
    member = _member(caller, username, ports)
    ports.directory.set_locations(username, ids)
    changed = member.changed(caller.username, locations=ids)
    ports.repo.save(
        changed, previous_version=member.version, audit=_audit(caller, Action.UPDATE, username)
    )
    return changed
