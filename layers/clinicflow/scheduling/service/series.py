"""Recurring series: book every occurrence, then change or cancel one, this-and-following,
or all. Each occurrence is its own transaction (a long series exceeds DynamoDB's 100-item
limit), so every call reports a result per occurrence. Occurrence ids are deterministic
(`<series_id>-<nnn>`), so a retried request never books an occurrence twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import ClinicFlowError, NotFoundError
from clinicflow.platform.identity import Caller
from clinicflow.scheduling.model import (
    MOVABLE,
    Appointment,
    CancelReason,
    Recurrence,
    Scope,
    Series,
    SlotTakenError,
    occurrence_starts,
    targeted,
)
from clinicflow.scheduling.service import booking
from clinicflow.scheduling.service.availability import active_location
from clinicflow.scheduling.service.ports import Ports, default_ports, utc_now

RESOURCE = "appointment_series"


@dataclass(frozen=True)
class SeriesRequest:
    """A recurring booking; naive `first_start` is wall-clock time at the location."""

    patient_id: str
    provider_id: str
    location_id: str
    type_id: str
    first_start: datetime
    recurrence: Recurrence
    room_id: str | None = None
    overbook: bool = False


@dataclass(frozen=True)
class OccurrenceResult:
    """What happened to one occurrence."""

    occurrence: int
    start: datetime
    outcome: str  # booked | conflict | refused | cancelled | rescheduled | skipped
    appointment_id: str | None = None
    conflict: str | None = None  # provider | room | hours
    message: str = ""


def book_series(
    caller: Caller,
    request: SeriesRequest,
    *,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> tuple[Series, list[OccurrenceResult]]:
    """Create the series and try to book every occurrence; report each."""
    ports = ports or default_ports()
    now = now or utc_now()
    request.recurrence.check()
    location = active_location(ports, caller.practice_id, request.location_id)
    zone = location.zone
    first_local = (
        request.first_start.astimezone(zone).replace(tzinfo=None)
        if request.first_start.tzinfo
        else request.first_start
    )
    starts = occurrence_starts(first_local, zone, request.recurrence)
    series = Series(
        series_id=f"ser-{secrets.token_hex(8)}",
        patient_id=request.patient_id,
        provider_id=request.provider_id,
        location_id=request.location_id,
        type_id=request.type_id,
        room_id=request.room_id,
        first_local=first_local,
        time_zone=location.time_zone,
        recurrence=request.recurrence,
        occurrences=len(starts),
        created_at=now,
        created_by=caller.username,
    )
    config = ports.store.config(caller.practice_id)
    # Checks shared by every occurrence (type, provider, location) fail the whole request.
    booking.plan_booking(
        ports,
        caller,
        config,
        provider_id=request.provider_id,
        location_id=request.location_id,
        type_id=request.type_id,
        start=starts[0],
        room_id=request.room_id,
        overbook=True,
        now=now,
    )
    audit = AuditRecord.of(
        caller, Action.CREATE, RESOURCE, series.series_id, patient_id=request.patient_id
    )
    ports.store.add_series(caller.practice_id, series, audit=audit)
    results = []
    for number, start in enumerate(starts, 1):
        one = booking.BookingRequest(
            patient_id=request.patient_id,
            provider_id=request.provider_id,
            location_id=request.location_id,
            type_id=request.type_id,
            start=start,
            room_id=request.room_id,
            overbook=request.overbook,
            appointment_id=series.appointment_id(number),
            series_id=series.series_id,
            occurrence=number,
        )
        try:
            appointment = booking.book(caller, one, ports=ports, now=now, config=config)
            results.append(OccurrenceResult(number, start, "booked", appointment.appointment_id))
        except SlotTakenError as exc:
            results.append(
                OccurrenceResult(number, start, "conflict", None, exc.resource, exc.message)
            )
        except ClinicFlowError as exc:
            results.append(OccurrenceResult(number, start, "refused", None, None, exc.message))
    return series, results


def get_series(
    caller: Caller, series_id: str, *, ports: Ports | None = None
) -> tuple[Series, list[Appointment]]:
    """The series and its booked occurrences (each read audited)."""
    ports = ports or default_ports()
    series = ports.store.get_series(caller.practice_id, series_id)
    if series is None:
        raise NotFoundError("series not found")
    ids = [series.appointment_id(n) for n in range(1, series.occurrences + 1)]
    found = ports.store.get_many(caller.practice_id, ids)
    appointments = [found[i] for i in ids if i in found]
    records = [
        AuditRecord.of(caller, Action.READ, RESOURCE, series_id, patient_id=series.patient_id)
    ] + [
        AuditRecord.of(
            caller, Action.READ, booking.RESOURCE, a.appointment_id, patient_id=a.patient_id
        )
        for a in appointments
    ]
    ports.audit.append(records)
    return series, appointments


def _targets(
    caller: Caller, series_id: str, scope: Scope, occurrence: int, ports: Ports
) -> tuple[Series, list[Appointment]]:
    series = ports.store.get_series(caller.practice_id, series_id)
    if series is None:
        raise NotFoundError("series not found")
    numbers = targeted(list(range(1, series.occurrences + 1)), scope, occurrence)
    ids = [series.appointment_id(n) for n in numbers]
    found = ports.store.get_many(caller.practice_id, ids)
    return series, [found[i] for i in ids if i in found]


def cancel_series(
    caller: Caller,
    series_id: str,
    *,
    scope: Scope,
    occurrence: int = 1,
    reason: CancelReason = CancelReason.PATIENT_REQUEST,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> list[OccurrenceResult]:
    """Cancel one occurrence, it and the following ones, or all (past visits are skipped)."""
    ports = ports or default_ports()
    now = now or utc_now()
    _, appointments = _targets(caller, series_id, scope, occurrence, ports)
    results = []
    for a in appointments:
        number = a.occurrence or 0
        if a.status not in MOVABLE:
            results.append(OccurrenceResult(number, a.start, "skipped", a.appointment_id))
            continue
        try:
            booking.cancel(caller, a.appointment_id, reason=reason, ports=ports, now=now)
            results.append(OccurrenceResult(number, a.start, "cancelled", a.appointment_id))
        except ClinicFlowError as exc:
            results.append(
                OccurrenceResult(number, a.start, "refused", a.appointment_id, None, exc.message)
            )
    return results


def reschedule_series(
    caller: Caller,
    series_id: str,
    *,
    scope: Scope,
    occurrence: int = 1,
    new_time: time | None = None,
    shift_days: int = 0,
    provider_id: str | None = None,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> list[OccurrenceResult]:
    """Move targeted occurrences to a new local time of day and/or by whole days."""
    ports = ports or default_ports()
    now = now or utc_now()
    series, appointments = _targets(caller, series_id, scope, occurrence, ports)
    zone = booking_zone(series)
    results = []
    for a in appointments:
        number = a.occurrence or 0
        if a.status not in MOVABLE:
            results.append(OccurrenceResult(number, a.start, "skipped", a.appointment_id))
            continue
        local = a.start.astimezone(zone)
        day = local.date() + timedelta(days=shift_days)
        wall = new_time or local.time().replace(tzinfo=None)
        target = datetime.combine(day, wall).replace(tzinfo=zone).astimezone(UTC)
        try:
            moved = booking.reschedule(
                caller,
                a.appointment_id,
                start=target,
                provider_id=provider_id,
                ports=ports,
                now=now,
            )
            results.append(OccurrenceResult(number, moved.start, "rescheduled", a.appointment_id))
        except SlotTakenError as exc:
            results.append(
                OccurrenceResult(
                    number, target, "conflict", a.appointment_id, exc.resource, exc.message
                )
            )
        except ClinicFlowError as exc:
            results.append(
                OccurrenceResult(number, target, "refused", a.appointment_id, None, exc.message)
            )
    return results


def booking_zone(series: Series) -> ZoneInfo:
    """The series' location zone."""
    return ZoneInfo(series.time_zone)
