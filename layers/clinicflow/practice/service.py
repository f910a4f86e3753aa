"""Practice use cases: the profile and the locations.

Every function takes the practice from the caller (never from input) and, when it
changes data, hands the store the audit record to write in the same transaction.
Ports default to the DynamoDB store; tests pass in-memory fakes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.platform.identity import Caller
from clinicflow.practice.model import (
    Location,
    LocationInput,
    PracticeProfile,
    ProfileInput,
    Stamp,
)

# Re-exported for other capabilities (coverages check a payer exists through this).
from clinicflow.practice.payers.service import (
    get_payer,
    list_payers,
    put_payer,
    seed_default_payers,
)
from clinicflow.practice.schedules import (
    Job,
    NightlySchedule,
    ScheduleStore,
    default_store,
    fallback_time_zone,
    move_to_zone,
    set_job,
)

__all__ = [
    "Job",
    "PracticeRepository",
    "create_location",
    "deactivate_location",
    "get_location",
    "get_payer",
    "get_profile",
    "list_locations",
    "list_payers",
    "location_ids",
    "put_payer",
    "put_profile",
    "schedule_nightly",
    "seed_default_payers",
    "update_location",
]


class PracticeRepository(Protocol):
    """Storage of profiles and locations.

    `save_*` writes the record and the audit record atomically, on condition that the
    stored version is still `previous_version` (0: the record must not exist), and raises
    ConflictError otherwise.
    """

    def get_profile(self, practice_id: str) -> PracticeProfile | None:
        """The practice's profile, if it has one."""
        ...

    def save_profile(
        self, profile: PracticeProfile, *, previous_version: int, audit: AuditRecord
    ) -> None:
        """Write the profile and its audit record in one transaction."""
        ...

    def get_location(self, practice_id: str, location_id: str) -> Location | None:
        """One location of the practice."""
        ...

    def list_locations(self, practice_id: str) -> list[Location]:
        """Every location of the practice, by id."""
        ...

    def save_location(
        self, location: Location, *, previous_version: int, audit: AuditRecord
    ) -> None:
        """Write the location and its audit record in one transaction."""
        ...


_default: PracticeRepository | None = None


def default_repository() -> PracticeRepository:
    """The DynamoDB store (created on first use)."""
    global _default
    if _default is None:
        from clinicflow.practice.store import DynamoPracticeStore

        _default = DynamoPracticeStore()
    return _default


def new_location_id() -> str:
    """A new location id: short, URL-safe, no '#' or ','."""
    return f"loc-{secrets.token_hex(5)}"


def _check_version(expected: int | None, current: int, what: str) -> None:
    if expected is not None and expected != current:
        raise ConflictError(
            f"the {what} changed since it was read; reload it and retry",
            details={"current_version": current},
        )


def get_profile(practice_id: str, *, repo: PracticeRepository | None = None) -> PracticeProfile:
    """The practice's profile, or NotFoundError when none was saved yet."""
    profile = (repo or default_repository()).get_profile(practice_id)
    if profile is None:
        raise NotFoundError("the practice profile has not been set up yet")
    return profile


def put_profile(
    caller: Caller,
    data: ProfileInput,
    *,
    expected_version: int | None = None,
    repo: PracticeRepository | None = None,
    schedules: ScheduleStore | None = None,
) -> tuple[PracticeProfile, bool]:
    """Create or replace the caller's practice profile; returns it and whether it is new.

    Then puts the practice's nightly billing schedule at `billing_hour` in its time zone and
    moves its other nightly schedules to that zone (same local hour).
    """
    repo = repo or default_repository()
    profile = PracticeProfile.build(caller.practice_id, data, Stamp())  # 422 before any read
    current = repo.get_profile(caller.practice_id)
    base = current.stamp if current else Stamp()
    _check_version(expected_version, base.version, "practice profile")
    profile = replace(profile, stamp=base.next(caller.username))
    action = Action.UPDATE if current else Action.CREATE
    audit = AuditRecord.of(caller, action, "practice", caller.practice_id)
    repo.save_profile(profile, previous_version=base.version, audit=audit)
    store = schedules or default_store()
    if store is not None:
        zone = profile.time_zone
        set_job(profile.practice_id, Job.BILLING, profile.billing_hour, time_zone=zone, store=store)
        move_to_zone(profile.practice_id, zone, store=store, skip=Job.BILLING)
    return profile, current is None


