"""In-memory fakes of the coverage ports."""

from __future__ import annotations

from collections.abc import Sequence

from clinicflow.audit.model import AuditRecord
from clinicflow.coverages.model import CardImage, Coverage, CoverageOrder, OrderChangedError, Payer
from clinicflow.patients.model import StaleVersionError


class FakeCoverageRepository:
    def __init__(self) -> None:
        self.patients: set[tuple[str, str]] = set()
        self.coverages: dict[tuple[str, str], dict[str, Coverage]] = {}
        self.orders: dict[tuple[str, str], CoverageOrder] = {}
        self.audit: list[AuditRecord] = []

    def patient_exists(self, practice_id: str, patient_id: str) -> bool:
        return (practice_id, patient_id) in self.patients

    def coverages_of(
        self, practice_id: str, patient_id: str
    ) -> tuple[list[Coverage], CoverageOrder]:
        order = self.orders.get((practice_id, patient_id), CoverageOrder())
        items = self.coverages.get((practice_id, patient_id), {}).values()
        return [c.model_copy(update={"order": order.position(c.id)}) for c in items], order

    def _check(
        self, key: tuple[str, str], before: CoverageOrder, ordered: Sequence[Coverage]
    ) -> None:
        if self.orders.get(key, CoverageOrder()).version != before.version:
            raise OrderChangedError()
        stored = self.coverages.get(key, {})
        for c in ordered:
            if stored[c.id].version != c.version or stored[c.id].status.value != "active":
                raise OrderChangedError()

    def save(
        self,
        practice_id: str,
        coverage: Coverage,
        *,
        previous_version: int | None,
        order_before: CoverageOrder,
        order_after: CoverageOrder,
        ordered: Sequence[Coverage],
        audit: AuditRecord,
    ) -> None:
        key = (practice_id, coverage.patient_id)
        stored = self.coverages.setdefault(key, {})
        if previous_version is not None and stored[coverage.id].version != previous_version:
            raise StaleVersionError()
        self._check(key, order_before, ordered)
        stored[coverage.id] = coverage.model_copy(update={"order": None})
        self.orders[key] = order_after
        self.audit.append(audit)

    def reorder(
        self,
        practice_id: str,
        patient_id: str,
        *,
        order_before: CoverageOrder,
        order_after: CoverageOrder,
        ordered: Sequence[Coverage],
        audit: AuditRecord,
    ) -> None:
        key = (practice_id, patient_id)
        self._check(key, order_before, ordered)
        self.orders[key] = order_after
        self.audit.append(audit)

    def record_card(
        self, practice_id: str, coverage: Coverage, image: CardImage, audit: AuditRecord
    ) -> None:
        stored = self.coverages[(practice_id, coverage.patient_id)]
        current = stored[coverage.id]
        stored[coverage.id] = current.model_copy(
            update={"cards": {**current.cards, image.side: image}}
        )
        self.audit.append(audit)


class FakePayers:
    def __init__(self, *payers: Payer) -> None:
        self.payers = {p.payer_id: p for p in payers}

    def get(self, practice_id: str, payer_id: str) -> Payer | None:
        return self.payers.get(payer_id) if practice_id == "prac-a" else None


class FakeCards:
    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        return f"https://bucket.example/{key}?put&type={content_type}&ttl={expires_in}"

    def download_url(self, key: str, expires_in: int) -> str:
        return f"https://bucket.example/{key}?get&ttl={expires_in}"


class FakeAuditLog:
    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, records: Sequence[AuditRecord]) -> None:
        self.records.extend(records)
