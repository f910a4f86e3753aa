"""Appointment use cases: book, reschedule, cancel, status changes, reads.

A booking reads the configuration, the provider, the location and the provider's calendar
(to refuse time outside working hours and to answer conflicts helpfully), then writes
once: one TransactWriteItems holding the appointment, one lock item per 5-minute block of
the provider (and room), buffers included, a check that the patient is active, and the
audit record. The lock conditions, not these reads, are what make double booking
impossible; a lost race answers 409 with the nearest free slots.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import FieldError, NotFoundError, Problems, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.scheduling.model import (
    BLOCK_MINUTES,
    MOVABLE,
    Appointment,
    AppointmentExistsError,
    AppointmentType,
    CancelReason,
    InvalidTransitionError,
    Offer,
    SchedulingConfig,
    Slot,
    SlotTakenError,
    StaleAppointmentError,
    Status,
    StatusChange,
    nearest,
    overlaps,
    room_timelines,
    within,
    working_intervals,
)
from clinicflow.scheduling.service.availability import active_location, active_type, slots_for
from clinicflow.scheduling.service.ports import (
    LocationFacts,
    Ports,
    ProviderFacts,
    default_ports,
    utc_now,
)

logger = logging.getLogger("clinicflow.scheduling")
RESOURCE = "appointment"
OVERBOOK_ROLES = frozenset({Role.ADMIN, Role.FRONT_DESK})
MAX_LIST_DAYS = 31
_ROOM_ATTEMPTS = 3


@dataclass(frozen=True)
class BookingRequest:
    """A booking as asked: naive `start` is wall-clock time at the location."""

    patient_id: str
    provider_id: str
    location_id: str
    type_id: str
    start: datetime
    room_id: str | None = None
    overbook: bool = False
    appointment_id: str | None = None
    series_id: str | None = None
    occurrence: int | None = None


@dataclass(frozen=True)
class Plan:
    """A checked booking: what to write, and what the check found."""

    kind: AppointmentType
    location: LocationFacts
    provider: ProviderFacts
    start: datetime
    end: datetime
    room_id: str | None
    overbook: bool
    auto_room: bool


def new_appointment_id() -> str:
    """A new appointment id (`appt-` + 20 hex digits)."""
    return f"appt-{uuid.uuid4().hex[:20]}"


def _local(moment: datetime, location: LocationFacts) -> str:
    return moment.astimezone(location.zone).strftime("%a %d %b %Y %H:%M")


def _as_utc(start: datetime, location: LocationFacts, field: str = "start") -> datetime:
    aware = start if start.tzinfo else start.replace(tzinfo=location.zone)
    utc = aware.astimezone(UTC)
    if utc.second or utc.microsecond or utc.minute % BLOCK_MINUTES:
        raise ValidationError(FieldError(field, "must be on a 5-minute boundary"))
    return utc


def _provider(ports: Ports, caller: Caller, provider_id: str) -> ProviderFacts:
    try:
        provider = ports.directory.provider(caller.practice_id, provider_id)
    except NotFoundError:
        raise ValidationError(FieldError("provider_id", "no such provider")) from None
    if not provider.active:
        raise ValidationError(FieldError("provider_id", "the provider is not active"))
    return provider


def slot_view(slot: Slot, zone_name: str) -> dict[str, object]:
    """A slot as answered: UTC and the location's wall clock."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)
    return {
        "provider_id": slot.provider_id,
        "location_id": slot.location_id,
        "type_id": slot.type_id,
        "room_id": slot.room_id,
        "start": slot.start.isoformat().replace("+00:00", "Z"),
        "end": slot.end.isoformat().replace("+00:00", "Z"),
        "start_local": slot.start.astimezone(zone).isoformat(),
        "end_local": slot.end.astimezone(zone).isoformat(),
        "time_zone": zone_name,
    }


