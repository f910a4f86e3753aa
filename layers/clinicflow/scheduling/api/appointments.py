"""Appointment routes: book, read, calendar, reschedule, cancel, status; series; waitlist.

Every response names a patient, so every read and write is audited (services do it).
Overbooking (`overbook: true`) is for admins and the front desk, and is recorded.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from clinicflow.platform.http import authorized
from clinicflow.platform.idempotency import idempotent
from clinicflow.platform.identity import ALL_ROLES, Role
from clinicflow.scheduling.api.views import (
    appointment_view,
    occurrence_view,
    offer_view,
    series_view,
)
from clinicflow.scheduling.model import CancelReason, Recurrence, Scope, Status
from clinicflow.scheduling.service import booking, series, waitlist

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

BOOKERS = frozenset({Role.FRONT_DESK, Role.ADMIN, Role.PROVIDER})
Ref = Annotated[str, Field(min_length=1, max_length=60)]


class BookBody(BaseModel):
    """A booking. `start` with an offset, or without one in the location's wall clock."""

    patient_id: Ref
    provider_id: Ref
    location_id: Ref
    type_id: Ref
    start: datetime
    room_id: Ref | None = None
    overbook: bool = False


class RescheduleBody(BaseModel):
    """A move: new start (and optionally length, provider, location, room)."""

    start: datetime
    duration_minutes: Annotated[
        int | None,
        Field(ge=5, le=480, multiple_of=5, description="New length; omitted: keep the length"),
    ] = None
    provider_id: Ref | None = None
    location_id: Ref | None = None
    room_id: Ref | None = None
    overbook: bool = False
    version: int | None = None


class CancelBody(BaseModel):
    """A cancellation with its reason code (and an optional short note)."""

    reason: CancelReason
    note: Annotated[str, Field(max_length=200)] = ""
    version: int | None = None


class StatusBody(BaseModel):
    """A status change: confirmed, checked_in, roomed, seen, checked_out, no_show."""

    status: Status
    version: int | None = None


class SeriesBody(BookBody):
    """A recurring booking."""

    recurrence: Recurrence


class SeriesCancelBody(BaseModel):
    """Cancel one occurrence, this and the following ones, or all."""

    scope: Scope
    occurrence: Annotated[int, Field(ge=1, le=52)] = 1
    reason: CancelReason = CancelReason.PATIENT_REQUEST


class SeriesMoveBody(BaseModel):
    """Move occurrences to a new local time of day and/or by whole days."""

    scope: Scope
    occurrence: Annotated[int, Field(ge=1, le=52)] = 1
    new_time: time | None = None
    shift_days: Annotated[int, Field(ge=-28, le=28)] = 0
    provider_id: Ref | None = None


class WaitBody(BaseModel):
    """A patient waiting for an earlier slot."""

    patient_id: Ref
    type_id: Ref
    location_id: Ref
    provider_ids: Annotated[list[Ref], Field(max_length=20)] = []
    earliest: date
    latest: date
    replaces_appointment_id: Ref | None = Field(
        default=None, description="The later appointment the patient holds and would give up"
    )


class OfferAnswer(BaseModel):
    """Which waiting entry answers the offer (and the later appointment it replaces, if any)."""

    entry_id: Ref
    replaces_appointment_id: Ref | None = None


@router.post(
    "/appointments", summary="Book an appointment", status_code=201, middlewares=[idempotent]
)
def book(body: BookBody) -> dict[str, Any]:
    """Book (409 with `nearest_slots` when taken). `Idempotency-Key` makes retries safe."""
    caller = authorized(router, BOOKERS)
    appointment = booking.book(
        caller,
        booking.BookingRequest(
            patient_id=body.patient_id,
            provider_id=body.provider_id,
            location_id=body.location_id,
            type_id=body.type_id,
            start=body.start,
            room_id=body.room_id,
            overbook=body.overbook,
        ),
    )
    return appointment_view(appointment)


