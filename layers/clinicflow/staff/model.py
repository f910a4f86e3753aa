"""Staff members: pure domain rules (no AWS, no storage).

A staff member is a Cognito user of the practice's user pool. Their practice is the
immutable `custom:practice_id` attribute, set once at invitation from the inviting
admin's own token; their roles are Cognito groups; their locations are the
`custom:locations` attribute (comma-separated location ids).
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from clinicflow.platform.errors import ConflictError, Problems
from clinicflow.platform.identity import LOCATIONS_CLAIM, PRACTICE_CLAIM, Caller, Role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_LOCATIONS = 50
MAX_LOCATIONS_CHARS = 2048  # Cognito's limit on a custom string attribute


def self_writable_attributes() -> frozenset[str]:
    """Attributes a signed-in user may change on themself (the portal client's WriteAttributes).

    `custom:practice_id` is never among them: it is immutable in the pool schema
    (`Mutable: false`, so not even an admin can change it after creation) and absent from
    the app client's WriteAttributes, so UpdateUserAttributes on it fails.
    `custom:locations` is admin-only too: users must not widen their own access.
    """
    return frozenset({"name"})


def admin_writable_attributes() -> frozenset[str]:
    """Attributes this application changes with admin APIs after creating a user."""
    return frozenset({"name", LOCATIONS_CLAIM})


def immutable_attributes() -> frozenset[str]:
    """Attributes set once at creation and never changed (pool schema `Mutable: false`)."""
    return frozenset({PRACTICE_CLAIM})


def generate_temporary_password(length: int = 20) -> str:
    """A one-time password meeting the pool policy (12+ chars, upper, lower, digit).

    Cognito emails it with the invitation and forces a change at first sign-in.
    """
    if length < 12:
        raise ValueError("temporary passwords are at least 12 characters")
    rng = secrets.SystemRandom()
    symbols = "!#%*+-=?@_"
    classes = [string.ascii_lowercase, string.ascii_uppercase, string.digits, symbols]
    chars = [secrets.choice(c) for c in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


def encode_locations(location_ids: Iterable[str]) -> str:
    """The `custom:locations` attribute value: comma-separated location ids."""
    return ",".join(location_ids)


def decode_locations(value: str) -> tuple[str, ...]:
    """Location ids of a `custom:locations` attribute value."""
    return tuple(part for part in (p.strip() for p in value.split(",")) if part)


def check_locations(
    problems: Problems, path: str, location_ids: Iterable[str], known: frozenset[str]
) -> tuple[str, ...]:
    """Distinct location ids, each an active location of the practice."""
    ids = tuple(dict.fromkeys(i.strip() for i in location_ids))
    if len(ids) > MAX_LOCATIONS or len(encode_locations(ids)) > MAX_LOCATIONS_CHARS:
        problems.add(path, f"at most {MAX_LOCATIONS} locations")
    elif any(i not in known for i in ids):
        problems.add(path, "every location must be an active location of the practice")
    return ids


@dataclass(frozen=True)
class InvitationInput:
    """An invitation as submitted (POST /staff). `username` defaults from the email."""

    email: str
    name: str
    role: Role
    locations: tuple[str, ...] = ()
    username: str = ""


@dataclass(frozen=True)
class StaffMember:
    """A staff member of one practice, as the practice's staff index records them."""

    practice_id: str
    username: str
    email: str
    name: str
    roles: frozenset[Role]
    locations: tuple[str, ...] = ()
    enabled: bool = True
    version: int = 1
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    created_by: str = ""
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_by: str = ""

    @classmethod
    def invite(
        cls, caller: Caller, data: InvitationInput, known_locations: frozenset[str]
    ) -> StaffMember:
        """A new member of the caller's practice, or ValidationError naming each field."""
        problems = Problems()
        email = data.email.strip()
        if len(email) > 254 or not _EMAIL.match(email):
            problems.add("email", "must be an email address")
        name = " ".join(data.name.split())
        if not name or len(name) > 100:
            problems.add("name", "must be 1 to 100 characters")
        username = data.username.strip() or default_username(email)
        if not USERNAME.match(username):
            problems.add("username", "must be 3-64 lowercase letters, digits, '.', '_' or '-'")
        locations = check_locations(problems, "locations", data.locations, known_locations)
        problems.raise_if_any()
        return cls(
            practice_id=caller.practice_id,
            username=username,
            email=email,
            name=name,
            roles=frozenset({data.role}),
            locations=locations,
            created_by=caller.username,
            updated_by=caller.username,
        )

    def changed(
        self,
        actor: str,
        *,
        enabled: bool | None = None,
        roles: frozenset[Role] | None = None,
        locations: tuple[str, ...] | None = None,
    ) -> StaffMember:
        """This member with the given changes, one version later."""
        return replace(
            self,
            enabled=self.enabled if enabled is None else enabled,
            roles=self.roles if roles is None else roles,
            locations=self.locations if locations is None else locations,
            version=self.version + 1,
            updated_at=datetime.now(UTC),
            updated_by=actor,
        )


def default_username(email: str) -> str:
    """A username from an email's local part plus a random suffix (usernames are pool-wide)."""
    local = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower())[:40] or "user"
    if not local[0].isalnum():
        local = f"u{local}"
    return f"{local}-{secrets.token_hex(2)}"


def check_roles(roles: Iterable[Role]) -> frozenset[Role]:
    """A non-empty role set (ValidationError on `roles` otherwise)."""
    chosen = frozenset(roles)
    problems = Problems()
    if not chosen:
        problems.add("roles", "give at least one role")
    problems.raise_if_any()
    return chosen


def ensure_not_self(caller: Caller, username: str, action: str) -> None:
    """Refuse an admin locking themself out (ConflictError)."""
    if caller.username == username:
        raise ConflictError(f"you cannot {action} your own account; ask another admin")


@dataclass(frozen=True)
class DirectoryUser:
    """What the identity provider knows of a user, read to verify their practice."""

    username: str
    practice_id: str
    enabled: bool
    status: str
