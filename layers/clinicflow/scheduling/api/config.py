"""Calendar configuration routes (/scheduling/...): rooms, appointment types, weekly
templates, exceptions, closures, the waitlist policy, and slot search.

Admins configure; the front desk also enters exceptions (a provider's sick day); every
staff role reads and searches slots. Configuration holds no PHI.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from clinicflow.platform.http import authorized
from clinicflow.platform.identity import ALL_ROLES, Role
from clinicflow.scheduling.model import (
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    Closure,
    Room,
    WaitlistPolicy,
)
from clinicflow.scheduling.service import availability
from clinicflow.scheduling.service import config as service
from clinicflow.scheduling.service.booking import slot_view
from clinicflow.scheduling.service.ports import ConfigRecord

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

ADMINS = frozenset({Role.ADMIN})
EXCEPTION_ROLES = frozenset({Role.ADMIN, Role.FRONT_DESK})
Body = dict[str, Any]


def _dump(record: ConfigRecord) -> dict[str, Any]:
    data: dict[str, Any] = record.model_dump(mode="json")
    return data


def _list(records: tuple[ConfigRecord, ...], key: str) -> dict[str, Any]:
    return {key: [_dump(r) for r in records]}


@router.get("/scheduling/config", summary="The whole calendar configuration")
def get_config() -> dict[str, Any]:
    """Types, rooms, templates, closures and the waitlist policy, in one answer."""
    caller = authorized(router, ALL_ROLES)
    config = service.get_config(caller)
    return config.model_dump(mode="json")


def _put(kind: type[ConfigRecord], body: Body, ident: str | None = None) -> dict[str, Any]:
    caller = authorized(router, ADMINS)
    version = body.pop("version", None)
    data = {k: v for k, v in body.items()}
    return _dump(
        service.put_record(
            caller,
            kind,
            data,
            record_id=ident,
            expected_version=version if ident is not None else None,
        )
    )


def _delete(kind: type[ConfigRecord], ident: str) -> dict[str, Any]:
    caller = authorized(router, ADMINS)
    return _dump(service.remove_record(caller, kind, ident))


# --- rooms --------------------------------------------------------------------------
@router.get("/scheduling/rooms", summary="Rooms and resources")
def list_rooms() -> dict[str, Any]:
    """Every room and resource of the practice."""
    caller = authorized(router, ALL_ROLES)
    return _list(service.get_config(caller).rooms, "rooms")


@router.post("/scheduling/rooms", summary="Add a room", status_code=201)
def create_room(body: Body) -> dict[str, Any]:
    """Admins add a room or resource at a location."""
    return _put(Room, body)


@router.put("/scheduling/rooms/<room_id>", summary="Replace a room")
def put_room(room_id: str, body: Body) -> dict[str, Any]:
    """Admins change a room (`version`: the one read)."""
    return _put(Room, body, room_id)


@router.delete("/scheduling/rooms/<room_id>", summary="Deactivate a room")
def delete_room(room_id: str) -> dict[str, Any]:
    """Admins deactivate a room (kept for past appointments)."""
    return _delete(Room, room_id)


# --- appointment types --------------------------------------------------------------
@router.get("/scheduling/appointment-types", summary="Appointment types")
def list_types() -> dict[str, Any]:
    """Every appointment type."""
    caller = authorized(router, ALL_ROLES)
    return _list(service.get_config(caller).types, "appointment_types")


@router.post("/scheduling/appointment-types", summary="Add an appointment type", status_code=201)
def create_type(body: Body) -> dict[str, Any]:
    """Admins add a type: duration, colour, buffers, providers, room, eligibility code."""
    return _put(AppointmentType, body)


@router.get("/scheduling/appointment-types/<type_id>", summary="One appointment type")
def get_type(type_id: str) -> dict[str, Any]:
    """One appointment type."""
    caller = authorized(router, ALL_ROLES)
    return _dump(service.get_record(caller, AppointmentType, type_id))


@router.put("/scheduling/appointment-types/<type_id>", summary="Replace an appointment type")
def put_type(type_id: str, body: Body) -> dict[str, Any]:
    """Admins change a type (existing appointments keep their times)."""
    return _put(AppointmentType, body, type_id)


@router.delete("/scheduling/appointment-types/<type_id>", summary="Deactivate a type")
def delete_type(type_id: str) -> dict[str, Any]:
    """Admins deactivate a type (no new bookings)."""
    return _delete(AppointmentType, type_id)


# --- templates and closures ---------------------------------------------------------
@router.get("/scheduling/templates", summary="Weekly availability templates")
def list_templates(
    provider_id: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Templates (optionally of one provider)."""
    caller = authorized(router, ALL_ROLES)
    templates = service.get_config(caller).templates
    chosen = tuple(t for t in templates if provider_id in (None, t.provider_id))
    return _list(chosen, "templates")


