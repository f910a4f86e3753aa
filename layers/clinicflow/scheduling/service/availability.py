"""Slot search: one calendar Query per provider, plus the configuration and directory reads.

For N providers over any range (up to 62 days) a search costs N provider-calendar Queries,
one configuration Query, one providers Query, one location GetItem, and one
location-calendar Query when the type needs a room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from clinicflow.platform.errors import FieldError, NotFoundError, Problems, ValidationError
from clinicflow.platform.identity import Caller
from clinicflow.scheduling.model import (
    STEPS,
    AppointmentType,
    BusyTimeline,
    SchedulingConfig,
    Slot,
    find_slots,
    room_timelines,
    working_intervals,
)
from clinicflow.scheduling.model.slots import local_midnight
from clinicflow.scheduling.service.ports import (
    LocationFacts,
    Ports,
    ProviderFacts,
    default_ports,
    utc_now,
)

MAX_DAYS = 62
MAX_PROVIDERS = 50


@dataclass(frozen=True)
class SlotQuery:
    """What the front desk looks for."""

    type_id: str
    location_id: str
    first_day: date
    last_day: date
    provider_ids: tuple[str, ...] = ()
    step_minutes: int = 15
    limit: int = 200


@dataclass(frozen=True)
class SlotResult:
    """Slots found, earliest first, with the location's zone to show them in."""

    slots: list[Slot]
    time_zone: str
    providers_searched: list[str]


def active_type(config: SchedulingConfig, type_id: str, field: str = "type_id") -> AppointmentType:
    """An active appointment type of the practice (422 naming the field otherwise)."""
    kind = config.type(type_id)
    if kind is None or not kind.active:
        raise ValidationError(FieldError(field, "no active appointment type with this id"))
    return kind


def active_location(ports: Ports, practice_id: str, location_id: str) -> LocationFacts:
    """An active location (422 on `location_id` otherwise)."""
    try:
        location = ports.directory.location(practice_id, location_id)
    except NotFoundError:
        raise ValidationError(FieldError("location_id", "no such location")) from None
    if not location.active:
        raise ValidationError(FieldError("location_id", "the location is not active"))
    return location


def _providers(
    ports: Ports, caller: Caller, query: SlotQuery, kind: AppointmentType
) -> list[ProviderFacts]:
    everyone = {p.provider_id: p for p in ports.directory.providers(caller.practice_id)}
    if query.provider_ids:
        unknown = [p for p in query.provider_ids if p not in everyone]
        if unknown:
            raise ValidationError(
                FieldError("provider_ids", "names a provider that does not exist")
            )
        chosen = [everyone[p] for p in dict.fromkeys(query.provider_ids)]
    else:
        chosen = sorted(everyone.values(), key=lambda p: p.provider_id)
    return [
        p
        for p in chosen
        if p.active and query.location_id in p.location_ids and kind.allows(p.provider_id)
    ]


def search_slots(
    caller: Caller,
    query: SlotQuery,
    *,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> SlotResult:
    """Free slots of a type at a location over local days, for some or all providers."""
    ports = ports or default_ports()
    problems = Problems()
    if query.last_day < query.first_day:
        problems.add("to_date", "must not be before from_date")
    elif (query.last_day - query.first_day).days >= MAX_DAYS:
        problems.add("to_date", f"a search spans at most {MAX_DAYS} days")
    if query.step_minutes not in STEPS:
        problems.add("step_minutes", "must be one of 5, 10, 15, 20, 30, 60")
    if len(query.provider_ids) > MAX_PROVIDERS:
        problems.add("provider_ids", f"at most {MAX_PROVIDERS} providers")
    problems.raise_if_any()
    config = ports.store.config(caller.practice_id)
    kind = active_type(config, query.type_id)
    location = active_location(ports, caller.practice_id, query.location_id)
    providers = _providers(ports, caller, query, kind)
    slots = slots_for(
        ports,
        caller.practice_id,
        config=config,
        kind=kind,
        location=location,
        provider_ids=[p.provider_id for p in providers],
        first_day=query.first_day,
        last_day=query.last_day,
        step_minutes=query.step_minutes,
        not_before=now or utc_now(),
        limit=query.limit,
    )
    return SlotResult(slots, location.time_zone, [p.provider_id for p in providers])


def slots_for(
    ports: Ports,
    practice_id: str,
    *,
    config: SchedulingConfig,
    kind: AppointmentType,
    location: LocationFacts,
    provider_ids: Sequence[str],
    first_day: date,
    last_day: date,
    step_minutes: int = 15,
    not_before: datetime | None = None,
    limit: int = 200,
) -> list[Slot]:
    """Slots for the providers over local days first..last (one calendar Query each)."""
    zone = location.zone
    window = (local_midnight(first_day, zone), local_midnight(last_day + timedelta(days=1), zone))
    rooms = config.rooms_at(location.location_id) if kind.needs_room else []
    room_busy = None
    if kind.needs_room:
        if not rooms:
            return []
        room_busy = room_timelines(
            ports.store.location_appointments(practice_id, location.location_id, *window)
        )
    found: list[Slot] = []
    for provider_id in provider_ids:
        calendar = ports.store.calendar(practice_id, provider_id, *window)
        working = working_intervals(
            provider_id=provider_id,
            location_id=location.location_id,
            zone=zone,
            first=first_day,
            last=last_day,
            templates=config.templates_of(provider_id, location.location_id),
            exceptions=calendar.exceptions,
            closures=config.closures,
        )
        found += find_slots(
            provider_id=provider_id,
            location_id=location.location_id,
            zone=zone,
            appointment_type=kind,
            working=working,
            provider_busy=BusyTimeline.of(calendar.appointments),
            rooms=rooms,
            room_busy=room_busy,
            step_minutes=step_minutes,
            not_before=not_before,
            limit=limit,
        )
    found.sort(key=lambda s: (s.start, s.provider_id))
    return found[:limit]
