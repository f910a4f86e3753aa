"""Patient use cases against in-memory fakes of the ports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from patients_fakes import FakeAuditLog, FakePatientRepository

from clinicflow.audit.model import Action
from clinicflow.patients import service
from clinicflow.patients.model import (
    HumanName,
    MrnTakenError,
    PatientData,
    PatientSearch,
    PatientStatus,
    PossibleDuplicateError,
    Sex,
    StaleVersionError,
)
from clinicflow.platform.errors import NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role

A = Caller("fd", "prac-a", frozenset({Role.FRONT_DESK}), "198.51.100.1")
B = Caller("fd", "prac-b", frozenset({Role.FRONT_DESK}))
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _data(
    first: str = "Ann", last: str = "Able", dob: str = "1980-01-01", **more: Any
) -> PatientData:
    return PatientData(
        name=HumanName(first=first, last=last), dob=date.fromisoformat(dob), sex=Sex.FEMALE, **more
    )


@pytest.fixture
def repo() -> FakePatientRepository:
    return FakePatientRepository()


def test_create_assigns_sequential_mrns_and_audits(repo: FakePatientRepository) -> None:
    p1 = service.create_patient(A, _data(), repo=repo, now=T0)
    p2 = service.create_patient(A, _data("Bea", "Baker"), repo=repo, now=T0)
    p3 = service.create_patient(B, _data(), repo=repo, now=T0)
    assert (p1.mrn, p2.mrn, p3.mrn) == ("00000001", "00000002", "00000001")
    assert [(r.action, r.resource_id, r.patient_id, r.source_ip) for r in repo.audit[:1]] == [
        (Action.CREATE, p1.id, p1.id, "198.51.100.1")
    ]
    assert p1.created_at == p1.updated_at == T0


def test_generated_mrn_retries_past_a_hand_entered_one(repo: FakePatientRepository) -> None:
    service.create_patient(A, _data(mrn="00000001"), repo=repo)
    assert service.create_patient(A, _data("Bea", "Baker"), repo=repo).mrn == "00000002"


def test_given_mrn_taken_is_a_conflict(repo: FakePatientRepository) -> None:
    service.create_patient(A, _data(mrn="X1"), repo=repo)
    with pytest.raises(MrnTakenError):
        service.create_patient(A, _data("Bea", "Baker", mrn="x1"), repo=repo)


def test_duplicates_need_confirmation(repo: FakePatientRepository) -> None:
    first = service.create_patient(A, _data("José", "Núñez"), repo=repo)
    with pytest.raises(PossibleDuplicateError) as exc:
        service.create_patient(A, _data("JOSE", "nunez"), repo=repo)
    assert [c.id for c in exc.value.candidates] == [first.id]
    assert exc.value.status_code == 409
    second = service.create_patient(A, _data("JOSE", "nunez"), repo=repo, confirm_duplicate=True)
    assert second.id != first.id
    service.create_patient(B, _data("José", "Núñez"), repo=repo)  # other practice: not a duplicate


def test_rules_are_checked_before_storing(repo: FakePatientRepository) -> None:
    from clinicflow.patients.model import Consent

    consent = Consent.model_validate(
        {"status": "granted", "at": "2025-01-01T00:00:00Z", "method": "verbal"}
    )
    with pytest.raises(ValidationError) as exc:
        service.create_patient(A, _data(email_consent=consent), repo=repo)
    assert [e.field for e in exc.value.errors] == ["email_consent"]
    assert repo.patients == {}


def test_get_audits_and_hides_other_practices(repo: FakePatientRepository) -> None:
    p = service.create_patient(A, _data(), repo=repo)
    audit = FakeAuditLog()
    assert service.get_patient(A, p.id, repo=repo, audit=audit) == p
    assert [(r.action, r.patient_id) for r in audit.records] == [(Action.READ, p.id)]
    with pytest.raises(NotFoundError):
        service.get_patient(B, p.id, repo=repo, audit=audit)
    with pytest.raises(NotFoundError):
        service.get_patient(A, "nope", repo=repo, audit=audit)
    assert len(audit.records) == 1


def test_update_is_partial_versioned_and_keeps_consent_history(repo: FakePatientRepository) -> None:
    p = service.create_patient(A, _data(email="a@example.org"), repo=repo)
    consent = {"status": "granted", "at": "2025-01-01T00:00:00Z", "method": "portal"}
    p2 = service.update_patient(A, p.id, {"email_consent": consent}, expected_version=1, repo=repo)
    p3 = service.update_patient(
        A,
        p.id,
        {"email_consent": {**consent, "status": "withdrawn"}, "preferred_name": "Annie"},
        expected_version=2,
        repo=repo,
    )
    assert p3.version == 3
    assert p3.name == p.name
    assert p3.preferred_name == "Annie"
    assert [h.consent.status.value for h in p3.consent_history] == ["granted"]
    assert p2.updated_at <= p3.updated_at
    with pytest.raises(StaleVersionError) as exc:
        service.update_patient(A, p.id, {"preferred_name": None}, expected_version=2, repo=repo)
    assert exc.value.details["current_version"] == 3


def test_update_refuses_unknown_and_invalid_fields(repo: FakePatientRepository) -> None:
    p = service.create_patient(A, _data(), repo=repo)
    with pytest.raises(ValidationError) as exc:
        service.update_patient(A, p.id, {"id": "x", "version": 9}, expected_version=1, repo=repo)
    assert {e.field for e in exc.value.errors} == {"id", "version"}
    with pytest.raises(ValidationError) as exc:
        service.update_patient(
            A, p.id, {"name": None, "status": "gone"}, expected_version=1, repo=repo
        )
    assert [e.field for e in exc.value.errors] == ["name"]
    assert repo.get("prac-a", p.id) == p


def test_deactivate_keeps_the_record_and_is_idempotent(repo: FakePatientRepository) -> None:
    p = service.create_patient(A, _data(), repo=repo)
    gone = service.deactivate_patient(A, p.id, repo=repo)
    assert gone.status is PatientStatus.INACTIVE
    assert gone.name == p.name
    assert service.deactivate_patient(A, p.id, repo=repo).version == gone.version
    assert [r.action for r in repo.audit] == [Action.CREATE, Action.DELETE]


def test_search_audits_each_hit_and_validates(repo: FakePatientRepository) -> None:
    hits = [
        service.create_patient(A, _data(f"P{c}", "Smith"), repo=repo, confirm_duplicate=True)
        for c in "abc"
    ]
    audit = FakeAuditLog()
    page = service.search_patients(
        A, PatientSearch(last_name="smi"), repo=repo, audit=audit, limit=2
    )
    assert len(page.items) == 2
    assert page.cursor
    rest = service.search_patients(
        A, PatientSearch(last_name="smi"), repo=repo, audit=audit, limit=2, cursor=page.cursor
    )
    assert {p.id for p in page.items + rest.items} == {p.id for p in hits}
    assert sorted(r.patient_id for r in audit.records) == sorted(p.id for p in hits)
    assert {r.action for r in audit.records} == {Action.SEARCH}
    with pytest.raises(ValidationError):
        service.search_patients(A, PatientSearch(first_name="p"), repo=repo, audit=audit)
    with pytest.raises(ValidationError):
        service.search_patients(A, PatientSearch(last_name="s"), repo=repo, audit=audit, limit=0)
    assert (
        service.search_patients(B, PatientSearch(last_name="smi"), repo=repo, audit=audit).items
        == []
    )


def test_list_recent_newest_first(repo: FakePatientRepository) -> None:
    old = service.create_patient(A, _data("Old", "One"), repo=repo, now=T0)
    new = service.create_patient(A, _data("New", "One"), repo=repo, now=T0 + timedelta(hours=1))
    audit = FakeAuditLog()
    page = service.list_recent_patients(A, repo=repo, audit=audit)
    assert [p.id for p in page.items] == [new.id, old.id]
    assert len(audit.records) == 2