def schedule_nightly(
    practice_id: str,
    job: Job,
    hour: int | None,
    *,
    repo: PracticeRepository | None = None,
    schedules: ScheduleStore | None = None,
) -> NightlySchedule | None:
    """Run `job` nightly at `hour` in the practice's time zone (None: stop running it).

    A practice without a profile yet uses the stack's default zone until it saves one.
    """
    store = schedules or default_store()
    if store is None:
        return None
    profile = (repo or default_repository()).get_profile(practice_id) if hour is not None else None
    zone = profile.time_zone if profile else fallback_time_zone()
    return set_job(practice_id, job, hour, time_zone=zone, store=store)


def list_locations(
    practice_id: str, *, active_only: bool = False, repo: PracticeRepository | None = None
) -> list[Location]:
    """The practice's locations (optionally only the active ones)."""
    locations = (repo or default_repository()).list_locations(practice_id)
    return [loc for loc in locations if loc.active or not active_only]


def location_ids(practice_id: str, *, repo: PracticeRepository | None = None) -> frozenset[str]:
    """Ids of the practice's active locations (staff may be assigned to these)."""
    return frozenset(
        loc.location_id for loc in list_locations(practice_id, active_only=True, repo=repo)
    )


def get_location(
    practice_id: str, location_id: str, *, repo: PracticeRepository | None = None
) -> Location:
    """One location of the practice, or NotFoundError (also for other practices' ids)."""
    location = (repo or default_repository()).get_location(practice_id, location_id)
    if location is None:
        raise NotFoundError("location not found")
    return location


def idempotent_location_id(practice_id: str, idempotency_key: str) -> str:
    """The location id a retried POST with the same Idempotency-Key maps to."""
    digest = hashlib.sha256(f"{practice_id}\n{idempotency_key}".encode()).hexdigest()
    return f"loc-{digest[:10]}"


def create_location(
    caller: Caller,
    data: LocationInput,
    *,
    idempotency_key: str = "",
    repo: PracticeRepository | None = None,
    new_id: Callable[[], str] = new_location_id,
) -> Location:
    """Add a location to the caller's practice.

    With an `idempotency_key`, a retry of the same request returns the location the first
    attempt created instead of adding a second one.
    """
    repo = repo or default_repository()
    location_id = (
        idempotent_location_id(caller.practice_id, idempotency_key) if idempotency_key else new_id()
    )
    location = Location.build(caller.practice_id, location_id, data, Stamp().next(caller.username))
    audit = AuditRecord.of(caller, Action.CREATE, "location", location.location_id)
    try:
        repo.save_location(location, previous_version=0, audit=audit)
    except ConflictError:
        existing = repo.get_location(caller.practice_id, location_id) if idempotency_key else None
        if existing is None:
            raise
        return existing
    return location


def update_location(
    caller: Caller,
    location_id: str,
    data: LocationInput,
    *,
    expected_version: int | None = None,
    repo: PracticeRepository | None = None,
) -> Location:
    """Replace a location's details (NotFoundError when it is not the practice's)."""
    repo = repo or default_repository()
    location = Location.build(caller.practice_id, location_id, data, Stamp())
    current = get_location(caller.practice_id, location_id, repo=repo)
    _check_version(expected_version, current.stamp.version, "location")
    location = replace(location, stamp=current.stamp.next(caller.username))
    audit = AuditRecord.of(caller, Action.UPDATE, "location", location_id)
    repo.save_location(location, previous_version=current.stamp.version, audit=audit)
    return location


def deactivate_location(
    caller: Caller, location_id: str, *, repo: PracticeRepository | None = None
) -> Location:
    """Mark a location inactive; it stays on record for past appointments and claims."""
    repo = repo or default_repository()
    current = get_location(caller.practice_id, location_id, repo=repo)
    if not current.active:
        return current
    location = current.deactivated(caller.username)
    audit = AuditRecord.of(caller, Action.DELETE, "location", location_id)
    repo.save_location(location, previous_version=current.stamp.version, audit=audit)
    return location
