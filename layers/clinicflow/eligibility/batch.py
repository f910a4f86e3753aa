"""The nightly batch: check every upcoming appointment through a queue, a few per payer at once.

1. `plan_nightly` (EventBridge Scheduler, at the practice-local hour): for the practice whose
   schedule fired (nightly checks on), one message per appointment of the next `nightly_days`
   days.
2. `work` (SQS consumer): resolve the patient's primary coverage; take a per-payer slot
   (at most `payer_concurrency` checks in flight per payer, leases expire so a crashed worker
   can't leak a slot); run the check (a recent stored answer is reused); store the
   appointment's flag. No slot: the message is deferred (left on the queue, made visible
   again later), never dropped.

Messages carry ids and dates only (no PHI). Every step is idempotent: a redelivered message
reuses the cached answer and overwrites the same flag.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from clinicflow.eligibility.flags import AppointmentFlag, FlagKind, flag_of
from clinicflow.eligibility.model import EligibilityCheck, EligibilityNotAvailableError
from clinicflow.eligibility.policy import EligibilitySettings
from clinicflow.platform.errors import NotFoundError
from clinicflow.platform.identity import Caller, Role

logger = logging.getLogger("clinicflow.eligibility.batch")

BATCH_USER = "clinicflow-eligibility-nightly"
LEASE_SECONDS = 90  # longer than one check (< 29 s) with room; a crashed worker frees it then


def batch_caller(practice_id: str) -> Caller:
    """The identity the batch acts as (audited under this name)."""
    return Caller(username=BATCH_USER, practice_id=practice_id, roles=frozenset({Role.ADMIN}))


@dataclass(frozen=True)
class Visit:
    """An upcoming appointment, as the batch needs it."""

    appointment_id: str
    patient_id: str
    start: datetime
    service_date: date
    service_type: str


class AppointmentSource(Protocol):
    """Upcoming appointments (the scheduling slice, through its services)."""

    def upcoming(self, practice_id: str, start: datetime, end: datetime) -> list[Visit]:
        """Booked or confirmed appointments starting in [start, end)."""
        ...

    def still_due(self, practice_id: str, appointment_id: str) -> bool:
        """False when the appointment was cancelled or is gone since it was planned."""
        ...


class PrimaryCoverages(Protocol):
    """The coverage a visit is billed to first."""

    def primary(self, caller: Caller, patient_id: str) -> tuple[str, str] | None:
        """(coverage id, payer id) of the active primary coverage, or None."""
        ...


class WorkQueue(Protocol):
    """Where planned checks wait."""

    def send(self, bodies: Sequence[str]) -> None:
        """Enqueue the messages."""
        ...


class PayerLimiter(Protocol):
    """At most N checks in flight per practice and payer, shared by every worker."""

    def acquire(
        self, practice_id: str, payer_id: str, *, limit: int, lease_seconds: int
    ) -> str | None:
        """A lease id, or None when `limit` leases are live."""
        ...

    def release(self, practice_id: str, payer_id: str, lease_id: str) -> None:
        """Give the slot back."""
        ...


class FlagStore(Protocol):
    """Appointment flags."""

    def put(self, practice_id: str, flag: AppointmentFlag) -> None:
        """Store (replace) the appointment's flag."""
        ...


class NightlySettings(Protocol):
    """Practices with nightly checks on, and their settings."""

    def nightly_practices(self) -> list[str]:
        """Practice ids."""
        ...

    def get(self, practice_id: str) -> EligibilitySettings:
        """The practice's settings."""
        ...