@router.get("/appointments", summary="Calendar: appointments over local dates")
def list_appointments(
    location_id: Annotated[str, Query(max_length=40)],
    from_date: Annotated[date, Query()],
    to_date: Annotated[date | None, Query()] = None,
    provider_id: Annotated[str | None, Query(max_length=40)] = None,
    include_cancelled: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    """A location's (or one provider's) appointments, local days from..to (at most 31)."""
    caller = authorized(router, ALL_ROLES)
    found, zone = booking.list_appointments(
        caller,
        location_id=location_id,
        first_day=from_date,
        last_day=to_date or from_date,
        provider_id=provider_id,
        include_cancelled=include_cancelled,
    )
    return {"time_zone": zone, "appointments": [appointment_view(a) for a in found]}


@router.get("/appointments/<appointment_id>", summary="One appointment")
def get_appointment(appointment_id: str) -> dict[str, Any]:
    """One appointment with its status history and wait times."""
    caller = authorized(router, ALL_ROLES)
    return appointment_view(booking.get_appointment(caller, appointment_id))


@router.post("/appointments/<appointment_id>/reschedule", summary="Reschedule")
def reschedule(appointment_id: str, body: RescheduleBody) -> dict[str, Any]:
    """Move or resize; old locks released and new ones taken in one transaction."""
    caller = authorized(router, BOOKERS)
    moved = booking.reschedule(
        caller,
        appointment_id,
        start=body.start,
        provider_id=body.provider_id,
        location_id=body.location_id,
        room_id=body.room_id,
        overbook=body.overbook,
        expected_version=body.version,
        duration_minutes=body.duration_minutes,
    )
    return appointment_view(moved)


@router.post("/appointments/<appointment_id>/cancel", summary="Cancel")
def cancel(appointment_id: str, body: CancelBody) -> dict[str, Any]:
    """Cancel with a reason; the freed slot is offered to the waitlist."""
    caller = authorized(router, BOOKERS)
    cancelled = booking.cancel(
        caller, appointment_id, reason=body.reason, note=body.note, expected_version=body.version
    )
    return appointment_view(cancelled)


@router.post("/appointments/<appointment_id>/status", summary="Change status")
def change_status(appointment_id: str, body: StatusBody) -> dict[str, Any]:
    """Confirm, check in, room, see, check out or no-show (illegal moves: 409)."""
    caller = authorized(router, BOOKERS)
    changed = booking.change_status(
        caller, appointment_id, body.status, expected_version=body.version
    )
    return appointment_view(changed)


# --- series -------------------------------------------------------------------------
@router.post("/appointment-series", summary="Book a recurring series", status_code=201)
def book_series(body: SeriesBody) -> dict[str, Any]:
    """Book every occurrence; the answer reports each (booked, or what it conflicts with)."""
    caller = authorized(router, BOOKERS)
    created, results = series.book_series(
        caller,
        series.SeriesRequest(
            patient_id=body.patient_id,
            provider_id=body.provider_id,
            location_id=body.location_id,
            type_id=body.type_id,
            first_start=body.start,
            recurrence=body.recurrence,
            room_id=body.room_id,
            overbook=body.overbook,
        ),
    )
    return {
        "series": series_view(created),
        "occurrences": [occurrence_view(r, created.time_zone) for r in results],
    }


@router.get("/appointment-series/<series_id>", summary="One series")
def get_series(series_id: str) -> dict[str, Any]:
    """The series and its appointments."""
    caller = authorized(router, ALL_ROLES)
    found, appointments = series.get_series(caller, series_id)
    return {
        "series": series_view(found),
        "appointments": [appointment_view(a) for a in appointments],
    }


@router.post("/appointment-series/<series_id>/cancel", summary="Cancel occurrences")
def cancel_series(series_id: str, body: SeriesCancelBody) -> dict[str, Any]:
    """Cancel one, this-and-following, or all occurrences."""
    caller = authorized(router, BOOKERS)
    results = series.cancel_series(
        caller, series_id, scope=body.scope, occurrence=body.occurrence, reason=body.reason
    )
    found, _ = series.get_series(caller, series_id)
    return {"occurrences": [occurrence_view(r, found.time_zone) for r in results]}


@router.post("/appointment-series/<series_id>/reschedule", summary="Move occurrences")
def reschedule_series(series_id: str, body: SeriesMoveBody) -> dict[str, Any]:
    """Move one, this-and-following, or all occurrences; each reports its outcome."""
    caller = authorized(router, BOOKERS)
    results = series.reschedule_series(
        caller,
        series_id,
        scope=body.scope,
        occurrence=body.occurrence,
        new_time=body.new_time,
        shift_days=body.shift_days,
        provider_id=body.provider_id,
    )
    found, _ = series.get_series(caller, series_id)
    return {"occurrences": [occurrence_view(r, found.time_zone) for r in results]}


# --- waitlist -----------------------------------------------------------------------
@router.post("/waitlist", summary="Add a patient to the waitlist", status_code=201)
def add_to_waitlist(body: WaitBody) -> dict[str, Any]:
    """The patient waits for a slot of a type at a location within a date window."""
    caller = authorized(router, BOOKERS)
    entry = waitlist.add_entry(caller, body.model_dump(mode="json"))
    data: dict[str, Any] = entry.model_dump(mode="json")
    return data


@router.get("/waitlist", summary="Patients waiting")
def list_waitlist() -> dict[str, Any]:
    """Entries still waiting, oldest first."""
    caller = authorized(router, ALL_ROLES)
    return {"entries": [e.model_dump(mode="json") for e in waitlist.list_entries(caller)]}


@router.delete("/waitlist/<entry_id>", summary="Remove from the waitlist")
def remove_from_waitlist(entry_id: str) -> dict[str, Any]:
    """Take a patient off the waitlist."""
    caller = authorized(router, BOOKERS)
    data: dict[str, Any] = waitlist.remove_entry(caller, entry_id).model_dump(mode="json")
    return data


@router.get("/waitlist/offers", summary="Offers of freed slots")
def list_offers() -> dict[str, Any]:
    """Recent offers (expired holds are closed and re-offered first)."""
    caller = authorized(router, ALL_ROLES)
    return {"offers": [offer_view(v) for v in waitlist.list_offers(caller)]}


@router.post("/waitlist/offers/<offer_id>/accept", summary="Accept an offer")
def accept_offer(offer_id: str, body: OfferAnswer) -> dict[str, Any]:
    """Book the offered slot (409 `slot_gone` or `offer_expired` when too late).

    A later appointment the patient holds (named on the entry or here) is cancelled in the
    same transaction: never both held, never neither.
    """
    caller = authorized(router, BOOKERS)
    appointment = waitlist.accept_offer(
        caller, offer_id, body.entry_id, replaces_appointment_id=body.replaces_appointment_id
    )
    return appointment_view(appointment)


@router.post("/waitlist/offers/<offer_id>/decline", summary="Decline an offer")
def decline_offer(offer_id: str, body: OfferAnswer) -> dict[str, Any]:
    """Record a refusal (the next patient is offered when everyone in the round declined)."""
    caller = authorized(router, BOOKERS)
    data: dict[str, Any] = waitlist.decline_offer(caller, offer_id, body.entry_id).model_dump(
        mode="json"
    )
    return data
