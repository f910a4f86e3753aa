"""Who is calling: the staff identity API Gateway's Cognito authorizer verified.

The practice id comes from the token's `custom:practice_id` claim, which users cannot
change (the attribute is immutable and not writable by the app client), never from a
request body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clinicflow.platform.errors import ForbiddenError, UnauthorizedError

PRACTICE_CLAIM = "custom:practice_id"
LOCATIONS_CLAIM = "custom:locations"


class Role(StrEnum):
    """Staff roles; each is a Cognito group of the same name."""

    FRONT_DESK = "front-desk"
    BILLER = "biller"
    PROVIDER = "provider"
    ADMIN = "admin"


ALL_ROLES: frozenset[Role] = frozenset(Role)


@dataclass(frozen=True)
class Caller:
    """An authenticated staff member acting within one practice."""

    username: str
    practice_id: str
    roles: frozenset[Role]
    source_ip: str = ""

    def require(self, allowed: frozenset[Role] | set[Role]) -> None:
        """Raise ForbiddenError unless the caller holds one of the allowed roles."""
        if not self.roles & set(allowed):
            names = ", ".join(sorted(r.value for r in allowed))
            raise ForbiddenError(f"this action needs one of the roles: {names}")

    def has(self, role: Role) -> bool:
        """True when the caller holds the role."""
        return role in self.roles


def parse_groups(raw: Any) -> frozenset[Role]:
    """Parse `cognito:groups` as API Gateway passes it (a string such as "a,b" or "[a b]")."""
    if isinstance(raw, list):
        names = [str(x) for x in raw]
    else:
        text = str(raw or "").strip().strip("[]")
        names = [n for n in text.replace(",", " ").split() if n]
    known = {r.value: r for r in Role}
    return frozenset(known[n] for n in names if n in known)


def caller_from_event(event: Mapping[str, Any]) -> Caller:
    """Build the caller from an API Gateway REST proxy event with Cognito authorizer claims."""
    context = event.get("requestContext") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    practice_id = str(claims.get(PRACTICE_CLAIM) or "")
    username = str(claims.get("cognito:username") or claims.get("sub") or "")
    if not practice_id or not username:
        raise UnauthorizedError("a staff token with a practice is required")
    source_ip = str((context.get("identity") or {}).get("sourceIp") or "")
    return Caller(
        username=username,
        practice_id=practice_id,
        roles=parse_groups(claims.get("cognito:groups")),
        source_ip=source_ip,
    )