class WorkItem(BaseModel):
    """One planned check (the queue message)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    v: int = 1
    practice_id: str
    appointment_id: str
    patient_id: str
    start: datetime
    service_date: date
    service_type: str


def plan_nightly(
    *,
    practices: NightlySettings,
    source: AppointmentSource,
    queue: WorkQueue,
    now: datetime,
    only: str | None = None,
) -> int:
    """Enqueue one check per upcoming appointment of every practice with nightly checks on.

    `only`: the practice whose own schedule fired; no other practice is visited, and none at
    all when its nightly checks are off (a schedule left behind does nothing).
    """
    sent = 0
    if only is None:
        chosen = practices.nightly_practices()
    else:
        chosen = [only] if practices.get(only).nightly_enabled else []
    for practice_id in chosen:
        days = practices.get(practice_id).nightly_days
        visits = source.upcoming(practice_id, now, now + timedelta(days=days))
        bodies = [
            WorkItem(
                practice_id=practice_id,
                appointment_id=v.appointment_id,
                patient_id=v.patient_id,
                start=v.start,
                service_date=v.service_date,
                service_type=v.service_type,
            ).model_dump_json()
            for v in visits
        ]
        if bodies:
            queue.send(bodies)
        sent += len(bodies)
        logger.info(
            "nightly eligibility planned", extra={"practice_id": practice_id, "count": len(bodies)}
        )
    return sent


class RunCheck(Protocol):
    """Runs (or reuses) a check for a coverage: `service.check_eligibility` bound to its ports."""

    def __call__(
        self,
        caller: Caller,
        patient_id: str,
        coverage_id: str,
        service_date: date,
        service_type: str,
    ) -> EligibilityCheck:
        """The check (EligibilityNotAvailableError when the payer can't be asked)."""
        ...


@dataclass(frozen=True)
class WorkResult:
    """What became of one message."""

    done: bool
    flag: AppointmentFlag | None = None


def work(
    item: WorkItem,
    *,
    source: AppointmentSource,
    coverages: PrimaryCoverages,
    limiter: PayerLimiter,
    flags: FlagStore,
    settings: EligibilitySettings,
    run: RunCheck,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WorkResult:
    """Check one appointment; `done=False` means "no payer slot now: try again later"."""
    practice_id = item.practice_id
    caller = batch_caller(practice_id)
    if not source.still_due(practice_id, item.appointment_id):
        return WorkResult(done=True)

    def flag(
        kind: FlagKind | None = None,
        check: EligibilityCheck | None = None,
        coverage_id: str | None = None,
        payer_id: str | None = None,
    ) -> AppointmentFlag:
        made = flag_of(
            appointment_id=item.appointment_id,
            patient_id=item.patient_id,
            appointment_start=item.start,
            service_date=item.service_date,
            checked_at=now(),
            kind=kind,
            check=check,
            coverage_id=coverage_id,
            payer_id=payer_id,
        )
        flags.put(practice_id, made)
        return made

    try:
        primary = coverages.primary(caller, item.patient_id)
    except NotFoundError:
        return WorkResult(done=True)  # the patient is gone: nothing to flag
    if primary is None:
        return WorkResult(done=True, flag=flag(FlagKind.NO_COVERAGE))
    coverage_id, payer_id = primary
    lease = limiter.acquire(
        practice_id, payer_id, limit=settings.payer_concurrency, lease_seconds=LEASE_SECONDS
    )
    if lease is None:
        return WorkResult(done=False)
    try:
        check = run(caller, item.patient_id, coverage_id, item.service_date, item.service_type)
    except EligibilityNotAvailableError:
        made = flag(FlagKind.NOT_CHECKABLE, coverage_id=coverage_id, payer_id=payer_id)
        return WorkResult(done=True, flag=made)
    except NotFoundError:
        return WorkResult(done=True)
    finally:
        limiter.release(practice_id, payer_id, lease)
    return WorkResult(done=True, flag=flag(check=check))


def plan_lease(leases: dict[str, float], now: float, limit: int) -> tuple[list[str], bool]:
    """Expired lease ids to drop, and whether one more lease fits under `limit`."""
    expired = sorted(k for k, until in leases.items() if until <= now)
    live = len(leases) - len(expired)
    return expired, live < limit


def defer_seconds(receive_count: int, rand: Callable[[], float]) -> int:
    """How long a deferred message stays invisible: grows with its receives, with jitter."""
    ceiling = min(300, 15 * 2 ** max(0, receive_count - 1))
    return int(ceiling / 2 + rand() * ceiling / 2)
