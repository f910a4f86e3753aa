"""The ports scheduling use cases need, with their deployed defaults.

`SchedulingStore` is DynamoDB (scheduling/store.py); `Directory` reads providers and
locations through their own slices' services; `AuditLog` appends read records;
`HoldTimers` are EventBridge Scheduler schedules that end waitlist holds (scheduling/timers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from clinicflow.audit.model import AuditRecord
from clinicflow.platform import clock
from clinicflow.scheduling.model import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    Closure,
    Offer,
    Room,
    SchedulingConfig,
    Series,
    WaitlistEntry,
    WaitlistPolicy,
)

ConfigRecord = Room | AppointmentType | AvailabilityTemplate | Closure | WaitlistPolicy


@dataclass(frozen=True)
class ProviderCalendar:
    """A provider's appointments and exception pieces around a time range (one Query)."""

    appointments: list[Appointment] = field(default_factory=list)
    exceptions: list[AvailabilityException] = field(default_factory=list)


class SchedulingStore(Protocol):
    """Storage of everything scheduling keeps. Writes carry their audit record atomically."""

    def config(self, practice_id: str) -> SchedulingConfig:
        """Types, rooms, templates and closures of the practice (one Query)."""
        ...

    def save_config(
        self, practice_id: str, record: ConfigRecord, *, previous_version: int, audit: AuditRecord
    ) -> None:
        """Put a config record if its stored version is `previous_version` (0: new)."""
        ...

    def delete_config(self, practice_id: str, record: ConfigRecord, *, audit: AuditRecord) -> None:
        """Remove a template or closure."""
        ...

    def calendar(
        self, practice_id: str, provider_id: str, start: datetime, end: datetime
    ) -> ProviderCalendar:
        """Appointments and exceptions of a provider that may overlap [start, end)."""
        ...

    def location_appointments(
        self, practice_id: str, location_id: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        """Appointments at a location that may overlap [start, end) (room use)."""
        ...

    def add_exception(
        self, practice_id: str, exception: AvailabilityException, *, audit: AuditRecord
    ) -> None:
        """Store an exception (split into pieces of at most a day)."""
        ...

    def get_exception(self, practice_id: str, exception_id: str) -> AvailabilityException | None:
        """One exception."""
        ...

    def delete_exception(
        self, practice_id: str, exception: AvailabilityException, *, audit: AuditRecord
    ) -> None:
        """Remove an exception and its pieces."""
        ...

    def get(self, practice_id: str, appointment_id: str) -> Appointment | None:
        """One appointment (consistent read)."""
        ...

    def get_many(self, practice_id: str, ids: Sequence[str]) -> dict[str, Appointment]:
        """Appointments by id (missing ones absent)."""
        ...

    def exceptions(
        self, practice_id: str, provider_id: str, start: datetime, end: datetime
    ) -> list[AvailabilityException]:
        """A provider's whole exceptions that overlap [start, end), by start (one Query)."""
        ...

    def book(
        self,
        practice_id: str,
        appointment: Appointment,
        *,
        audit: AuditRecord,
        offer: tuple[Offer, Offer] | None = None,
        replacing: tuple[Appointment, Appointment, AuditRecord] | None = None,
    ) -> None:
        """Write the appointment with its locks in one transaction (SlotTakenError, ...).

        With `offer` (before, after), the offer's change commits in the same transaction,
        on condition that it is still at `before.version`. With `replacing` (before, after
        cancelled, audit), that appointment is cancelled and its locks released in the same
        transaction, on condition that it is still at `before.version`
        (ReplacedAppointmentChangedError otherwise): never both held, never neither.
        """
        ...

    def replace(
        self, practice_id: str, before: Appointment, after: Appointment, *, audit: AuditRecord
    ) -> None:
        """Store `after` if still at `before.version`, moving its locks atomically."""
        ...

    def has_patient(self, practice_id: str, patient_id: str) -> bool:
        """True when the practice has this patient."""
        ...

    def patient_appointments(
        self,
        practice_id: str,
        patient_id: str,
        *,
        after: datetime | None,
        before: datetime | None,
        newest_first: bool,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Appointment], str | None]:
        """A page of the patient's appointments starting in [after, before), and a cursor."""
        ...

    def add_series(self, practice_id: str, series: Series, *, audit: AuditRecord) -> None:
        """Store a new series."""
        ...

    def get_series(self, practice_id: str, series_id: str) -> Series | None:
        """One series."""
        ...

    def save_entry(
        self,
        practice_id: str,
        entry: WaitlistEntry,
        *,
        previous_version: int,
        audit: AuditRecord | None,
    ) -> None:
        """Put a waitlist entry if still at `previous_version` (0: new)."""
        ...

    def get_entry(self, practice_id: str, entry_id: str) -> WaitlistEntry | None:
        """One waitlist entry."""
        ...

    def waiting(self, practice_id: str) -> list[WaitlistEntry]:
        """Entries still waiting, oldest first."""
        ...

    def save_offer(self, practice_id: str, offer: Offer, *, previous_version: int) -> None:
        """Put an offer if still at `previous_version` (0: new); ConflictError otherwise."""
        ...

    def get_offer(self, practice_id: str, offer_id: str) -> Offer | None:
        """One offer."""
        ...

    def open_offers(self, practice_id: str) -> list[Offer]:
        """Offers still open (their hold may have run out)."""
        ...

    def recent_offers(self, practice_id: str, limit: int) -> list[Offer]:
        """The most recent offers, newest first."""
        ...