def _nearest_free(
    ports: Ports, caller: Caller, config: SchedulingConfig, plan: Plan, now: datetime
) -> list[Slot]:
    """The 5 free slots nearest the time asked, within 3 days before and 7 after.

    The day itself is searched first, then the day before to the day after, then the whole
    range, each only when the smaller window does not hold 5 slots nearer than anything
    outside it could be (same answer, a fraction of the reads: a refused booking stays cheap).
    """
    from clinicflow.scheduling.model.slots import local_midnight

    zone = plan.location.zone
    local_day = plan.start.astimezone(zone).date()
    today = now.astimezone(zone).date()
    best: list[Slot] = []
    for before, after in ((0, 0), (1, 1), (3, 7)):
        first = max(local_day - timedelta(days=before), today)
        last = local_day + timedelta(days=after)
        if first > last:  # the window is wholly in the past: nothing there is free
            continue
        found = slots_for(
            ports,
            caller.practice_id,
            config=config,
            kind=plan.kind,
            location=plan.location,
            provider_ids=[plan.provider.provider_id],
            first_day=first,
            last_day=last,
            step_minutes=15,
            not_before=now,
            limit=2000,
        )
        best = nearest(found, plan.start, 5)
        # Nothing outside [first, last] is nearer than `reach` (nothing is free before now).
        reach = local_midnight(last + timedelta(days=1), zone) - plan.start
        if first > today:
            reach = min(reach, plan.start - local_midnight(first, zone))
        if len(best) == 5 and all(abs(s.start - plan.start) < reach for s in best):
            break
    return best


def _taken(
    ports: Ports,
    caller: Caller,
    config: SchedulingConfig,
    plan: Plan,
    *,
    resource: str,
    now: datetime,
) -> SlotTakenError:
    """A 409 a receptionist understands, with the nearest free slots."""
    when = _local(plan.start, plan.location)
    reason = {
        "provider": f"{plan.provider.name} is already booked at {when} "
        "(including preparation and wrap-up time)",
        "room": f"no room is free at {plan.location.name} at {when}",
        "hours": f"{plan.provider.name} is not working at {plan.location.name} at {when}",
    }[resource]
    slots = _nearest_free(ports, caller, config, plan, now)
    if slots:
        times = ", ".join(_local(s.start, plan.location) for s in slots)
        message = f"That time can't be booked: {reason}. Nearest free times: {times}."
    else:
        message = f"That time can't be booked: {reason}. No free time in the next week."
    return SlotTakenError(
        resource,
        message,
        details={"nearest_slots": [slot_view(s, plan.location.time_zone) for s in slots]},
    )


def plan_booking(
    ports: Ports,
    caller: Caller,
    config: SchedulingConfig,
    *,
    provider_id: str,
    location_id: str,
    type_id: str,
    start: datetime,
    room_id: str | None,
    overbook: bool,
    now: datetime,
    moving: str | None = None,
    duration_minutes: int | None = None,
) -> Plan:
    """Check a booking against types, providers, hours, appointments and rooms.

    Refusals are 422 (bad input) or 409 (time not free, with nearest slots). With
    `overbook`, a conflict is accepted and the plan is marked as an overbook. A
    `duration_minutes` other than the type's (a resized visit) keeps the type's buffers.
    """
    if overbook and not caller.roles & OVERBOOK_ROLES:
        raise ValidationError(FieldError("overbook", "your role may not overbook"))
    kind = active_type(config, type_id)
    location = active_location(ports, caller.practice_id, location_id)
    provider = _provider(ports, caller, provider_id)
    problems = Problems()
    if location_id not in provider.location_ids:
        problems.add("location_id", "the provider does not work at this location")
    if not kind.allows(provider_id):
        problems.add("type_id", "this provider does not take this appointment type")
    if room_id is not None:
        room = config.room(room_id)
        if room is None or not room.active or room.location_id != location_id:
            problems.add("room_id", "no active room with this id at the location")
    problems.raise_if_any()
    if duration_minutes is not None and duration_minutes != kind.duration_minutes:
        kind.check_length(duration_minutes, with_room=kind.needs_room or room_id is not None)
        # This visit's length: nearest free slots are then searched at that length too.
        kind = kind.model_copy(update={"duration_minutes": duration_minutes})
    start = _as_utc(start, location)
    end = start + timedelta(minutes=kind.duration_minutes)
    footprint = (
        start - timedelta(minutes=kind.buffer_before_minutes),
        end + timedelta(minutes=kind.buffer_after_minutes),
    )
    plan = Plan(kind, location, provider, start, end, room_id, False, False)
    calendar = ports.store.calendar(caller.practice_id, provider_id, *footprint)
    day = start.astimezone(location.zone).date()
    working = working_intervals(
        provider_id=provider_id,
        location_id=location_id,
        zone=location.zone,
        first=day - timedelta(days=1),
        last=day + timedelta(days=1),
        templates=config.templates_of(provider_id, location_id),
        exceptions=calendar.exceptions,
        closures=config.closures,
    )
    clash = False
    if not within((start, end), working):
        if not overbook:
            raise _taken(ports, caller, config, plan, resource="hours", now=now)
        clash = True
    held = [
        a
        for a in calendar.appointments
        if a.appointment_id != moving and a.holds_time and overlaps(footprint, a.footprint)
    ]
    if held:
        if not overbook:
            raise _taken(ports, caller, config, plan, resource="provider", now=now)
        clash = True
    auto_room = False
    wants_room = kind.needs_room or room_id is not None
    if wants_room:
        rooms = config.rooms_at(location_id)
        busy = room_timelines(
            a
            for a in ports.store.location_appointments(caller.practice_id, location_id, *footprint)
            if a.appointment_id != moving
        )
        candidates = [r.room_id for r in rooms] if room_id is None else [room_id]
        free = [r for r in candidates if r not in busy or busy[r].is_free(footprint)]
        if free:
            room_id, auto_room = free[0], room_id is None
        elif not overbook or not candidates:
            raise _taken(ports, caller, config, plan, resource="room", now=now)
        else:
            room_id, clash = candidates[0], True
    return Plan(kind, location, provider, start, end, room_id, clash, auto_room)