@router.post("/scheduling/templates", summary="Add a weekly template", status_code=201)
def create_template(body: Body) -> dict[str, Any]:
    """Admins set a provider's weekly hours (and breaks) at a location from a date."""
    return _put(AvailabilityTemplate, body)


@router.put("/scheduling/templates/<template_id>", summary="Replace a weekly template")
def put_template(template_id: str, body: Body) -> dict[str, Any]:
    """Admins change a template."""
    return _put(AvailabilityTemplate, body, template_id)


@router.delete("/scheduling/templates/<template_id>", summary="Delete a weekly template")
def delete_template(template_id: str) -> dict[str, Any]:
    """Admins delete a template (booked appointments stay)."""
    return _delete(AvailabilityTemplate, template_id)


@router.get("/scheduling/closures", summary="Closures (holidays)")
def list_closures() -> dict[str, Any]:
    """Whole days the practice or a location is closed."""
    caller = authorized(router, ALL_ROLES)
    return _list(service.get_config(caller).closures, "closures")


@router.post("/scheduling/closures", summary="Add a closure", status_code=201)
def create_closure(body: Body) -> dict[str, Any]:
    """Admins close the practice (or one location) on local dates."""
    return _put(Closure, body)


@router.delete("/scheduling/closures/<closure_id>", summary="Delete a closure")
def delete_closure(closure_id: str) -> dict[str, Any]:
    """Admins reopen."""
    return _delete(Closure, closure_id)


@router.put("/scheduling/waitlist-policy", summary="Set the waitlist policy")
def put_policy(body: Body) -> dict[str, Any]:
    """Admins set how long an offer is held and to how many patients at once."""
    caller = authorized(router, ADMINS)
    return _dump(service.put_record(caller, WaitlistPolicy, {**body, "policy_id": "waitlist"}))


# --- exceptions ---------------------------------------------------------------------
@router.get("/scheduling/exceptions", summary="A provider's availability exceptions")
def list_exceptions(
    provider_id: Annotated[str, Query(min_length=1, max_length=40)],
    from_date: Annotated[date, Query()],
    to_date: Annotated[date, Query()],
    location_id: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Time off and extra hours overlapping local days from..to (at most 92), by start."""
    caller = authorized(router, ALL_ROLES)
    found, zone = service.list_exceptions(
        caller,
        provider_id=provider_id,
        first_day=from_date,
        last_day=to_date,
        location_id=location_id,
    )
    return {"time_zone": zone, "exceptions": [exception_view(x, zone) for x in found]}


def exception_view(x: AvailabilityException, zone: str) -> dict[str, Any]:
    """An exception as answered: UTC and the wall clock of `zone`."""
    data: dict[str, Any] = x.model_dump(mode="json")
    data["start_local"] = x.start.astimezone(ZoneInfo(zone)).isoformat()
    data["end_local"] = x.end.astimezone(ZoneInfo(zone)).isoformat()
    return data


@router.post("/scheduling/exceptions", summary="Add an availability exception", status_code=201)
def create_exception(body: Body) -> dict[str, Any]:
    """A provider's time off or one-off extra hours (naive times: the location's clock)."""
    caller = authorized(router, EXCEPTION_ROLES)
    exception = service.add_exception(caller, body)
    data: dict[str, Any] = exception.model_dump(mode="json")
    return data


@router.delete("/scheduling/exceptions/<exception_id>", summary="Delete an exception")
def delete_exception(exception_id: str) -> dict[str, Any]:
    """Remove an exception."""
    caller = authorized(router, EXCEPTION_ROLES)
    data: dict[str, Any] = service.remove_exception(caller, exception_id).model_dump(mode="json")
    return data


# --- slot search --------------------------------------------------------------------
class SlotSearch(BaseModel):
    """Free slots of a type at a location over local dates."""

    type_id: Annotated[str, Field(max_length=40)]
    location_id: Annotated[str, Field(max_length=40)]
    from_date: date
    to_date: date
    provider_ids: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=50)] = []
    step_minutes: int = 15
    limit: Annotated[int, Field(ge=1, le=1000)] = 200


@router.post("/scheduling/slots/search", summary="Search free slots")
def search_slots(body: SlotSearch) -> dict[str, Any]:
    """Slots honouring templates, exceptions, closures, appointments, buffers and rooms."""
    caller = authorized(router, ALL_ROLES)
    result = availability.search_slots(
        caller,
        availability.SlotQuery(
            type_id=body.type_id,
            location_id=body.location_id,
            first_day=body.from_date,
            last_day=body.to_date,
            provider_ids=tuple(body.provider_ids),
            step_minutes=body.step_minutes,
            limit=body.limit,
        ),
    )
    return {
        "time_zone": result.time_zone,
        "providers": result.providers_searched,
        "slots": [slot_view(s, result.time_zone) for s in result.slots],
    }
