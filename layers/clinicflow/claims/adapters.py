"""FactsSource over the slices that own the data: patients, coverages, practice, payers,
providers. Reads go through their services (which audit patient and coverage reads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from clinicflow.claims.model import (
    BillingProvider,
    EncounterInput,
    Facility,
    PayerRef,
    Person,
    PostalAddress,
    ProviderRef,
    Subscriber,
)
from clinicflow.claims.service import AuditLog, ClaimFacts
from clinicflow.coverages import service as coverages
from clinicflow.coverages.service import CoverageRepository
from clinicflow.patients import service as patients
from clinicflow.patients.model import Address as PatientAddress
from clinicflow.patients.service import PatientRepository
from clinicflow.platform.errors import FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller
from clinicflow.practice import service as practice
from clinicflow.practice.model import Address as PracticeAddress
from clinicflow.practice.payers import service as payers
from clinicflow.providers import service as providers

_RESPONSIBILITY = {1: "P", 2: "S", 3: "T"}
T = TypeVar("T")


def _postal(a: PracticeAddress | PatientAddress | None) -> PostalAddress | None:
    if a is None:
        return None
    return PostalAddress(a.line1, a.city, a.state, a.postal_code.replace("-", ""), a.line2 or "")


def _missing(field: str, what: str) -> ValidationError:
    return ValidationError(FieldError(field, f"names no {what} of the practice"))


class SliceFacts:
    """Assembles ClaimFacts from the owners' services."""

    def __init__(
        self,
        *,
        patient_repo: PatientRepository,
        coverage_repo: CoverageRepository,
        audit: AuditLog,
        memo: bool = False,
    ) -> None:
        self._patients = patient_repo
        self._coverages = coverage_repo
        self._audit = audit
        self._memo: dict[tuple[str, ...], Any] | None = {} if memo else None

    def _directory(self, key: tuple[str, ...], read: Callable[[], T]) -> T:
        """A practice-directory read (profile, location, provider, payer; no PHI), remembered
        for this instance's life when `memo` is on: a billing-cycle chunk bills many
        encounters of the same practice, and the API must see changes at once."""
        if self._memo is None:
            return read()
        if key not in self._memo:
            self._memo[key] = read()
        found: T = self._memo[key]
        return found

    def facts(self, caller: Caller, data: EncounterInput) -> ClaimFacts:
        """Everything the claim copies; 422 naming the encounter field that points nowhere."""
        pid = caller.practice_id
        try:
            patient = patients.get_patient(
                caller, data.patient_id, repo=self._patients, audit=self._audit
            )
        except NotFoundError:
            raise _missing("patient_id", "patient") from None
        try:
            coverage = coverages.get_coverage(
                caller, data.patient_id, data.coverage_id, repo=self._coverages, audit=self._audit
            )
        except NotFoundError:
            raise _missing("coverage_id", "coverage of the patient") from None
        try:
            profile = self._directory(("profile", pid), lambda: practice.get_profile(pid))
        except NotFoundError:
            raise ValidationError(
                FieldError("practice", "set up the practice profile (NPI, tax id) first")
            ) from None
        try:
            location = self._directory(
                ("location", pid, data.location_id),
                lambda: practice.get_location(pid, data.location_id),
            )
        except NotFoundError:
            raise _missing("location_id", "location") from None
        try:
            rendering = self._directory(
                ("provider", pid, data.rendering_provider_id),
                lambda: providers.get_provider(pid, data.rendering_provider_id),
            )
        except NotFoundError:
            raise _missing("rendering_provider_id", "provider") from None
        try:
            payer_id = coverage.payer_id
            payer = self._directory(
                ("payer", pid, payer_id), lambda: payers.get_payer(pid, payer_id)
            )
            payer_name, filing = payer.name, payer.timely_filing_days
        except NotFoundError:
            payer_name, filing = coverage.payer_name or "", None
        person = Person(
            patient.name.last,
            patient.name.first,
            patient.dob,
            patient.sex.x12,
            _postal(patient.address),
        )
        insured = coverage.subscriber
        subscriber_person = (
            Person(
                insured.name.last,
                insured.name.first,
                insured.dob,
                insured.sex.x12,
                _postal(insured.address),
            )
            if insured
            else person
        )
        address = _postal(profile.billing_address)
        assert address is not None
        return ClaimFacts(
            billing=BillingProvider(
                name=profile.legal_name,
                npi=profile.group_npi,
                taxonomy_code=profile.taxonomy_code,
                tax_id=profile.tax_id_digits,
                address=address,
                pay_to_address=_postal(profile.pay_to_address),
            ),
            rendering=ProviderRef(
                rendering.provider_id,
                rendering.last_name,
                rendering.first_name,
                rendering.npi,
                rendering.taxonomy_code,
            ),
            facility=Facility(
                location.location_id,
                location.name,
                _postal(location.address) or address,
                location.npi,
            ),
            default_place_of_service=location.place_of_service,
            patient=person,
            subscriber=Subscriber(
                member_id=coverage.member_id,
                relationship=coverage.relationship.value,
                claim_filing_indicator=coverage.claim_filing_indicator.value,
                person=subscriber_person,
                group_number=coverage.group_number or "",
                payer_responsibility=_RESPONSIBILITY.get(coverage.order or 1, "P"),
            ),
            payer=PayerRef(coverage.payer_id, payer_name),
            timely_filing_days=filing,
        )


def timely_filing_days(practice_id: str, payer_id: str) -> int | None:
    """The payer's timely-filing window from the payer directory, or None."""
    try:
        return payers.get_payer(practice_id, payer_id).timely_filing_days
    except NotFoundError:
        return None
