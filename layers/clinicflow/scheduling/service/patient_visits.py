"""A patient's appointments, upcoming or past, for the patient page (paged, audited)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller
from clinicflow.scheduling.model import Appointment, Status
from clinicflow.scheduling.service.ports import Ports, default_ports, utc_now

RESOURCE = "appointment"
MAX_PAGE = 100


class When(StrEnum):
    """Which of a patient's appointments: from now on (soonest first), before now (newest
    first), or all of them (newest first)."""

    UPCOMING = "upcoming"
    PAST = "past"
    ALL = "all"


def patient_appointments(
    caller: Caller,
    patient_id: str,
    *,
    when: When = When.ALL,
    status: Status | None = None,
    limit: int = 25,
    cursor: str | None = None,
    ports: Ports | None = None,
    now: datetime | None = None,
) -> tuple[list[Appointment], str | None]:
    """One page of a patient's appointments and the next page's cursor.

    A patient the practice does not have answers 404. `status` filters the page read, so a
    filtered page may be shorter than `limit` while a cursor still follows.
    """
    ports = ports or default_ports()
    now = now or utc_now()
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(FieldError("limit", f"must be from 1 to {MAX_PAGE}"))
    if not ports.store.has_patient(caller.practice_id, patient_id):
        raise NotFoundError("patient not found")
    page, next_cursor = ports.store.patient_appointments(
        caller.practice_id,
        patient_id,
        after=now if when is When.UPCOMING else None,
        before=now if when is When.PAST else None,
        newest_first=when is not When.UPCOMING,
        limit=limit,
        cursor=cursor,
    )
    found = [a for a in page if status is None or a.status is status]
    if found:
        ports.audit.append(
            [
                AuditRecord.of(
                    caller, Action.READ, RESOURCE, a.appointment_id, patient_id=a.patient_id
                )
                for a in found
            ]
        )
    return found, next_cursor
