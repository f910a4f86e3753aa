"""The sandbox payer's "corrected details" scenario through the Eligibility function: the real
sandbox (no correcting wrapper) reports the corrections, staff apply them, and the next
check of the corrected records is clean. Real DynamoDB Local, in-memory raw files."""

from __future__ import annotations

import json
from typing import Any

from test_eligibility_handler import PRACTICE, MemoryDocuments, _check_body, documents

from tests.conftest import ROOT

E = "eligibility/"
__all__ = ["documents"]  # the fixture, shared with test_eligibility_handler


def _kate(invoke: Any) -> tuple[str, str]:
    """Kate (a nickname; born 1984-03-09) with a SBX-CORRECTED coverage: her ids."""
    assert invoke("practice", "practice/put_practice.json", practice_id=PRACTICE).status in {
        200,
        201,
    }
    payer = invoke("practice", "practice/put_payer.json", practice_id=PRACTICE, groups="admin")
    assert payer.status in {200, 201}, payer.body
    body = json.loads(json.loads((ROOT / "events/patients/create.json").read_text())["body"])
    body |= {"name": {"first": "Kate", "last": "Synthetico"}, "dob": "1984-03-09"}
    patient = invoke("patients", "patients/create.json", body=body, practice_id=PRACTICE)
    assert patient.status == 201, patient.body
    pid = patient.body["id"]
    coverage = invoke(
        "coverages",
        "coverages/create.json",
        path={"patient_id": pid},
        body={
            "payer_id": "MRDN1",
            "member_id": "SBX-CORRECTED-042",
            "claim_filing_indicator": "CI",
            "relationship": "18",
        },
        practice_id=PRACTICE,
    )
    assert coverage.status == 201, coverage.body
    return pid, coverage.body["id"]


def test_sandbox_corrections_are_applied_then_the_next_check_is_clean(
    invoke: Any, documents: MemoryDocuments
) -> None:
    pid, cid = _kate(invoke)
    res = invoke("eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE)
    assert res.status == 201, res.body
    assert res.body["result"]["status"] == "active"
    fixes = {c["field"]: (c["sent"], c["returned"]) for c in res.body["corrections"]}
    assert fixes == {
        "member_id": ("SBX-CORRECTED-042", "SBX-ACTIVE-042"),
        "patient.first_name": ("Kate", "KATHERINE"),
        "patient.birth_date": ("1984-03-09", "1984-09-03"),
    }
    applied = invoke(
        "eligibility",
        E + "apply_corrections.json",
        path={"check_id": res.body["id"]},
        body={"fields": sorted(fixes)},
        practice_id=PRACTICE,
    )
    assert applied.status == 200, applied.body
    patient = invoke(
        "patients", "patients/get.json", path={"patient_id": pid}, practice_id=PRACTICE
    ).body
    assert (patient["name"]["first"], patient["dob"]) == ("Katherine", "1984-09-03")
    again = invoke(
        "eligibility", E + "check.json", body=_check_body(pid, cid), practice_id=PRACTICE
    )
    assert again.status == 201, again.body  # a different question now: asked afresh
    assert again.body["result"]["status"] == "active" and again.body["corrections"] == []