def _appointment(
    caller: Caller, plan: Plan, request: BookingRequest, appointment_id: str, now: datetime
) -> Appointment:
    return Appointment(
        appointment_id=appointment_id,
        patient_id=request.patient_id,
        provider_id=plan.provider.provider_id,
        location_id=plan.location.location_id,
        time_zone=plan.location.time_zone,
        type_id=plan.kind.type_id,
        room_id=plan.room_id,
        start=plan.start,
        end=plan.end,
        buffer_before_minutes=plan.kind.buffer_before_minutes,
        buffer_after_minutes=plan.kind.buffer_after_minutes,
        status=Status.BOOKED,
        history=(
            StatusChange(
                status=Status.BOOKED, at=now, by=caller.username, reason="overbook" * plan.overbook
            ),
        ),
        overbook=plan.overbook,
        series_id=request.series_id,
        occurrence=request.occurrence,
        created_at=now,
        updated_at=now,
        updated_by=caller.username,
    )


def book(
    caller: Caller,
    request: BookingRequest,
    *,
    ports: Ports | None = None,
    now: datetime | None = None,
    offer: tuple[Offer, Offer] | None = None,
    config: SchedulingConfig | None = None,
    replacing: tuple[Appointment, Appointment, AuditRecord] | None = None,
) -> Appointment:
    """Book one appointment (409 SlotTakenError with nearest slots when the time is taken).

    `offer` and `replacing` commit in the same transaction (see `SchedulingStore.book`).
    """
    ports = ports or default_ports()
    now = now or utc_now()
    config = config or ports.store.config(caller.practice_id)
    appointment_id = request.appointment_id or new_appointment_id()
    room_id = request.room_id
    for attempt in range(1, _ROOM_ATTEMPTS + 1):
        plan = plan_booking(
            ports,
            caller,
            config,
            provider_id=request.provider_id,
            location_id=request.location_id,
            type_id=request.type_id,
            start=request.start,
            room_id=room_id,
            overbook=request.overbook,
            now=now,
            moving=appointment_id,
        )
        appointment = _appointment(caller, plan, request, appointment_id, now)
        audit = AuditRecord.of(
            caller, Action.CREATE, RESOURCE, appointment_id, patient_id=request.patient_id
        )
        try:
            ports.store.book(
                caller.practice_id, appointment, audit=audit, offer=offer, replacing=replacing
            )
            return appointment
        except AppointmentExistsError:
            existing = ports.store.get(caller.practice_id, appointment_id)
            if (
                existing
                and existing.patient_id == request.patient_id
                and existing.start == plan.start
            ):
                return existing  # a retried request: the first attempt's result
            raise
        except SlotTakenError as exc:
            # Lost a race after the checks. A room chosen for the caller may be retried.
            if exc.resource == "room" and plan.auto_room and attempt < _ROOM_ATTEMPTS:
                continue
            raise _taken(ports, caller, config, plan, resource=exc.resource, now=now) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _load(ports: Ports, caller: Caller, appointment_id: str) -> Appointment:
    appointment = ports.store.get(caller.practice_id, appointment_id)
    if appointment is None:
        raise NotFoundError("appointment not found")
    return appointment


