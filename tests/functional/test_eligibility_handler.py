"""Eligibility function: real DynamoDB Local, the sandbox payer, an in-memory document store."""

from __future__ import annotations

from typing import Any

import pytest

from clinicflow.audit.store import list_records
from clinicflow.platform.errors import NotFoundError

PRACTICE = "prac-demo-a"
OTHER_PRACTICE = "prac-demo-b"
E = "eligibility/"


class MemoryDocuments:
    """DocumentStore in a dict (S3 itself is covered by the integration tests)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = body

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFoundError("the raw file is not stored")
        return self.objects[key]

    def download_url(self, key: str, expires_in: int) -> str:
        return f"https://documents.example/{key}"


@pytest.fixture
def documents(monkeypatch: pytest.MonkeyPatch) -> MemoryDocuments:
    from clinicflow.eligibility import api

    store = MemoryDocuments()
    monkeypatch.setattr(api, "_documents", store)
    return store


def _setup(invoke: Any, member_id: str) -> tuple[str, str]:
    """A practice profile, the sandbox payer, a patient and a coverage; their ids."""
    assert invoke("practice", "practice/put_practice.json", practice_id=PRACTICE).status in {
        200,
        201,
    }
    payer = invoke("practice", "practice/put_payer.json", practice_id=PRACTICE, groups="admin")
    assert payer.status in {200, 201}, payer.body
    patient = invoke("patients", "patients/create.json", practice_id=PRACTICE)
    assert patient.status == 201, patient.body
    pid = patient.body["id"]
    body = {
        "payer_id": "MRDN1",
        "member_id": member_id,
        "group_number": "GRP-0042",
        "claim_filing_indicator": "CI",
        "relationship": "18",
    }
    coverage = invoke(
        "coverages", "coverages/create.json", path={"patient_id": pid}, body=body,
        practice_id=PRACTICE,
    )  # fmt: skip
    assert coverage.status == 201, coverage.body
    return pid, coverage.body["id"]


def _check_body(pid: str, cid: str) -> dict[str, Any]:
    return {
        "patient_id": pid,
        "coverage_id": cid,
        "service_date": "2026-03-20",
        "service_type_codes": ["98"],
    }


def test_active_check_round_trip(invoke: Any, documents: MemoryDocuments) -> None:
    pid, cid = _setup(invoke, "SBX-ACTIVE-001")
    res = invoke("eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE)
    assert res.status == 201, res.body
    check = res.body
    result = check["result"]
    assert check["active"] is True and result["status"] == "active"
    assert result["copay"] == "25"
    assert result["deductible"]["individual"]["in_network"]["remaining"] == "1250"
    assert result["plan_name"] == "SANDBOX GOLD PPO"
    check_id = check["id"]
    assert set(documents.objects) == {
        f"{PRACTICE}/eligibility/{check_id}/270.x12",
        f"{PRACTICE}/eligibility/{check_id}/271.x12",
    }
    got = invoke("eligibility", E + "get.json", path={"check_id": check_id}, practice_id=PRACTICE)
    assert check.pop("cached") is False  # a new answer; a reused one says True (and 200)
    assert got.status == 200 and got.body == check
    raw = invoke(
        "eligibility", E + "raw.json", path={"check_id": check_id, "kind": "271"},
        query={"inline": "true"}, practice_id=PRACTICE,
    )  # fmt: skip
    assert raw.status == 200, raw.body
    assert raw.body["text"].startswith("ISA*") and raw.body["url"].endswith("/271.x12")
    records, _ = list_records(PRACTICE, subject_id=pid)
    assert {(r.resource_type, r.action.value) for r in records} >= {
        ("eligibility_check", "create"), ("eligibility_check", "read"),
        ("eligibility_check", "export"),
    }  # fmt: skip


def test_other_practice_sees_nothing(invoke: Any, documents: MemoryDocuments) -> None:
    pid, cid = _setup(invoke, "SBX-ACTIVE-001")
    created = invoke(
        "eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE
    )
    check_id = created.body["id"]
    for event, path in (("get.json", {"check_id": check_id}),
                        ("raw.json", {"check_id": check_id, "kind": "270"})):  # fmt: skip
        res = invoke("eligibility", E + event, path=path, practice_id=OTHER_PRACTICE)
        assert res.status == 404
    theirs = invoke(
        "eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=OTHER_PRACTICE
    )
    assert theirs.status == 404


def test_timeout_is_stored_without_a_271(invoke: Any, documents: MemoryDocuments) -> None:
    pid, cid = _setup(invoke, "SBX-TIMEOUT-9")
    res = invoke("eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE)
    assert res.status == 201, res.body
    assert res.body["result"]["status"] == "payer_unavailable"
    assert res.body["raw"]["271"] is None
    raw = invoke(
        "eligibility", E + "raw.json", path={"check_id": res.body["id"], "kind": "271"},
        practice_id=PRACTICE,
    )  # fmt: skip
    assert raw.status == 404


def test_invalid_member_id_gives_an_actionable_message(
    invoke: Any, documents: MemoryDocuments
) -> None:
    pid, cid = _setup(invoke, "SBX-BADID")
    res = invoke("eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE)
    assert res.status == 201
    (problem,) = res.body["result"]["problems"]
    assert problem["reason_code"] == "72"
    assert "member ID on the insurance card" in problem["action"]


def test_bad_request_names_the_fields(invoke: Any, documents: MemoryDocuments) -> None:
    body = {"patient_id": "x", "coverage_id": "y", "service_date": "soon",
            "service_type_codes": ["TOOLONG"]}  # fmt: skip
    res = invoke("eligibility", E + "check.json", body=body, practice_id=PRACTICE)
    assert res.status == 422
    fields = {f["field"] for f in res.body["fields"]}
    assert {"service_date", "service_type_codes.0"} <= fields
    assert documents.objects == {}


def test_unknown_check_and_kind(invoke: Any, documents: MemoryDocuments) -> None:
    missing = invoke(
        "eligibility", E + "get.json", path={"check_id": "ab" * 16}, practice_id=PRACTICE
    )
    assert missing.status == 404
    bad_kind = invoke(
        "eligibility", E + "raw.json", path={"check_id": "ab" * 16, "kind": "835"},
        practice_id=PRACTICE,
    )  # fmt: skip
    assert bad_kind.status == 422
