"""Calendar configuration: rooms, appointment types, weekly templates, exceptions, closures.

All pure data (pydantic, frozen). Times of day in templates are the location's wall clock;
provider exceptions are instants (UTC); closures are whole local days at each location.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from clinicflow.platform.errors import FieldError, Problems, ValidationError

BLOCK_MINUTES = 5
TRANSACTION_LIMIT = 100
# Items a booking transaction may carry besides its locks: the appointment, its audit
# record, the check that the patient exists and is active, the patient's visit-list entry,
# and, when a waitlist offer is accepted, the offer and the later appointment it replaces
# with that one's audit record.
FIXED_ACTIONS = 7
MAX_VISIT_MINUTES = 480
MAX_EXCEPTION_DAYS = 62

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
Id = Annotated[str, Field(pattern=_ID.pattern, description="2-40 of a-z, 0-9, '-'")]
Name = Annotated[str, Field(min_length=1, max_length=80)]
Color = Annotated[str, Field(pattern=r"^#[0-9a-f]{6}$", description="#rrggbb")]
Minutes = Annotated[int, Field(ge=0, le=120, multiple_of=BLOCK_MINUTES)]


class Frozen(BaseModel):
    """Immutable domain record; unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def parse(model: type[Any], data: dict[str, Any]) -> Any:
    """Validate `data` into `model`, as a ClinicFlow ValidationError naming each field."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [
                FieldError(".".join(str(x) for x in e["loc"]) or "body", e["msg"])
                for e in exc.errors()
            ]
        ) from None


class ResourceKind(StrEnum):
    """What a bookable resource is."""

    ROOM = "room"
    EQUIPMENT = "equipment"


class Room(Frozen):
    """A room (or other resource) at one location, held by appointments that need one."""

    room_id: Id
    location_id: Id
    name: Name
    kind: ResourceKind = ResourceKind.ROOM
    active: bool = True
    version: int = 1


class PatientKind(StrEnum):
    """Which patients an appointment type is for."""

    NEW = "new"
    ESTABLISHED = "established"
    ANY = "any"


class Modality(StrEnum):
    """Where the visit happens."""

    IN_PERSON = "in_person"
    TELEHEALTH = "telehealth"


class AppointmentType(Frozen):
    """A kind of visit: how long, which providers, whether it needs a room."""

    type_id: Id
    name: Name
    duration_minutes: Annotated[int, Field(ge=5, le=480, multiple_of=BLOCK_MINUTES)]
    color: Color = "#4c78a8"
    buffer_before_minutes: Minutes = 0
    buffer_after_minutes: Minutes = 0
    provider_ids: tuple[Id, ...] = Field(default=(), description="Empty: any provider")
    needs_room: bool = False
    patient_kind: PatientKind = PatientKind.ANY
    modality: Modality = Modality.IN_PERSON
    service_type_code: Annotated[str, Field(pattern=r"^[0-9A-Z]{1,2}$")] = "30"
    active: bool = True
    version: int = 1

    @property
    def footprint_minutes(self) -> int:
        """Minutes the provider is held: the visit and both buffers."""
        return self.buffer_before_minutes + self.duration_minutes + self.buffer_after_minutes

    @property
    def lock_count(self) -> int:
        """Lock items one booking writes (per 5-minute block, per resource)."""
        blocks = self.footprint_minutes // BLOCK_MINUTES
        return blocks * (2 if self.needs_room else 1)

    def allows(self, provider_id: str) -> bool:
        """True when the provider may take this type."""
        return not self.provider_ids or provider_id in self.provider_ids

    def check(self) -> None:
        """Cross-field rules; ValidationError naming the field."""
        problems = Problems()
        if self.needs_room and self.modality is Modality.TELEHEALTH:
            problems.add("needs_room", "a telehealth visit does not need a room")
        if self.lock_count + FIXED_ACTIONS > TRANSACTION_LIMIT:
            most = (TRANSACTION_LIMIT - FIXED_ACTIONS) // (2 if self.needs_room else 1) * 5
            problems.add(
                "duration_minutes",
                f"duration plus buffers must be at most {most} minutes for this type "
                "(one booking is one DynamoDB transaction of at most 100 items)",
            )
        problems.raise_if_any()

    def check_length(self, minutes: int, *, with_room: bool) -> None:
        """ValidationError on `duration_minutes` unless one visit of this type may last so long.

        Buffers keep this type's lengths; the locks of the whole footprint must fit one
        transaction, like `check` requires of the type itself.
        """
        if minutes < BLOCK_MINUTES or minutes > MAX_VISIT_MINUTES or minutes % BLOCK_MINUTES:
            raise ValidationError(
                FieldError(
                    "duration_minutes",
                    f"must be a multiple of {BLOCK_MINUTES} minutes "
                    f"from {BLOCK_MINUTES} to {MAX_VISIT_MINUTES}",
                )
            )
        per_block = 2 if with_room else 1
        footprint = self.buffer_before_minutes + minutes + self.buffer_after_minutes
        if footprint // BLOCK_MINUTES * per_block + FIXED_ACTIONS > TRANSACTION_LIMIT:
            most = (TRANSACTION_LIMIT - FIXED_ACTIONS) // per_block * BLOCK_MINUTES - (
                self.buffer_before_minutes + self.buffer_after_minutes
            )
            raise ValidationError(
                FieldError(
                    "duration_minutes",
                    f"must be at most {most} minutes for this type"
                    + (" with a room" if with_room else "")
                    + " (its preparation and wrap-up time are held too)",
                )
            )


class Weekday(StrEnum):
    """Days of the week (ISO order)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday 0 ... Sunday 6 (date.weekday())."""
        return list(Weekday).index(self)


class WeeklyHours(Frozen):
    """One stretch of a weekday, wall-clock time at the location (end exclusive)."""

    day: Weekday
    start: time
    end: time

    @field_validator("start", "end")
    @classmethod
    def _on_grid(cls, value: time) -> time:
        if value.minute % BLOCK_MINUTES or value.second or value.microsecond:
            raise ValueError("must be on a 5-minute boundary")
        return value


class AvailabilityTemplate(Frozen):
    """A provider's weekly hours at one location, from one date (to another)."""

    template_id: Id
    provider_id: Id
    location_id: Id
    effective_from: date
    effective_to: date | None = None
    hours: tuple[WeeklyHours, ...] = Field(min_length=1, max_length=50)
    breaks: tuple[WeeklyHours, ...] = Field(default=(), max_length=50)
    version: int = 1

    def applies(self, day: date) -> bool:
        """True when the template is in effect on `day`."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def check(self) -> None:
        """Cross-field rules; ValidationError naming the field."""
        problems = Problems()
        if self.effective_to and self.effective_to < self.effective_from:
            problems.add("effective_to", "must not be before effective_from")
        for name in ("hours", "breaks"):
            for i, h in enumerate(getattr(self, name)):
                if h.end <= h.start:
                    problems.add(f"{name}.{i}.end", "must be after start")
        problems.raise_if_any()


class ExceptionKind(StrEnum):
    """An exception removes time (vacation, meeting) or adds time (one-off extra hours)."""

    UNAVAILABLE = "unavailable"
    EXTRA_HOURS = "extra_hours"


class AvailabilityException(Frozen):
    """A provider's one-off change of availability, as instants (UTC)."""

    exception_id: Id
    provider_id: Id
    kind: ExceptionKind
    location_id: Id | None = Field(default=None, description="Required for extra hours")
    start: datetime
    end: datetime
    reason: Annotated[str, Field(max_length=80)] = ""

    def check(self) -> None:
        """Cross-field rules; ValidationError naming the field."""
        problems = Problems()
        if self.start.tzinfo is None or self.end.tzinfo is None:
            problems.add("start", "must carry a UTC offset")
        elif self.end <= self.start:
            problems.add("end", "must be after start")
        elif (self.end - self.start).days >= MAX_EXCEPTION_DAYS:
            problems.add("end", f"an exception spans at most {MAX_EXCEPTION_DAYS} days")
        if self.kind is ExceptionKind.EXTRA_HOURS and not self.location_id:
            problems.add("location_id", "is required for extra hours")
        problems.raise_if_any()