def _check_version(appointment: Appointment, expected: int | None) -> None:
    if expected is not None and expected != appointment.version:
        raise StaleAppointmentError(appointment.version)


def get_appointment(
    caller: Caller, appointment_id: str, *, ports: Ports | None = None
) -> Appointment:
    """One appointment; the read is audited (it names a patient)."""
    ports = ports or default_ports()
    appointment = _load(ports, caller, appointment_id)
    ports.audit.append(
        [
            AuditRecord.of(
                caller, Action.READ, RESOURCE, appointment_id, patient_id=appointment.patient_id
            )
        ]
    )
    return appointment


def list_appointments(
    caller: Caller,
    *,
    location_id: str,
    first_day: date,
    last_day: date,
    provider_id: str | None = None,
    include_cancelled: bool = False,
    ports: Ports | None = None,
) -> tuple[list[Appointment], str]:
    """A calendar: appointments at a location (or of one provider) over local days.

    One audit record per appointment returned. Returns the appointments and the zone.
    """
    ports = ports or default_ports()
    if last_day < first_day or (last_day - first_day).days >= MAX_LIST_DAYS:
        raise ValidationError(
            FieldError("to_date", f"must be on or after from_date, at most {MAX_LIST_DAYS} days")
        )
    location = ports.directory.location(caller.practice_id, location_id)
    zone = location.zone
    from clinicflow.scheduling.model.slots import local_midnight

    start = local_midnight(first_day, zone)
    end = local_midnight(last_day + timedelta(days=1), zone)
    if provider_id:
        rows = ports.store.calendar(caller.practice_id, provider_id, start, end).appointments
    else:
        rows = ports.store.location_appointments(caller.practice_id, location_id, start, end)
    found = sorted(
        (
            a
            for a in rows
            if overlaps((a.start, a.end), (start, end)) and (include_cancelled or a.holds_time)
        ),
        key=lambda a: (a.start, a.provider_id, a.appointment_id),
    )
    if found:
        ports.audit.append(
            [
                AuditRecord.of(
                    caller, Action.READ, RESOURCE, a.appointment_id, patient_id=a.patient_id
                )
                for a in found
            ]
        )
    return found, location.time_zone


def _kept_room(
    before: Appointment, location_id: str | None, config: SchedulingConfig
) -> str | None:
    """The room a move keeps: one chosen by hand (its type needs none), at the same place.

    A type that needs a room gets whichever is free, as when it was booked.
    """
    kind = config.type(before.type_id)
    if location_id not in (None, before.location_id) or (kind is not None and kind.needs_room):
        return None
    return before.room_id


