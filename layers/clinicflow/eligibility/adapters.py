"""SubjectLookup over the slices that own the data: patients, coverages, practice, payers.

Reads go through their services (which audit patient and coverage reads), never their tables.
"""

from __future__ import annotations

from datetime import date

from clinicflow.coverages import service as coverages
from clinicflow.coverages.service import AuditLog, CoverageRepository
from clinicflow.eligibility.model import (
    EligibilityNotAvailableError,
    PayerRoute,
    Person,
    Practice,
    Subject,
)
from clinicflow.patients import service as patients
from clinicflow.patients.model import HumanName, Sex
from clinicflow.patients.service import PatientRepository
from clinicflow.platform.errors import NotFoundError
from clinicflow.platform.identity import Caller
from clinicflow.practice import service as practice
from clinicflow.practice.payers import service as payers
from clinicflow.practice.payers.service import PayerRepository
from clinicflow.practice.service import PracticeRepository


def _person(name: HumanName, dob: date, sex: Sex) -> Person:
    return Person(
        last_name=name.last,
        first_name=name.first,
        middle_name=name.middle,
        suffix=name.suffix,
        birth_date=dob,
        gender=sex.x12,
    )


class SliceSubjects:
    """Assembles a :class:`Subject` from the owners' services."""

    def __init__(
        self,
        *,
        patient_repo: PatientRepository,
        coverage_repo: CoverageRepository,
        audit: AuditLog,
        practice_repo: PracticeRepository | None = None,
        payer_repo: PayerRepository | None = None,
    ) -> None:
        self._patients = patient_repo
        self._coverages = coverage_repo
        self._audit = audit
        self._practice = practice_repo
        self._payers = payer_repo

    def subject(self, caller: Caller, patient_id: str, coverage_id: str) -> Subject:
        """Patient, coverage, practice identity and payer route; NotFoundError when missing."""
        patient = patients.get_patient(caller, patient_id, repo=self._patients, audit=self._audit)
        coverage = coverages.get_coverage(
            caller, patient_id, coverage_id, repo=self._coverages, audit=self._audit
        )
        try:
            profile = practice.get_profile(caller.practice_id, repo=self._practice)
        except NotFoundError:
            raise EligibilityNotAvailableError(
                "set up the practice profile (NPI, tax id) before checking eligibility"
            ) from None
        try:
            payer = payers.get_payer(caller.practice_id, coverage.payer_id, repo=self._payers)
        except NotFoundError:
            raise EligibilityNotAvailableError(
                "the coverage's payer is not in the practice's payer directory"
            ) from None
        route = payer.eligibility
        subscriber = coverage.subscriber
        return Subject(
            patient_id=patient.id,
            coverage_id=coverage.id,
            patient=_person(patient.name, patient.dob, patient.sex),
            member_id=coverage.member_id,
            group_number=coverage.group_number,
            relationship=coverage.relationship.value,
            subscriber=_person(subscriber.name, subscriber.dob, subscriber.sex)
            if subscriber
            else None,
            practice=Practice(
                name=profile.legal_name, npi=profile.group_npi, tax_id_digits=profile.tax_id_digits
            ),
            payer=PayerRoute(
                payer_id=payer.payer_id,
                name=payer.name,
                clearinghouse_id=route.clearinghouse_id if route else None,
                clearinghouse_payer_id=route.clearinghouse_payer_id if route else None,
            ),
        )
