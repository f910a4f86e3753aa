"""Calendar configuration use cases: rooms, appointment types, templates, exceptions, closures.

Configuration is not PHI; every change still leaves an audit record in its transaction
(the admins' change trail), as for providers.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    Problems,
    ValidationError,
)
from clinicflow.platform.identity import Caller
from clinicflow.scheduling.model import (
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    Closure,
    Room,
    SchedulingConfig,
    WaitlistPolicy,
    parse,
)
from clinicflow.scheduling.model.slots import local_midnight
from clinicflow.scheduling.service.ports import ConfigRecord, Ports, default_ports

MAX_EXCEPTION_LIST_DAYS = 92

_ID_FIELD: dict[type[Any], str] = {
    Room: "room_id",
    AppointmentType: "type_id",
    AvailabilityTemplate: "template_id",
    Closure: "closure_id",
    WaitlistPolicy: "policy_id",
}
_PREFIX: dict[type[Any], str] = {
    Room: "room",
    AppointmentType: "type",
    AvailabilityTemplate: "tpl",
    Closure: "closed",
    WaitlistPolicy: "waitlist",
}
_RESOURCE: dict[type[Any], str] = {
    Room: "room",
    AppointmentType: "appointment_type",
    AvailabilityTemplate: "availability_template",
    Closure: "closure",
    WaitlistPolicy: "waitlist_policy",
}


def new_id(prefix: str) -> str:
    """A new id such as `room-3f9a1c2b7e`."""
    return f"{prefix}-{secrets.token_hex(5)}"


def get_config(caller: Caller, *, ports: Ports | None = None) -> SchedulingConfig:
    """The practice's whole calendar configuration (one Query)."""
    return (ports or default_ports()).store.config(caller.practice_id)


def _check_references(caller: Caller, record: ConfigRecord, ports: Ports) -> None:
    """Locations and providers a record names must exist in the practice (422 otherwise)."""
    directory = ports.directory
    location_id = getattr(record, "location_id", None)
    if location_id:
        try:
            directory.location(caller.practice_id, location_id)
        except NotFoundError:
            raise ValidationError(FieldError("location_id", "no such location")) from None
    provider_ids: list[str] = []
    if isinstance(record, AvailabilityTemplate):
        provider_ids = [record.provider_id]
    elif isinstance(record, AppointmentType):
        provider_ids = list(record.provider_ids)
    for provider_id in provider_ids:
        try:
            provider = directory.provider(caller.practice_id, provider_id)
        except NotFoundError:
            raise ValidationError(FieldError("provider_id", "no such provider")) from None
        if isinstance(record, AvailabilityTemplate) and record.location_id not in (
            provider.location_ids
        ):
            raise ValidationError(
                FieldError("location_id", "the provider does not work at this location")
            )


def put_record(
    caller: Caller,
    kind: type[ConfigRecord],
    data: dict[str, Any],
    *,
    record_id: str | None = None,
    expected_version: int | None = None,
    ports: Ports | None = None,
) -> ConfigRecord:
    """Create (no `record_id`, or a new one) or replace a config record."""
    ports = ports or default_ports()
    field = _ID_FIELD[kind]
    config = ports.store.config(caller.practice_id)
    ident = record_id or data.get(field) or new_id(_PREFIX[kind])
    current = _find(config, kind, ident)
    if expected_version is not None and (current is None or current.version != expected_version):
        raise ConflictError(
            "the record changed since it was read; reload it and retry",
            details={"current_version": current.version if current else 0},
        )
    version = (current.version + 1) if current else 1  # a never-saved policy has version 0
    record: ConfigRecord = parse(kind, {**data, field: ident, "version": version})
    check = getattr(record, "check", None)
    if check is not None:
        check()
    _check_references(caller, record, ports)
    action = Action.UPDATE if current else Action.CREATE
    audit = AuditRecord.of(caller, action, _RESOURCE[kind], ident)
    ports.store.save_config(
        caller.practice_id,
        record,
        previous_version=current.version if current else 0,
        audit=audit,
    )
    return record


def _find(config: SchedulingConfig, kind: type[ConfigRecord], ident: str) -> ConfigRecord | None:
    pools: dict[type[Any], tuple[ConfigRecord, ...]] = {
        Room: config.rooms,
        AppointmentType: config.types,
        AvailabilityTemplate: config.templates,
        Closure: config.closures,
        WaitlistPolicy: (config.waitlist,),
    }
    pool = pools[kind]
    field = _ID_FIELD[kind]
    return next((r for r in pool if getattr(r, field) == ident), None)


