"""The batch's ports over the slices that own the data: scheduling, practice, coverages.

Reads go through those slices' services (which audit reads naming a patient), as the batch
identity. The visit's service type is its appointment type's eligibility service type code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from clinicflow.coverages import service as coverages
from clinicflow.coverages.model import CoverageStatus
from clinicflow.coverages.service import AuditLog, CoverageRepository
from clinicflow.eligibility.batch import Visit, batch_caller
from clinicflow.eligibility.model import GENERAL_SERVICE_TYPE
from clinicflow.platform.errors import NotFoundError
from clinicflow.platform.identity import Caller

DUE = frozenset({"booked", "confirmed"})


class SchedulingAppointments:
    """AppointmentSource through the scheduling and practice services."""

    def upcoming(self, practice_id: str, start: datetime, end: datetime) -> list[Visit]:
        """Booked or confirmed appointments starting in [start, end), every active location."""
        from clinicflow.practice import service as practice
        from clinicflow.scheduling.service import booking
        from clinicflow.scheduling.service.config import get_config

        caller = batch_caller(practice_id)
        types = {t.type_id: t.service_type_code for t in get_config(caller).types}
        visits: list[Visit] = []
        for location in practice.list_locations(practice_id, active_only=True):
            zone = ZoneInfo(location.time_zone)
            first = start.astimezone(zone).date()
            last = (end - timedelta(seconds=1)).astimezone(zone).date()
            found, _ = booking.list_appointments(
                caller, location_id=location.location_id, first_day=first, last_day=last
            )
            for a in found:
                if a.status.value not in DUE or not start <= a.start < end:
                    continue
                visits.append(
                    Visit(
                        appointment_id=a.appointment_id,
                        patient_id=a.patient_id,
                        start=a.start,
                        service_date=a.start.astimezone(zone).date(),
                        service_type=types.get(a.type_id, GENERAL_SERVICE_TYPE),
                    )
                )
        return visits

    def still_due(self, practice_id: str, appointment_id: str) -> bool:
        """False once the appointment is cancelled, a no-show, or gone."""
        from clinicflow.scheduling.service import booking

        try:
            a = booking.get_appointment(batch_caller(practice_id), appointment_id)
        except NotFoundError:
            return False
        return a.status.value in DUE


class ServicePrimaryCoverages:
    """PrimaryCoverages through the coverages service."""

    def __init__(self, *, repo: CoverageRepository, audit: AuditLog) -> None:
        self._repo = repo
        self._audit = audit

    def primary(self, caller: Caller, patient_id: str) -> tuple[str, str] | None:
        """(coverage id, payer id) of the active coverage ordered first, or None."""
        found = coverages.list_coverages(caller, patient_id, repo=self._repo, audit=self._audit)
        for c in found.coverages:
            if c.order == 1 and c.status is CoverageStatus.ACTIVE:
                return c.id, c.payer_id
        return None
