"""Response shapes: UTC instants plus the location's wall clock (ISO 8601 with offset)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from clinicflow.scheduling.model import Appointment, Offer, Series
from clinicflow.scheduling.service.series import OccurrenceResult
from clinicflow.scheduling.service.waitlist import OfferView


def zulu(moment: datetime) -> str:
    """`2026-03-08T15:00:00Z`."""
    return moment.isoformat().replace("+00:00", "Z")


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def appointment_view(a: Appointment) -> dict[str, Any]:
    """An appointment as answered."""
    data: dict[str, Any] = a.model_dump(mode="json")
    data["start_local"] = _local(a.start, a.time_zone)
    data["end_local"] = _local(a.end, a.time_zone)
    data["duration_minutes"] = a.duration_minutes
    data["waits"] = a.waits()
    return data


def occurrence_view(r: OccurrenceResult, zone: str) -> dict[str, Any]:
    """One occurrence's outcome."""
    return {
        "occurrence": r.occurrence,
        "start": zulu(r.start),
        "start_local": _local(r.start, zone),
        "outcome": r.outcome,
        "appointment_id": r.appointment_id,
        "conflict": r.conflict,
        "message": r.message,
    }


def series_view(s: Series) -> dict[str, Any]:
    """A series record."""
    data: dict[str, Any] = s.model_dump(mode="json")
    return data


def offer_view(v: OfferView) -> dict[str, Any]:
    """An offer with its patients."""
    o: Offer = v.offer
    data: dict[str, Any] = o.model_dump(mode="json")
    data["start_local"] = _local(o.start, o.time_zone)
    data["patients"] = [{"entry_id": k, "patient_id": p} for k, p in v.patients.items()]
    return data
