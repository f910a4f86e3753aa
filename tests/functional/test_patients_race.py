"""MRN uniqueness under a real race: two creates with the same MRN commit at the same moment."""

from __future__ import annotations

import threading
from typing import Any

from clinicflow.audit.model import AuditRecord
from clinicflow.patients import service
from clinicflow.patients.model import HumanName, MrnTakenError, Patient, PatientData, Sex
from clinicflow.patients.store import DynamoPatientRepository
from clinicflow.platform.identity import Caller, Role

CALLER = Caller("frontdesk.demo", "prac-race", frozenset({Role.FRONT_DESK}), "203.0.113.10")


class BarrierRepository(DynamoPatientRepository):
    """The real store, but both creates wait for each other right before committing."""

    def __init__(self, barrier: threading.Barrier) -> None:
        self.barrier = barrier

    def add(
        self, practice_id: str, patient: Patient, audit: AuditRecord, *, allow_duplicate: bool
    ) -> None:
        self.barrier.wait(timeout=10)
        super().add(practice_id, patient, audit, allow_duplicate=allow_duplicate)


def test_two_concurrent_creates_with_the_same_mrn_exactly_one_wins(tables: Any) -> None:
    for round_ in range(5):
        repo = BarrierRepository(threading.Barrier(2))
        outcomes: list[str] = []
        lock = threading.Lock()

        def create(first: str, round_: int = round_, repo: BarrierRepository = repo) -> None:
            data = PatientData(
                mrn=f"RACE-{round_}",
                name=HumanName(first=first, last="Racer"),
                dob="1990-01-01",  # type: ignore[arg-type]
                sex=Sex.UNKNOWN,
            )
            try:
                service.create_patient(CALLER, data, repo=repo, confirm_duplicate=True)
                result = "won"
            except MrnTakenError:
                result = "mrn-taken"
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=create, args=(name,)) for name in ("Ann", "Bea")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert sorted(outcomes) == ["mrn-taken", "won"], outcomes

    # and nothing half-written: one patient per MRN, index entries for winners only
    store = DynamoPatientRepository()
    for round_ in range(5):
        assert store.find_by_mrn("prac-race", f"RACE-{round_}") is not None
    from clinicflow.patients.model import PatientSearch

    page = store.search("prac-race", PatientSearch(last_name="racer"), limit=100, cursor=None)
    assert len(page.items) == 5
