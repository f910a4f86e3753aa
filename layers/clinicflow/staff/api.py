"""HTTP routes of staff administration (admins only).

The invited user's practice is the admin's own, from the token; a body never chooses it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from clinicflow.platform.http import authorized
from clinicflow.platform.idempotency import idempotent
from clinicflow.platform.identity import Caller, Role
from clinicflow.staff import service
from clinicflow.staff.model import InvitationInput, StaffMember

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

ADMINS = frozenset({Role.ADMIN})

# Replaced in tests; the deployed defaults are Cognito, DynamoDB and the practice service.
ports = service.Ports()

LocationIds = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)]


class InviteBody(BaseModel):
    """POST /staff: who to invite, with one role. `username` defaults from the email."""

    email: Annotated[str, Field(max_length=254)]
    name: Annotated[str, Field(max_length=100)]
    role: Role
    locations: LocationIds = []
    username: Annotated[str, Field(max_length=64)] = ""


class RolesBody(BaseModel):
    """PUT /staff/{username}/roles: the complete new set of roles."""

    roles: Annotated[list[Role], Field(min_length=1, max_length=4)]


class LocationsBody(BaseModel):
    """PUT /staff/{username}/locations: the complete new set of location ids."""

    locations: LocationIds


class StaffOut(BaseModel):
    """A staff member of the practice."""

    username: str
    email: str
    name: str
    roles: list[Role]
    locations: list[str]
    enabled: bool
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, m: StaffMember) -> StaffOut:
        """The response form of a member."""
        return cls(
            username=m.username,
            email=m.email,
            name=m.name,
            roles=sorted(m.roles),
            locations=list(m.locations),
            enabled=m.enabled,
            version=m.version,
            created_at=m.created_at,
            created_by=m.created_by,
            updated_at=m.updated_at,
            updated_by=m.updated_by,
        )


class StaffList(BaseModel):
    """The practice's staff."""

    staff: list[StaffOut]


def _admin() -> Caller:
    caller = authorized(router, ADMINS)
    return caller


@router.post("/staff", summary="Invite a staff member", status_code=201, middlewares=[idempotent])
def invite(body: InviteBody) -> StaffOut:
    """Create a user of the admin's practice; Cognito emails a temporary password."""
    caller = _admin()
    data = InvitationInput(
        email=body.email,
        name=body.name,
        role=body.role,
        locations=tuple(body.locations),
        username=body.username,
    )
    return StaffOut.of(service.invite(caller, data, ports))


@router.get("/staff", summary="The practice's staff")
def list_staff() -> StaffList:
    """Every staff member of the admin's practice."""
    caller = _admin()
    return StaffList(staff=[StaffOut.of(m) for m in service.list_staff(caller, ports)])


@router.get("/staff/<username>", summary="One staff member")
def get_staff(username: str) -> StaffOut:
    """One staff member (404 for users of other practices)."""
    return StaffOut.of(service.get_staff(_admin(), username, ports))


@router.post("/staff/<username>/disable", summary="Disable a staff member")
def disable(username: str) -> StaffOut:
    """Block sign-in (an admin cannot disable themself)."""
    return StaffOut.of(service.set_enabled(_admin(), username, False, ports))


@router.post("/staff/<username>/enable", summary="Re-enable a staff member")
def enable(username: str) -> StaffOut:
    """Allow sign-in again."""
    return StaffOut.of(service.set_enabled(_admin(), username, True, ports))


@router.put("/staff/<username>/roles", summary="Replace a staff member's roles")
def put_roles(username: str, body: RolesBody) -> StaffOut:
    """Replace group memberships (an admin keeps their own admin role)."""
    return StaffOut.of(service.set_roles(_admin(), username, body.roles, ports))


@router.put("/staff/<username>/locations", summary="Replace a staff member's locations")
def put_locations(username: str, body: LocationsBody) -> StaffOut:
    """Replace the locations the member works at."""
    return StaffOut.of(service.set_locations(_admin(), username, body.locations, ports))
