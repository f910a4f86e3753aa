"""In-memory fakes of the patient ports (behave like the DynamoDB store, no AWS)."""

from __future__ import annotations

from collections.abc import Sequence

from clinicflow.audit.model import AuditRecord
from clinicflow.patients.model import (
    MrnTakenError,
    Patient,
    PatientSearch,
    PatientStatus,
    PossibleDuplicateError,
    StaleVersionError,
)
from clinicflow.patients.service import Page


class FakeAuditLog:
    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, records: Sequence[AuditRecord]) -> None:
        self.records.extend(records)


class FakePatientRepository:
    def __init__(self) -> None:
        self.patients: dict[tuple[str, str], Patient] = {}
        self.counters: dict[str, int] = {}
        self.audit: list[AuditRecord] = []

    def get(self, practice_id: str, patient_id: str) -> Patient | None:
        return self.patients.get((practice_id, patient_id))

    def _of(self, practice_id: str) -> list[Patient]:
        return [p for (pr, _), p in self.patients.items() if pr == practice_id]

    def find_duplicates(self, practice_id: str, key: str) -> list[Patient]:
        return [p for p in self._of(practice_id) if p.duplicate_key == key]

    def next_mrn(self, practice_id: str) -> int:
        self.counters[practice_id] = self.counters.get(practice_id, 0) + 1
        return self.counters[practice_id]

    def add(
        self, practice_id: str, patient: Patient, audit: AuditRecord, *, allow_duplicate: bool
    ) -> None:
        if any(p.mrn == patient.mrn for p in self._of(practice_id)):
            raise MrnTakenError()
        if not allow_duplicate and self.find_duplicates(practice_id, patient.duplicate_key):
            raise PossibleDuplicateError([])
        self.patients[(practice_id, patient.id)] = patient
        self.audit.append(audit)

    def replace(
        self, practice_id: str, before: Patient, after: Patient, audit: AuditRecord
    ) -> None:
        current = self.patients[(practice_id, before.id)]
        if current.version != before.version:
            raise StaleVersionError(current.version)
        if any(p.mrn == after.mrn and p.id != after.id for p in self._of(practice_id)):
            raise MrnTakenError()
        self.patients[(practice_id, after.id)] = after
        self.audit.append(audit)

    def _page(self, items: list[Patient], limit: int, cursor: str | None) -> Page:
        start = int(cursor or 0)
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        return Page(chunk, str(start + limit) if more else None)

    def search(
        self, practice_id: str, criteria: PatientSearch, *, limit: int, cursor: str | None
    ) -> Page:
        hits = sorted((p for p in self._of(practice_id) if criteria.matches(p)), key=lambda p: p.id)
        return self._page(hits, limit, cursor)

    def list_recent(
        self, practice_id: str, *, status: PatientStatus | None, limit: int, cursor: str | None
    ) -> Page:
        items = sorted(self._of(practice_id), key=lambda p: p.updated_at, reverse=True)
        return self._page([p for p in items if status is None or p.status is status], limit, cursor)