def get_record(
    caller: Caller, kind: type[ConfigRecord], ident: str, *, ports: Ports | None = None
) -> ConfigRecord:
    """One config record (NotFoundError when absent)."""
    config = (ports or default_ports()).store.config(caller.practice_id)
    record = _find(config, kind, ident)
    if record is None:
        raise NotFoundError(f"{_RESOURCE[kind].replace('_', ' ')} not found")
    return record


def remove_record(
    caller: Caller, kind: type[ConfigRecord], ident: str, *, ports: Ports | None = None
) -> ConfigRecord:
    """Deactivate a room or type (kept for past appointments); delete a template or closure."""
    ports = ports or default_ports()
    current = get_record(caller, kind, ident, ports=ports)
    audit = AuditRecord.of(caller, Action.DELETE, _RESOURCE[kind], ident)
    if isinstance(current, Room | AppointmentType):
        if not current.active:
            return current
        updated = current.model_copy(update={"active": False, "version": current.version + 1})
        ports.store.save_config(
            caller.practice_id, updated, previous_version=current.version, audit=audit
        )
        return updated
    ports.store.delete_config(caller.practice_id, current, audit=audit)
    return current


def add_exception(
    caller: Caller, data: dict[str, Any], *, ports: Ports | None = None
) -> AvailabilityException:
    """A provider's vacation, meeting or one-off extra hours.

    Naive `start`/`end` are wall-clock times at `location_id` (or the provider's first
    location); aware ones are taken as given. Stored in UTC.
    """
    ports = ports or default_ports()
    provider_id = str(data.get("provider_id") or "")
    try:
        provider = ports.directory.provider(caller.practice_id, provider_id)
    except NotFoundError:
        raise ValidationError(FieldError("provider_id", "no such provider")) from None
    location_id = data.get("location_id") or (
        provider.location_ids[0] if provider.location_ids else None
    )
    if data.get("location_id") and data["location_id"] not in provider.location_ids:
        raise ValidationError(FieldError("location_id", "the provider does not work here"))
    raw: AvailabilityException = parse(
        AvailabilityException, {**data, "exception_id": new_id("away")}
    )
    if raw.start.tzinfo is None or raw.end.tzinfo is None:
        if not location_id:
            raise ValidationError(FieldError("start", "must carry a UTC offset"))
        zone = ports.directory.location(caller.practice_id, location_id).zone
        raw = raw.model_copy(
            update={
                "start": raw.start.replace(tzinfo=zone) if raw.start.tzinfo is None else raw.start,
                "end": raw.end.replace(tzinfo=zone) if raw.end.tzinfo is None else raw.end,
            }
        )
    exception = raw.model_copy(
        update={"start": raw.start.astimezone(UTC), "end": raw.end.astimezone(UTC)}
    )
    exception.check()
    audit = AuditRecord.of(caller, Action.CREATE, "availability_exception", exception.exception_id)
    ports.store.add_exception(caller.practice_id, exception, audit=audit)
    return exception


def remove_exception(
    caller: Caller, exception_id: str, *, ports: Ports | None = None
) -> AvailabilityException:
    """Delete an exception."""
    ports = ports or default_ports()
    exception = ports.store.get_exception(caller.practice_id, exception_id)
    if exception is None:
        raise NotFoundError("exception not found")
    audit = AuditRecord.of(caller, Action.DELETE, "availability_exception", exception_id)
    ports.store.delete_exception(caller.practice_id, exception, audit=audit)
    return exception


def list_exceptions(
    caller: Caller,
    *,
    provider_id: str,
    first_day: date,
    last_day: date,
    location_id: str | None = None,
    ports: Ports | None = None,
) -> tuple[list[AvailabilityException], str]:
    """A provider's exceptions overlapping local days first..last (one Query), and the zone.

    Days are read in `location_id`'s zone (default: the provider's first location).
    """
    ports = ports or default_ports()
    problems = Problems()
    if last_day < first_day:
        problems.add("to_date", "must not be before from_date")
    elif (last_day - first_day).days >= MAX_EXCEPTION_LIST_DAYS:
        problems.add("to_date", f"a listing spans at most {MAX_EXCEPTION_LIST_DAYS} days")
    problems.raise_if_any()
    try:
        provider = ports.directory.provider(caller.practice_id, provider_id)
    except NotFoundError:
        raise ValidationError(FieldError("provider_id", "no such provider")) from None
    if location_id is not None and location_id not in provider.location_ids:
        raise ValidationError(FieldError("location_id", "the provider does not work here"))
    where = location_id or (provider.location_ids[0] if provider.location_ids else None)
    zone = ports.directory.location(caller.practice_id, where).zone if where else ZoneInfo("UTC")
    start = local_midnight(first_day, zone)
    end = local_midnight(last_day + timedelta(days=1), zone)
    found = ports.store.exceptions(caller.practice_id, provider_id, start, end)
    return found, zone.key
