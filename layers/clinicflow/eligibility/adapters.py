"""SubjectLookup over the slices that own the data: patients, coverages, practice, payers.

Reads go through their services (which audit patient and coverage reads), never their tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from clinicflow.coverages import service as coverages
from clinicflow.coverages.service import AuditLog, CoverageRepository, PayerLookup
from clinicflow.eligibility.corrections import (
    MEMBER_ID,
    display_value,
    normalise_id,
    normalise_name,
)
from clinicflow.eligibility.model import (
    Correction,
    EligibilityNotAvailableError,
    PayerRoute,
    Person,
    Practice,
    Subject,
)
from clinicflow.patients import service as patients
from clinicflow.patients.model import HumanName, Sex
from clinicflow.patients.service import PatientRepository
from clinicflow.platform.errors import ConflictError, NotFoundError
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
                clearinghouse_id=(route.clearinghouse_id or None) if route else None,
                clearinghouse_payer_id=(route.clearinghouse_payer_id or None) if route else None,
                endpoint_url=(route.endpoint_url or None) if route else None,
            ),
        )


_PERSON_ATTRS = {"last_name": "last", "first_name": "first"}


def _person_changes(
    prefix: str, corrections: Sequence[Correction], name: HumanName, dob: date
) -> tuple[dict[str, Any], list[str]]:
    """The `name`/`dob` changes of one person, and the fields whose current value moved on."""
    chosen = [c for c in corrections if c.field.startswith(prefix + ".")]
    if not chosen:
        return {}, []
    new_name = name.model_dump(mode="json")
    new_dob: str | None = None
    stale: list[str] = []
    for c in chosen:
        attr = c.field.split(".", 1)[1]
        if attr == "birth_date":
            if dob.isoformat() != c.sent:
                stale.append(c.field)
            new_dob = c.returned
        else:
            key = _PERSON_ATTRS[attr]
            current = new_name.get(key)
            if normalise_name(current) != normalise_name(c.sent):
                stale.append(c.field)
            new_name[key] = display_value(c.returned, current)
    changes: dict[str, Any] = {}
    if new_name != name.model_dump(mode="json"):
        changes["name"] = new_name
    if new_dob is not None:
        changes["dob"] = new_dob
    return changes, stale


class ServiceIdentityWriter:
    """IdentityWriter through the coverages and patients services (version checks, audit)."""

    def __init__(
        self,
        *,
        patient_repo: PatientRepository,
        coverage_repo: CoverageRepository,
        payers: PayerLookup,
        audit: AuditLog,
    ) -> None:
        self._patients = patient_repo
        self._coverages = coverage_repo
        self._payers = payers
        self._audit = audit

    def apply(
        self, caller: Caller, patient_id: str, coverage_id: str, corrections: Sequence[Correction]
    ) -> None:
        """Check every current value still equals what was sent, then write patient, coverage."""
        coverage = coverages.get_coverage(
            caller, patient_id, coverage_id, repo=self._coverages, audit=self._audit
        )
        patient = patients.get_patient(caller, patient_id, repo=self._patients, audit=self._audit)
        coverage_changes: dict[str, Any] = {}
        stale: list[str] = []
        for c in corrections:
            if c.field == MEMBER_ID:
                if normalise_id(coverage.member_id) != normalise_id(c.sent):
                    stale.append(c.field)
                coverage_changes["member_id"] = c.returned
        if any(c.field.startswith("subscriber.") for c in corrections):
            sub = coverage.subscriber
            if sub is None:
                stale += [c.field for c in corrections if c.field.startswith("subscriber.")]
            else:
                changes, moved = _person_changes("subscriber", corrections, sub.name, sub.dob)
                stale += moved
                if changes:
                    coverage_changes["subscriber"] = {
                        **sub.model_dump(mode="json"),
                        **changes,
                    }
        patient_changes, moved = _person_changes("patient", corrections, patient.name, patient.dob)
        stale += moved
        if stale:
            raise ConflictError(
                "the coverage or patient changed since the check; check again before applying",
                details={
                    "fields": [{"field": f, "message": "changed since the check"} for f in stale]
                },
            )
        if patient_changes:
            patients.update_patient(
                caller, patient_id, patient_changes,
                expected_version=patient.version, repo=self._patients,
            )  # fmt: skip
        if coverage_changes:
            coverages.update_coverage(
                caller, patient_id, coverage_id, coverage_changes,
                expected_version=coverage.version, repo=self._coverages, payers=self._payers,
            )  # fmt: skip
