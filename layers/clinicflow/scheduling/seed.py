"""Demo scheduling data for a seeded practice, through the scheduling services.

`seed_scheduling(practice_id, today)`: appointment types, three exam rooms per location,
weekly templates (08:00-17:00, lunch 12:00-13:00; providers at two locations split the
week), next New Year's Day closed, and a handful of appointments this week for the
practice's first patients. Run after the practice, its providers and patients exist.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from clinicflow.platform.errors import ClinicFlowError
from clinicflow.scheduling.model import AppointmentType, AvailabilityTemplate, Closure, Room, Status

TYPES: list[dict[str, Any]] = [
    {
        "type_id": "new-patient",
        "name": "New patient visit",
        "duration_minutes": 60,
        "color": "#1f77b4",
        "buffer_after_minutes": 10,
        "needs_room": True,
        "patient_kind": "new",
        "service_type_code": "98",
    },
    {
        "type_id": "follow-up",
        "name": "Follow-up",
        "duration_minutes": 20,
        "color": "#2ca02c",
        "buffer_after_minutes": 5,
        "patient_kind": "established",
        "service_type_code": "98",
    },
    {
        "type_id": "annual-physical",
        "name": "Annual physical",
        "duration_minutes": 45,
        "color": "#9467bd",
        "buffer_before_minutes": 5,
        "buffer_after_minutes": 10,
        "needs_room": True,
        "service_type_code": "30",
    },
    {
        "type_id": "telehealth",
        "name": "Telehealth check-in",
        "duration_minutes": 20,
        "color": "#17becf",
        "modality": "telehealth",
        "service_type_code": "98",
    },
]
WEEK = ("mon", "tue", "wed", "thu", "fri")


def _days(location_index: int, locations: int) -> tuple[str, ...]:
    if locations == 1:
        return WEEK
    return ("mon", "wed", "fri") if location_index == 0 else ("tue", "thu")


def seed_scheduling(practice_id: str, today: date) -> None:
    """Seed types, rooms, templates, a closure and a few appointments for `practice_id`."""
    from clinicflow.patients.service import list_recent_patients
    from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository
    from clinicflow.practice.service import list_locations
    from clinicflow.providers.service import list_providers, system_caller
    from clinicflow.scheduling.service import availability, booking
    from clinicflow.scheduling.service import config as settings

    caller = system_caller(practice_id)
    for data in TYPES:
        settings.put_record(caller, AppointmentType, data)
    locations = [loc for loc in list_locations(practice_id) if loc.active]
    for loc in locations:
        for n in range(1, 4):
            settings.put_record(
                caller,
                Room,
                {
                    "room_id": f"{loc.location_id}-exam-{n}",
                    "location_id": loc.location_id,
                    "name": f"Exam {n}",
                },
            )
    providers = [p for p in list_providers(practice_id) if p.active]
    for provider in providers:
        works = [loc for loc in locations if provider.works_at(loc.location_id)]
        for i, loc in enumerate(works):
            days = _days(i, len(works))
            settings.put_record(
                caller,
                AvailabilityTemplate,
                {
                    "template_id": f"tpl-{provider.provider_id}-{loc.location_id}"[:40],
                    "provider_id": provider.provider_id,
                    "location_id": loc.location_id,
                    "effective_from": (today - timedelta(days=today.weekday())).isoformat(),
                    "hours": [{"day": d, "start": "08:00", "end": "17:00"} for d in days],
                    "breaks": [{"day": d, "start": "12:00", "end": "13:00"} for d in days],
                },
            )
    new_year = date(today.year + 1, 1, 1)
    settings.put_record(
        caller,
        Closure,
        {
            "closure_id": f"closed-{new_year.isoformat()}",
            "start_date": new_year.isoformat(),
            "end_date": new_year.isoformat(),
            "reason": "New Year's Day",
        },
    )
    patients = list_recent_patients(
        caller, repo=DynamoPatientRepository(), audit=DynamoAuditLog(), limit=12
    ).items
    if not patients:
        return
    booked = 0
    for provider in providers:
        works = [loc for loc in locations if provider.works_at(loc.location_id)]
        if not works:
            continue
        result = availability.search_slots(
            caller,
            availability.SlotQuery(
                type_id="follow-up",
                location_id=works[0].location_id,
                first_day=today,
                last_day=today + timedelta(days=6),
                provider_ids=(provider.provider_id,),
                step_minutes=30,
                limit=40,
            ),
        )
        for slot in result.slots[::7][:3]:
            patient = patients[booked % len(patients)]
            try:
                appointment = booking.book(
                    caller,
                    booking.BookingRequest(
                        patient_id=patient.id,
                        provider_id=provider.provider_id,
                        location_id=slot.location_id,
                        type_id="follow-up",
                        start=slot.start,
                    ),
                )
            except ClinicFlowError:
                continue
            booked += 1
            if booked % 2:
                booking.change_status(caller, appointment.appointment_id, Status.CONFIRMED)