def reschedule(
    caller: Caller,
    appointment_id: str,
    *,
    start: datetime,
    provider_id: str | None = None,
    location_id: str | None = None,
    room_id: str | None = None,
    overbook: bool = False,
    expected_version: int | None = None,
    duration_minutes: int | None = None,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move or resize an appointment (time, length, provider, location, room) in one
    transaction. Without `duration_minutes` the visit keeps its current length."""
    ports = ports or default_ports()
    now = now or utc_now()
    before = _load(ports, caller, appointment_id)
    _check_version(before, expected_version)
    if before.status not in MOVABLE:
        raise InvalidTransitionError(before.status, Status.BOOKED)
    config = ports.store.config(caller.practice_id)
    plan = plan_booking(
        ports,
        caller,
        config,
        provider_id=provider_id or before.provider_id,
        location_id=location_id or before.location_id,
        type_id=before.type_id,
        start=start,
        room_id=room_id or _kept_room(before, location_id, config),
        overbook=overbook,
        now=now,
        moving=before.appointment_id,
        duration_minutes=before.duration_minutes if duration_minutes is None else duration_minutes,
    )
    note = "rescheduled from " + before.start.isoformat().replace("+00:00", "Z")
    length = int((plan.end - plan.start).total_seconds() // 60)
    if length != before.duration_minutes:
        note += f"; resized from {before.duration_minutes} to {length} minutes"
    after = before.model_copy(
        update={
            "provider_id": plan.provider.provider_id,
            "location_id": plan.location.location_id,
            "time_zone": plan.location.time_zone,
            "room_id": plan.room_id,
            "start": plan.start,
            "end": plan.end,
            "buffer_before_minutes": plan.kind.buffer_before_minutes,
            "buffer_after_minutes": plan.kind.buffer_after_minutes,
            "overbook": plan.overbook,
            "history": (
                *before.history,
                StatusChange(status=before.status, at=now, by=caller.username, reason=note),
            ),
            "version": before.version + 1,
            "updated_at": now,
            "updated_by": caller.username,
        }
    )
    audit = AuditRecord.of(
        caller, Action.UPDATE, RESOURCE, appointment_id, patient_id=before.patient_id
    )
    try:
        ports.store.replace(caller.practice_id, before, after, audit=audit)
    except SlotTakenError as exc:
        raise _taken(ports, caller, config, plan, resource=exc.resource, now=now) from None
    _offer_freed(caller, before, ports, now)
    return after


def cancel(
    caller: Caller,
    appointment_id: str,
    *,
    reason: CancelReason,
    note: str = "",
    expected_version: int | None = None,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Cancel with a reason; the locks are released and the slot offered to the waitlist."""
    ports = ports or default_ports()
    now = now or utc_now()
    before = _load(ports, caller, appointment_id)
    _check_version(before, expected_version)
    moved = before.moved_to(Status.CANCELLED, at=now, by=caller.username, reason=reason.value)
    after = moved.model_copy(update={"cancel_reason": reason, "cancel_note": note})
    audit = AuditRecord.of(
        caller, Action.UPDATE, RESOURCE, appointment_id, patient_id=before.patient_id
    )
    ports.store.replace(caller.practice_id, before, after, audit=audit)
    _offer_freed(caller, before, ports, now)
    return after


def change_status(
    caller: Caller,
    appointment_id: str,
    status: Status,
    *,
    expected_version: int | None = None,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Confirm, check in, room, see, check out or mark a no-show (illegal moves: 409)."""
    ports = ports or default_ports()
    now = now or utc_now()
    if status is Status.CANCELLED:
        raise ValidationError(FieldError("status", "use the cancel action, which takes a reason"))
    before = _load(ports, caller, appointment_id)
    _check_version(before, expected_version)
    after = before.moved_to(status, at=now, by=caller.username)
    audit = AuditRecord.of(
        caller, Action.UPDATE, RESOURCE, appointment_id, patient_id=before.patient_id
    )
    ports.store.replace(caller.practice_id, before, after, audit=audit)
    return after


def _offer_freed(caller: Caller, freed: Appointment, ports: Ports, now: datetime) -> None:
    """Offer a freed slot to the waitlist; never fails the change that freed it."""
    if freed.overbook or freed.start <= now:
        return
    try:
        from clinicflow.scheduling.service import waitlist

        waitlist.offer_freed_slot(caller.practice_id, freed, ports=ports, now=now)
    except Exception as exc:  # the cancellation stands; the next sweep offers it
        logger.warning("waitlist offer failed", extra={"error_type": type(exc).__name__})


def appointments_of(ports: Ports, caller: Caller, ids: Sequence[str]) -> dict[str, Appointment]:
    """Appointments by id (no audit: callers audit what they return)."""
    return ports.store.get_many(caller.practice_id, ids)
