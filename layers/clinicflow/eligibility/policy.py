"""Practice eligibility settings and the rules that use them: caching and nightly checks. Pure.

- A stored answer is reused for the same question (same patient, coverage, payer route,
  member data, service date and service types: one fingerprint) while it is younger than
  the practice's cache time, unless the caller forces a new check. Answers that carry no
  benefits the desk can rely on (payer unavailable, unreadable, rejected) are never reused.
- The nightly batch checks every appointment of the next `nightly_days` days, with at most
  `payer_concurrency` checks in flight per payer; it starts at `nightly_hour` practice-local
  time (the practice's own Scheduler schedule, see `clinicflow.practice.schedules`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from clinicflow.eligibility.model import EligibilityCheck, EligibilityStatus, Subject

DEFAULT_CACHE_HOURS = 24
DEFAULT_NIGHTLY_HOUR = 3
"""Practice-local hour of the nightly batch until the practice picks another (03:00: in US
zones 02:00 does not exist on the spring-forward night, and Scheduler skips it)."""
CACHEABLE = frozenset({EligibilityStatus.ACTIVE, EligibilityStatus.INACTIVE})


class EligibilitySettings(BaseModel):
    """A practice's eligibility settings (defaults when the practice never set them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cache_hours: Annotated[int, Field(ge=0, le=168)] = DEFAULT_CACHE_HOURS
    nightly_enabled: bool = False
    nightly_days: Annotated[int, Field(ge=1, le=7)] = 3
    nightly_hour: Annotated[int, Field(ge=0, le=23)] = DEFAULT_NIGHTLY_HOUR
    payer_concurrency: Annotated[int, Field(ge=1, le=50)] = 5
    version: int = 0

    @property
    def cache_for(self) -> timedelta:
        """How long an answer is reused."""
        return timedelta(hours=self.cache_hours)


def fingerprint(subject: Subject, service_date: date, service_types: Sequence[str]) -> str:
    """A digest of everything the 270 carries: a changed member id or name misses the cache.

    Stored with the check only (never in a key, URL or log).
    """
    h = hashlib.sha256()
    h.update(subject.model_dump_json().encode())
    h.update(service_date.isoformat().encode())
    h.update(",".join(sorted(service_types)).encode())
    return h.hexdigest()


def reusable(
    candidates: Iterable[EligibilityCheck],
    *,
    key: str,
    now: datetime,
    settings: EligibilitySettings,
) -> EligibilityCheck | None:
    """The newest stored check answering the same question within the cache time, or None."""
    if settings.cache_hours <= 0:
        return None
    oldest = now - settings.cache_for
    best: EligibilityCheck | None = None
    for check in candidates:
        if (
            check.fingerprint == key
            and check.has_response
            and check.result.status in CACHEABLE
            and oldest <= check.requested_at <= now
            and (best is None or check.requested_at > best.requested_at)
        ):
            best = check
    return best
