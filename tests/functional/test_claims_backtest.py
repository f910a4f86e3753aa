"""GET /claims/backtest through the claims handler, against DynamoDB Local.

Claims are created, scrubbed clean and sent to the sandbox clearinghouse (in-memory S3 and
queue), which accepts them or rejects them by member id (277CA A7:164:IL); one accepted claim is
then denied by the payer's recorded decision. The practice then turns on a rule it lacked
(prior authorization for 97110), and the backtest replays today's rules over what was sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from clinicflow.audit.store import AuditItem
from clinicflow.claims.cli import backtest_event, format_backtest
from clinicflow.claims.store import DynamoClaimsStore
from clinicflow.claims.submission import service as submission
from clinicflow.claims.submission.store import DynamoSubmissionStore
from clinicflow.clearinghouse.claims_port import ClaimsClearinghouse, MemoryObjects
from clinicflow.clearinghouse.claims_sandbox import SandboxClaimsClearinghouse
from clinicflow.patients.store import DynamoAuditLog
from clinicflow.platform.dynamo import tenant_key
from tests.functional.conftest import call, load_event
from tests.functional.test_claims_handler import PRACTICE, _i, _setup, _signed_claim

EVENT = "claims/claims_backtest.json"
REJECTED_FOR_MEMBER_ID = (
    "277CA Acknowledgement/Rejected for invalid information: Entity's contract/member number "
    "(Insured or subscriber)"
)
PT = [{"procedure": "97110", "units": "1", "pointers": [1], "charge": "60.00"}]


class _Documents(MemoryObjects):
    def download_url(self, key: str, expires_in: int) -> str:
        return f"https://s3.example.test/{key}"


class _Queue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, messages: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None:
        self.messages += list(messages)


def _ports() -> Any:
    """Submission ports on DynamoDB Local with in-memory S3, queue and sandbox clearinghouse."""
    sandbox = SandboxClaimsClearinghouse(MemoryObjects(), PRACTICE)

    def clearinghouse(_: Any) -> ClaimsClearinghouse:
        return sandbox

    return submission.Ports(
        store=DynamoSubmissionStore(),
        claims=DynamoClaimsStore(),
        documents=_Documents(),
        queue=_Queue(),
        clearinghouse=clearinghouse,
        audit=DynamoAuditLog(),
        workers=2,
    )


def _claim_on(invoke: Any, ids: dict[str, str], days_ago: int, **changes: Any) -> str:
    """A claim for a visit `days_ago` days back (one a day: no possible duplicates), ready."""
    day = (datetime.now(UTC).date() - timedelta(days=days_ago)).isoformat()
    claim = _signed_claim(invoke, ids, service_date=day, **changes)
    scrubbed = _i(invoke, "claims", "claims/scrub_claim.json", path={"claim_id": claim["claim_id"]})
    assert scrubbed.body["status"] == "ready", scrubbed.body["findings"]
    return str(claim["claim_id"])


def _send_and_acknowledge(claim_ids: list[str]) -> None:
    ports = _ports()
    biller = submission.system_caller(PRACTICE, "biller-1")
    claims = [ports.claims.get_claim(PRACTICE, cid) for cid in claim_ids]
    outcome = submission.queue_claims(biller, claims, ports=ports)
    assert sorted(outcome.queued) == sorted(claim_ids)
    submission.send_queued(PRACTICE, "MRDN1", ports=ports)
    submission.ingest(PRACTICE, ports=ports)  # the 999
    submission.ingest(PRACTICE, ports=ports)  # the 277CA, one collection later


def _status(invoke: Any, claim_id: str) -> dict[str, Any]:
    got = _i(invoke, "claims", "claims/get_claim.json", path={"claim_id": claim_id})
    assert got.status == 200, got.body
    return {"status": got.body["status"], "version": got.body["version"]}


def _backtest(
    invoke: Any, *, groups: str | None = None, practice_id: str = PRACTICE, **query: Any
) -> Any:
    """GET /claims/backtest for today (UTC) as a biller of the practice, with changes."""
    today = datetime.now(UTC).date().isoformat()
    query = {"from_date": today, "to_date": today, **query}
    return invoke(
        "claims",
        EVENT,
        query={k: v for k, v in query.items() if v is not None},
        groups=groups,
        practice_id=practice_id,
    )


def _patient_the_payer_rejects(invoke: Any) -> dict[str, str]:
    """Another patient, covered by MRDN1 under a member id the sandbox rejects (277CA)."""
    body = json.loads(load_event("patients/create.json")["body"])
    body.update(name={"first": "Quinn", "last": "Examplar"}, dob="1979-03-02")
    patient = _i(invoke, "patients", "patients/create.json", body=body)
    assert patient.status == 201, patient.body
    coverage = _i(
        invoke,
        "coverages",
        "coverages/create.json",
        path={"patient_id": patient.body["id"]},
        body={
            "payer_id": "MRDN1",
            "member_id": "SBX-REJECT-2002",
            "group_number": "G-100",
            "claim_filing_indicator": "CI",
            "relationship": "18",
        },
    )
    assert coverage.status == 201, coverage.body
    return {"patient": patient.body["id"], "coverage": coverage.body["id"]}


@pytest.fixture
def sent(invoke: Any) -> dict[str, str]:
    """Four claims sent and answered: denied, accepted, and two rejected by the payer."""
    ids = _setup(invoke)
    rejected_ids = {**ids, **_patient_the_payer_rejects(invoke)}
    assert _i(invoke, "claim_submission", "claims/put_clearinghouse_profile.json").status == 200
    made = {
        "denied": _claim_on(invoke, ids, 7),
        "accepted_pt": _claim_on(invoke, ids, 8, lines=PT),
        "rejected_pt": _claim_on(invoke, rejected_ids, 9, lines=PT),
        "rejected": _claim_on(invoke, rejected_ids, 10),
    }
    _send_and_acknowledge(list(made.values()))
    version = _status(invoke, made["denied"])["version"]
    decision = {
        "version": version,
        "adjudication": {
            "paid": "0.00",
            "adjudicated_on": datetime.now(UTC).date().isoformat(),
            "adjustments": [{"group": "CO", "reason": "50", "amount": "165.50"}],
        },
    }
    denied = _i(
        invoke,
        "claims",
        "claims/record_adjudication.json",
        path={"claim_id": made["denied"]},
        body=decision,
    )
    assert denied.status == 200, denied.body
    expected = {"denied": "denied", "accepted_pt": "accepted"}
    for name, cid in made.items():
        assert _status(invoke, cid)["status"] == expected.get(name, "rejected"), name
    # the practice learns that the payer wants prior authorization for 97110
    rules = _i(
        invoke,
        "claims",
        "claims/put_scrubber_rules.json",
        body={"params": {"prior_auth.required": {"procedures": ["97110"]}}},
    )
    assert rules.status == 200, rules.body
    return made


def test_backtest_reports_caught_missed_and_false_blocks(invoke: Any, sent: dict[str, str]) -> None:
    before = {cid: _status(invoke, cid) for cid in sent.values()}
    res = _backtest(invoke)
    assert res.status == 200, res.body
    body = res.body
    assert body["counts"] == {"rejected": 2, "denied": 1, "accepted": 1} and body["total"] == 4
    (file,) = DynamoSubmissionStore().files_of_claim(PRACTICE, sent["rejected_pt"])
    assert body["caught"] == [
        {
            "claim_id": sent["rejected_pt"],
            "payer_id": "MRDN1",
            "outcome": "rejected",
            "rule_ids": ["prior_auth.required"],
            "reason": REJECTED_FOR_MEMBER_ID,
            "file_id": file.file_id,  # the 837P file it went out in (all four went in one)
        }
    ]
    missed = {m["claim_id"]: (m["outcome"], m["reason"]) for m in body["missed"]}
    assert missed == {
        sent["rejected"]: ("rejected", REJECTED_FOR_MEMBER_ID),
        sent["denied"]: ("denied", "claim adjustment reasons CO-50"),
    }
    assert body["false_blocks"] == [
        {
            "claim_id": sent["accepted_pt"],
            "payer_id": "MRDN1",
            "rule_ids": ["prior_auth.required"],
            "file_id": file.file_id,
        }
    ]
    (score,) = body["rules"]
    assert (score["rule_id"], score["caught"], score["false_blocks"]) == (
        "prior_auth.required",
        1,
        1,
    )
    assert score["summary"].startswith("Prior authorization")
    assert {r["reason"]: r["count"] for r in body["missed_reasons"]} == {
        REJECTED_FOR_MEMBER_ID: 1,
        "claim adjustment reasons CO-50": 1,
    }
    assert body["untested"] == 0
    for phi in ("Okafor", "Synthetico", "Examplar", "SBX-REJECT", "SBX-ACTIVE"):
        assert phi not in str(body), phi  # ids, rule ids, reasons and counts only
    # a read only: no claim changed; one audit record for the run
    assert {cid: _status(invoke, cid) for cid in sent.values()} == before
    today = datetime.now(UTC).date().isoformat()
    key = tenant_key(PRACTICE, "AUDIT", f"{today}..{today}#*")
    (record,) = AuditItem.by_resource.query(key)
    assert (record.action, record.resource_type, record.actor) == (
        "read",
        "claim_backtest",
        "sunrise-biller",
    )
    # the CLI's request gives the same report, and reads as a table
    cli = call("claims", backtest_event(PRACTICE, "cli:local", date.fromisoformat(today),
                                         date.fromisoformat(today), None))  # fmt: skip
    assert cli.status == 200 and cli.body["caught"] == body["caught"]
    text = format_backtest(cli.body)
    assert "4 answered sends - 2 rejected, 1 denied, 1 accepted" in text
    assert f"{sent['accepted_pt']}  {file.file_id}  MRDN1  prior_auth.required" in text


def test_backtest_windows_payers_and_practices(invoke: Any, sent: dict[str, str]) -> None:
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    later = _backtest(invoke, from_date=tomorrow, to_date=tomorrow)
    assert later.status == 200 and later.body["total"] == 0
    other_payer = _backtest(invoke, payer_id="HRBV3")
    assert other_payer.status == 200 and other_payer.body["total"] == 0
    one_payer = _backtest(invoke, payer_id="MRDN1")
    assert one_payer.body["total"] == 4 and one_payer.body["payer_id"] == "MRDN1"
    other_practice = _backtest(invoke, practice_id="lakeside")
    assert other_practice.status == 200 and other_practice.body["total"] == 0
    admin = _backtest(invoke, groups="admin")
    assert admin.status == 200 and admin.body["total"] == 4


def test_backtest_roles_and_validation(invoke: Any) -> None:
    for group in ("front-desk", "provider", ""):
        assert _backtest(invoke, groups=group).status == 403, group
    today = datetime.now(UTC).date()
    cases = {
        "to_date": {"to_date": (today - timedelta(days=1)).isoformat()},
        "from_date": {"from_date": "2026-13-01"},
        "payer_id": {"payer_id": "not a payer"},
    }
    for field, query in cases.items():
        bad = _backtest(invoke, **query)
        assert bad.status == 422, (field, bad.body)
        assert [f["field"] for f in bad.body["fields"]] == [field]
        assert "not a payer" not in bad.body["message"]
    too_long = _backtest(invoke, from_date="2025-01-01", to_date="2026-01-02")  # 367 days
    assert too_long.status == 422 and too_long.body["fields"][0]["field"] == "to_date"
    assert "366" in too_long.body["message"]
    missing = _i(invoke, "claims", EVENT, query={"from_date": today.isoformat()})
    assert missing.status == 422 and [f["field"] for f in missing.body["fields"]] == ["to_date"]