class Closure(Frozen):
    """Whole local days the practice (or one location) is closed: holidays."""

    closure_id: Id
    location_id: Id | None = Field(default=None, description="None: every location")
    start_date: date
    end_date: date
    reason: Annotated[str, Field(max_length=80)] = ""
    version: int = 1

    def check(self) -> None:
        """Cross-field rules; ValidationError naming the field."""
        if self.end_date < self.start_date:
            raise ValidationError(FieldError("end_date", "must not be before start_date"))

    def covers(self, day: date, location_id: str) -> bool:
        """True when the location is closed that day."""
        return (self.location_id in (None, location_id)) and self.start_date <= day <= self.end_date


class WaitlistPolicy(Frozen):
    """How freed slots are offered: to how many waiting patients at once, held how long."""

    policy_id: Literal["waitlist"] = "waitlist"
    hold_seconds: Annotated[int, Field(ge=1, le=7 * 86400)] = 900
    batch: Annotated[int, Field(ge=1, le=20)] = 1
    version: int = 1


class SchedulingConfig(Frozen):
    """Everything the practice's calendar is configured with (one read)."""

    types: tuple[AppointmentType, ...] = ()
    rooms: tuple[Room, ...] = ()
    templates: tuple[AvailabilityTemplate, ...] = ()
    closures: tuple[Closure, ...] = ()
    waitlist: WaitlistPolicy = WaitlistPolicy(version=0)  # version 0: never saved

    def type(self, type_id: str) -> AppointmentType | None:
        """The appointment type with this id."""
        return next((t for t in self.types if t.type_id == type_id), None)

    def room(self, room_id: str) -> Room | None:
        """The room with this id."""
        return next((r for r in self.rooms if r.room_id == room_id), None)

    def rooms_at(self, location_id: str) -> list[Room]:
        """Active rooms of a location, by id."""
        return sorted(
            (r for r in self.rooms if r.location_id == location_id and r.active),
            key=lambda r: r.room_id,
        )

    def templates_of(self, provider_id: str, location_id: str) -> list[AvailabilityTemplate]:
        """A provider's templates at a location."""
        return [
            t
            for t in self.templates
            if t.provider_id == provider_id and t.location_id == location_id
        ]