class HoldTimers(Protocol):
    """One timer per open offer that closes it when its hold runs out."""

    def arm(self, practice_id: str, offer: Offer) -> None:
        """Make sure `offer` is expired at `offer.expires_at` (idempotent)."""
        ...

    def disarm(self, practice_id: str, offer_id: str) -> None:
        """Drop the offer's timer (gone already: nothing to do)."""
        ...


class AuditLog(Protocol):
    """Append-only trail of reads."""

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append read records."""
        ...


@dataclass(frozen=True)
class ProviderFacts:
    """What scheduling needs to know about a provider."""

    provider_id: str
    name: str
    location_ids: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True)
class LocationFacts:
    """What scheduling needs to know about a location."""

    location_id: str
    name: str
    time_zone: str
    active: bool = True

    @property
    def zone(self) -> ZoneInfo:
        """The location's IANA zone."""
        return ZoneInfo(self.time_zone)


class Directory(Protocol):
    """Providers and locations, from their slices (NotFoundError when absent)."""

    def provider(self, practice_id: str, provider_id: str) -> ProviderFacts:
        """One provider."""
        ...

    def providers(self, practice_id: str) -> list[ProviderFacts]:
        """Every provider of the practice."""
        ...

    def location(self, practice_id: str, location_id: str) -> LocationFacts:
        """One location."""
        ...


class ServiceDirectory:
    """Directory through the providers and practice services."""

    def provider(self, practice_id: str, provider_id: str) -> ProviderFacts:
        """One provider (NotFoundError when absent)."""
        from clinicflow.providers import service as providers

        return _provider(providers.get_provider(practice_id, provider_id))

    def providers(self, practice_id: str) -> list[ProviderFacts]:
        """Every provider (one Query)."""
        from clinicflow.providers import service as providers

        return [_provider(p) for p in providers.list_providers(practice_id)]

    def location(self, practice_id: str, location_id: str) -> LocationFacts:
        """One location (NotFoundError when absent)."""
        from clinicflow.practice import service as practice

        loc = practice.get_location(practice_id, location_id)
        return LocationFacts(loc.location_id, loc.name, loc.time_zone, loc.active)


def _provider(p: object) -> ProviderFacts:
    from clinicflow.providers.model import Provider

    assert isinstance(p, Provider)
    return ProviderFacts(p.provider_id, p.display_name, tuple(p.location_ids), p.active)


def _default_timers() -> HoldTimers:
    from clinicflow.scheduling.timers import SchedulerHoldTimers

    return SchedulerHoldTimers()


@dataclass
class Ports:
    """Everything a use case may need; tests pass fakes, handlers the defaults."""

    store: SchedulingStore
    directory: Directory
    audit: AuditLog
    timers: HoldTimers = field(default_factory=_default_timers)


_ports: Ports | None = None


def default_ports() -> Ports:
    """The DynamoDB store, the service directory and the audit table (created once)."""
    global _ports
    if _ports is None:
        from clinicflow.scheduling.store import DynamoAuditLog, DynamoSchedulingStore

        _ports = Ports(DynamoSchedulingStore(), ServiceDirectory(), DynamoAuditLog())
    return _ports


def utc_now() -> datetime:
    """The current time (UTC): the platform clock (the local stack's, which tests advance)."""
    return clock.utc_now()
