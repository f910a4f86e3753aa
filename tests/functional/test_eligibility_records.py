"""Eligibility function, beyond one check: cache and force, history, corrections, settings, flags.

Real DynamoDB Local, the sandbox payer (a correcting variant for corrections), an in-memory
document store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from test_eligibility_handler import PRACTICE, MemoryDocuments, _check_body, _setup

from clinicflow.audit.store import list_records
from clinicflow.clearinghouse.directory import AdapterDirectory
from clinicflow.clearinghouse.sandbox import SandboxClearinghouse
from clinicflow.eligibility.batch_store import DynamoFlagStore
from clinicflow.eligibility.flags import FlagKind, flag_of

E = "eligibility/"
OTHER = "prac-demo-b"


@pytest.fixture
def documents(monkeypatch: pytest.MonkeyPatch) -> MemoryDocuments:
    from clinicflow.eligibility import api

    store = MemoryDocuments()
    monkeypatch.setattr(api, "_documents", store)
    return store


class Correcting:
    """The sandbox payer, answering with another member id and last name."""

    def exchange_270(self, payer_id: str, request: str | bytes) -> str:
        text = SandboxClearinghouse().exchange_270(payer_id, request)
        out = []
        for seg in text.split("~"):
            parts = seg.split("*")
            if parts[:2] == ["NM1", "IL"]:
                parts[3] = parts[3] + "E"
                parts[9] = "SBX-ACTIVE-777"
            out.append("*".join(parts))
        return "~".join(out)


@pytest.fixture
def correcting(monkeypatch: pytest.MonkeyPatch) -> None:
    from clinicflow.eligibility import api

    monkeypatch.setattr(api, "_clearinghouses", AdapterDirectory({"sandbox": Correcting()}))


def test_cached_then_forced_then_history(invoke: Any, documents: MemoryDocuments) -> None:
    pid, cid = _setup(invoke, "SBX-ACTIVE-001")
    first = invoke(
        "eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE
    )
    assert first.status == 201 and first.body["cached"] is False
    again = invoke(
        "eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE
    )
    assert again.status == 200 and again.body["cached"] is True
    assert again.body["id"] == first.body["id"]
    forced = invoke(
        "eligibility",
        E + "check.json",
        body={**_check_body(pid, cid), "force": True},
        practice_id=PRACTICE,
    )
    assert forced.status == 201 and forced.body["id"] != first.body["id"]
    assert len(documents.objects) == 4  # two checks, two files each
    path = {"patient_id": pid, "coverage_id": cid}
    page = invoke(
        "eligibility", E + "history.json", path=path, query={"limit": "1"}, practice_id=PRACTICE
    )
    assert page.status == 200, page.body
    assert [c["id"] for c in page.body["items"]] == [forced.body["id"]]
    assert "fingerprint" not in page.body["items"][0]
    rest = invoke(
        "eligibility",
        E + "history.json",
        path=path,
        query={"limit": "1", "cursor": page.body["cursor"]},
        practice_id=PRACTICE,
    )
    assert [c["id"] for c in rest.body["items"]] == [first.body["id"]]
    if rest.body["cursor"]:  # DynamoDB may hand out a last key for a page that ends exactly
        end = invoke(
            "eligibility",
            E + "history.json",
            path=path,
            query={"limit": "1", "cursor": rest.body["cursor"]},
            practice_id=PRACTICE,
        )
        assert end.body == {"items": [], "cursor": None}
    theirs = invoke("eligibility", E + "history.json", path=path, practice_id=OTHER)
    assert theirs.status == 404
    bad = invoke(
        "eligibility",
        E + "history.json",
        path=path,
        query={"cursor": "eyJ4IjoieSJ9"},
        practice_id=PRACTICE,
    )
    assert bad.status == 422


def test_settings_change_the_cache_time(invoke: Any, documents: MemoryDocuments) -> None:
    assert invoke("eligibility", E + "settings_get.json", practice_id=PRACTICE).body == {
        "cache_hours": 24,
        "nightly_enabled": False,
        "nightly_days": 3,
        "nightly_hour": 3,
        "payer_concurrency": 5,
        "version": 0,
    }
    body = {
        "cache_hours": 0,
        "nightly_enabled": True,
        "nightly_days": 2,
        "payer_concurrency": 3,
        "version": 0,
    }
    desk = invoke(
        "eligibility", E + "settings_put.json", body=body, practice_id=PRACTICE, groups="front-desk"
    )
    assert desk.status == 403
    put = invoke(
        "eligibility", E + "settings_put.json", body=body, practice_id=PRACTICE, groups="admin"
    )
    assert put.status == 200 and put.body["version"] == 1, put.body
    stale = invoke(
        "eligibility", E + "settings_put.json", body=body, practice_id=PRACTICE, groups="admin"
    )
    assert stale.status == 409
    bad = invoke(
        "eligibility",
        E + "settings_put.json",
        body={**body, "cache_hours": 999},
        practice_id=PRACTICE,
        groups="admin",
    )
    assert bad.status == 422 and bad.body["fields"][0]["field"] == "cache_hours"
    from clinicflow.eligibility.store import DynamoSettingsRepository

    assert DynamoSettingsRepository().nightly_practices() == [PRACTICE]
    pid, cid = _setup(invoke, "SBX-ACTIVE-001")
    for _ in range(2):  # cache off: both ask the payer
        res = invoke(
            "eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE
        )
        assert res.status == 201


def test_corrections_are_shown_and_applied_on_request(
    invoke: Any, documents: MemoryDocuments, correcting: None
) -> None:
    pid, cid = _setup(invoke, "SBX-ACTIVE-001")
    patient = invoke(
        "patients", "patients/get.json", path={"patient_id": pid}, practice_id=PRACTICE
    )
    last = patient.body["name"]["last"]
    res = invoke("eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE)
    assert res.status == 201, res.body
    fixes = {c["field"]: c for c in res.body["corrections"]}
    assert set(fixes) == {"member_id", "patient.last_name"}
    assert fixes["member_id"] == {
        "field": "member_id",
        "sent": "SBX-ACTIVE-001",
        "returned": "SBX-ACTIVE-777",
        "applied_at": None,
        "applied_by": None,
    }
    # Nothing changed yet: never silently.
    cov = invoke(
        "coverages",
        "coverages/get.json",
        path={"patient_id": pid, "coverage_id": cid},
        practice_id=PRACTICE,
    )
    assert cov.body["member_id"] == "SBX-ACTIVE-001"
    check_id = res.body["id"]
    provider = invoke(
        "eligibility",
        E + "apply_corrections.json",
        path={"check_id": check_id},
        body={"fields": ["member_id"]},
        practice_id=PRACTICE,
        groups="provider",
    )
    assert provider.status == 403
    applied = invoke(
        "eligibility",
        E + "apply_corrections.json",
        path={"check_id": check_id},
        body={"fields": ["member_id", "patient.last_name"]},
        practice_id=PRACTICE,
    )
    assert applied.status == 200, applied.body
    assert all(c["applied_at"] for c in applied.body["corrections"])
    cov = invoke(
        "coverages",
        "coverages/get.json",
        path={"patient_id": pid, "coverage_id": cid},
        practice_id=PRACTICE,
    )
    assert cov.body["member_id"] == "SBX-ACTIVE-777" and cov.body["version"] == 2
    patient = invoke(
        "patients", "patients/get.json", path={"patient_id": pid}, practice_id=PRACTICE
    )
    assert patient.body["name"]["last"].upper() == (last + "E").upper()
    again = invoke(
        "eligibility",
        E + "apply_corrections.json",
        path={"check_id": check_id},
        body={"fields": ["member_id"]},
        practice_id=PRACTICE,
    )
    assert again.status == 422 and again.body["fields"][0]["message"] == "was already applied"
    assert "SBX" not in str(again.body)
    records, _ = list_records(PRACTICE, subject_id=pid)
    kinds = {(r.resource_type, r.action.value) for r in records}
    assert {("coverage", "update"), ("patient", "update"), ("eligibility_check", "update")} <= kinds


def test_a_record_changed_since_the_check_is_a_conflict(
    invoke: Any, documents: MemoryDocuments, correcting: None
) -> None:
    pid, cid = _setup(invoke, "SBX-ACTIVE-001")
    res = invoke("eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE)
    path = {"patient_id": pid, "coverage_id": cid}
    edit = invoke(
        "coverages",
        "coverages/update.json",
        path=path,
        body={"member_id": "SBX-ACTIVE-555", "version": 1},
        practice_id=PRACTICE,
    )
    assert edit.status == 200, edit.body
    applied = invoke(
        "eligibility",
        E + "apply_corrections.json",
        path={"check_id": res.body["id"]},
        body={"fields": ["member_id"]},
        practice_id=PRACTICE,
    )
    assert applied.status == 409
    assert applied.body["fields"] == [{"field": "member_id", "message": "changed since the check"}]
    cov = invoke("coverages", "coverages/get.json", path=path, practice_id=PRACTICE)
    assert cov.body["member_id"] == "SBX-ACTIVE-555"


def test_flags_by_date_range(invoke: Any, documents: MemoryDocuments) -> None:
    store = DynamoFlagStore()
    base = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    for n, kind in enumerate((FlagKind.OK, FlagKind.INACTIVE, FlagKind.NO_COVERAGE)):
        store.put(
            PRACTICE,
            flag_of(
                appointment_id=f"appt-{n}",
                patient_id="5f0c3b9e2a7d4e1f8b6a9c0d1e2f3a4b",
                appointment_start=base + timedelta(days=n),
                service_date=date(2026, 3, 3 + n),
                checked_at=base - timedelta(days=1),
                kind=kind,
            ),
        )
    res = invoke(
        "eligibility",
        E + "flags.json",
        query={"from": "2026-03-03", "to": "2026-03-05"},
        practice_id=PRACTICE,
    )
    assert res.status == 200, res.body
    assert [f["appointment_id"] for f in res.body["items"]] == ["appt-0", "appt-1"]
    problems = invoke(
        "eligibility",
        E + "flags.json",
        query={"from": "2026-03-01", "to": "2026-03-10", "problems_only": "true"},
        practice_id=PRACTICE,
    )
    assert [(f["kind"], f["problem"]) for f in problems.body["items"]] == [
        ("inactive", True),
        ("no_coverage", True),
    ]
    theirs = invoke("eligibility", E + "flags.json", practice_id=OTHER)
    assert theirs.status == 200 and theirs.body["items"] == []
    for query in (
        {"from": "2026-03-05", "to": "2026-03-01"},
        {"from": "x" * 10, "to": "2026-03-01"},
        {"from": "2026-01-01", "to": "2026-03-01"},
    ):
        bad = invoke("eligibility", E + "flags.json", query=query, practice_id=PRACTICE)
        assert bad.status == 422, query
