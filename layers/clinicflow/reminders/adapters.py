"""The deployed ports of reminders: scheduling, patients and practice through their services.

Reminders act as a system identity (`system:reminders`); every patient or appointment read
and write these make is audited by those services as usual.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from clinicflow.messaging.service import Recipient, system_caller
from clinicflow.platform.errors import ClinicFlowError, NotFoundError
from clinicflow.reminders.model import AppointmentFacts

ACTOR = "system:reminders"
logger = logging.getLogger("clinicflow.reminders")
_CONSENT_ATTEMPTS = 3


def _facts(practice_id: str, appointment: object) -> AppointmentFacts:
    from clinicflow.scheduling.model import Appointment

    assert isinstance(appointment, Appointment)
    return AppointmentFacts.from_record(practice_id, appointment.model_dump())


class ServiceAppointments:
    """Appointments through the scheduling service."""

    def get(self, practice_id: str, appointment_id: str) -> AppointmentFacts | None:
        """One appointment (None when absent)."""
        from clinicflow.scheduling.service import booking

        try:
            found = booking.get_appointment(system_caller(practice_id, ACTOR), appointment_id)
        except NotFoundError:
            return None
        return _facts(practice_id, found)

    def confirm(self, practice_id: str, appointment_id: str) -> AppointmentFacts | None:
        """Confirm (None when it can no longer be confirmed)."""
        from clinicflow.scheduling.model import Status
        from clinicflow.scheduling.service import booking

        caller = system_caller(practice_id, ACTOR)
        try:
            done = booking.change_status(caller, appointment_id, Status.CONFIRMED)
        except ClinicFlowError as exc:
            logger.info("confirmation refused", extra={"error_type": type(exc).__name__})
            return None
        return _facts(practice_id, done)


def _recipient(patient: object) -> Recipient:
    from clinicflow.patients.model import Patient, PhoneType

    assert isinstance(patient, Patient)
    mobile = next((p.number for p in patient.phones if p.type is PhoneType.MOBILE), None)
    return Recipient(
        patient_id=patient.id,
        first_name=patient.preferred_name or patient.name.first,
        language=patient.preferred_language,
        email=patient.email,
        mobile=mobile,
        sms_consent=patient.sms_consent,
        email_consent=patient.email_consent,
    )


class ServicePatients:
    """Patients through the patients service."""

    def __init__(self) -> None:
        from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository

        self._repo = DynamoPatientRepository()
        self._audit = DynamoAuditLog()

    def recipient(self, practice_id: str, patient_id: str) -> Recipient | None:
        """One patient as a recipient (None when absent or inactive)."""
        from clinicflow.patients import service
        from clinicflow.patients.model import PatientStatus

        caller = system_caller(practice_id, ACTOR)
        try:
            patient = service.get_patient(caller, patient_id, repo=self._repo, audit=self._audit)
        except NotFoundError:
            return None
        return _recipient(patient) if patient.status is PatientStatus.ACTIVE else None

    def by_mobile(self, practice_id: str, number: str) -> list[Recipient]:
        """Active patients with this number as a mobile phone."""
        from clinicflow.patients import service
        from clinicflow.patients.model import PatientSearch, PhoneType

        caller = system_caller(practice_id, ACTOR)
        page = service.search_patients(
            caller, PatientSearch(phone=number), repo=self._repo, audit=self._audit, limit=25
        )
        return [
            _recipient(p)
            for p in page.items
            if any(ph.number == number and ph.type is PhoneType.MOBILE for ph in p.phones)
        ]

    def set_sms_consent(
        self, practice_id: str, patient_id: str, granted: bool, at: datetime
    ) -> None:
        """Record an SMS keyword decision on the patient's consent (retried when stale)."""
        from clinicflow.patients import service
        from clinicflow.patients.model import (
            Consent,
            ConsentMethod,
            ConsentStatus,
            StaleVersionError,
        )

        caller = system_caller(practice_id, ACTOR)
        status = ConsentStatus.GRANTED if granted else ConsentStatus.WITHDRAWN
        at = min(at, datetime.now(UTC))  # never "in the future" (a local clock may run ahead)
        consent = Consent(status=status, at=at, method=ConsentMethod.SMS_KEYWORD)
        for attempt in range(1, _CONSENT_ATTEMPTS + 1):
            patient = self._repo.get(practice_id, patient_id)
            if patient is None:
                return
            if patient.sms_consent is not None and patient.sms_consent.status is status:
                return
            try:
                service.update_patient(
                    caller,
                    patient_id,
                    {"sms_consent": consent},
                    expected_version=patient.version,
                    repo=self._repo,
                )
                return
            except StaleVersionError:
                if attempt == _CONSENT_ATTEMPTS:
                    raise


class ServicePlaces:
    """Names through the practice service (cached per process: they rarely change)."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str] = {}

    def location_name(self, practice_id: str, location_id: str) -> str:
        """A location's name ('' when unknown)."""
        key = (practice_id, location_id)
        if key not in self._names:
            from clinicflow.practice import service

            try:
                self._names[key] = service.get_location(practice_id, location_id).name
            except NotFoundError:
                return ""
        return self._names[key]

    def practice_name(self, practice_id: str) -> str:
        """The practice's legal name ('' when no profile yet)."""
        key = (practice_id, "")
        if key not in self._names:
            from clinicflow.practice import service

            try:
                self._names[key] = service.get_profile(practice_id).legal_name
            except NotFoundError:
                return ""
        return self._names[key]
