"""The billing cycle (infra/statemachines/billing_cycle.asl.json) executes for real on the local
stack: moto runs the ASL, the Lambda tasks run our handler in-process, the nightly schedule
fires at the practice-local hour on the local clock."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from clinicflow.claims.cli import register
from clinicflow.local.stack import LocalStack
from tests.integration.conftest import ApiClient
from tests.integration.test_claims_submission import (
    claim_status,
    collect_acks,
    documents,
    make_signed_encounter,
    setup_profile,
    wait_for,
)

pytestmark = pytest.mark.integration


def _execution(stack: LocalStack, arn: str, timeout: float = 300.0) -> dict:
    sfn = stack.client("stepfunctions")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.3)
    raise AssertionError("the billing cycle did not finish in time")


def _encounter_claim(login: Callable[[str], ApiClient], eid: str) -> str:
    got = login("sunrise-biller").call("GET", f"/encounters/{eid}")
    assert got.status == 200, got.body
    return str(got.body["claim_id"])


def test_billing_cycle_runs_end_to_end(stack: LocalStack, login: Callable[[str], ApiClient]):
    assert stack.template is not None
    setup_profile(login)
    clean = [make_signed_encounter(login) for _ in range(3)]
    not_enrolled = make_signed_encounter(login, payer_id="HRBV3")
    scrubber_error = make_signed_encounter(login, diagnoses=("E11.9", "E10.9"))  # Excludes1
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stack.template.arns["BillingCycleStateMachine"],
        name="sunrise-test-cycle",
        input=json.dumps({"practice_id": "sunrise"}),
    )["executionArn"]
    described = _execution(stack, arn)
    assert described["status"] == "SUCCEEDED", described
    summary = json.loads(described["output"])
    assert summary["claims_created"] >= 5 and summary["claims_sent"] >= 3
    assert summary["files_sent"] >= 1 and summary["chunks_failed"] == 0
    assert summary["blocked_by_rule"].get("enrollment.edi", 0) >= 1
    assert summary["blocked_by_rule"].get("icd10.excludes1", 0) >= 1
    for eid in clean:
        assert claim_status(login, _encounter_claim(login, eid)) == "submitted"
    assert claim_status(login, _encounter_claim(login, not_enrolled)) == "ready"
    assert claim_status(login, _encounter_claim(login, scrubber_error)) == "draft"
    blocked = login("sunrise-biller").call("GET", "/claims/work-queue?state=blocked").body["items"]
    reasons = {i["claim_id"]: i["reasons"] for i in blocked}
    assert any("excludes1" in r for r in reasons[_encounter_claim(login, scrubber_error)])
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    assert len(history) < 25_000
    assert any(e["type"] == "MapIterationSucceeded" for e in history)
    # every 837P of the cycle is stored; acknowledgments arrive later, outside the run
    assert any(k.endswith("837P.x12") for k in documents(stack, "sunrise/claims/files/"))
    collect_acks(stack)
    collect_acks(stack)
    wait_for(lambda: claim_status(login, _encounter_claim(login, clean[0])) == "accepted")


def test_nightly_schedule_fires_at_the_practice_local_hour(stack: LocalStack):
    assert stack.template is not None
    sfn = stack.client("stepfunctions")
    machine = stack.template.arns["BillingCycleStateMachine"]

    def sunrise_runs() -> list[dict]:  # other practices run at their own hour, in their zone
        runs = sfn.list_executions(stateMachineArn=machine)["executions"]
        return [r for r in runs if r["name"].startswith("billing-sunrise-")]

    before = len(sunrise_runs())
    # Sunrise's own schedule, put when its profile was saved (default billing hour 03:00).
    schedule = stack.client("scheduler").get_schedule(
        GroupName="clinicflow-local-nightly", Name="billing-sunrise"
    )
    assert schedule["ScheduleExpressionTimezone"] == "America/Denver"
    assert schedule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    now = stack.clock.now().astimezone(ZoneInfo("America/Denver"))
    target = now.replace(hour=3, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    stack.advance_clock(target - now - timedelta(minutes=1))
    assert len(sunrise_runs()) == before
    stack.advance_clock(timedelta(minutes=2))
    executions = sunrise_runs()
    assert len(executions) == before + 1
    assert _execution(stack, executions[0]["executionArn"])["status"] == "SUCCEEDED"


def test_cli_billing_run_shows_progress(stack: LocalStack, capsys: pytest.CaptureFixture[str]):
    import argparse

    parser = argparse.ArgumentParser(prog="clinicflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["billing", "run", "--practice", "sunrise", "--data-dir", str(stack.options.state_dir)]
    )
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "started billing cycle sunrise-manual-" in out and "SUCCEEDED" in out
    assert '"status": "succeeded"' in out
    args = parser.parse_args(["claims", "redrive", "--data-dir", str(stack.options.state_dir)])
    assert args.func(args) == 0
    assert "moved 0 message(s)" in capsys.readouterr().out
