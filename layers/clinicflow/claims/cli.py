"""`clinicflow claims redrive`, `clinicflow claims backtest` and `clinicflow billing run`.

    clinicflow claims redrive [--stage local] [--data-dir DIR] [--limit N]
    clinicflow claims backtest --from-date YYYY-MM-DD --to-date YYYY-MM-DD [--payer ID]
                               [--practice sunrise] [--stage local] [--data-dir DIR] [--json]
    clinicflow billing run [--practice sunrise] [--stage local] [--data-dir DIR] [--no-wait]

With `--stage local` (the default) they talk to the running local stack (found through its
`stack.json`); with another stage they use the AWS credentials of the environment and the
stage's resource names (`clinicflow-<stage>-claim-submit`, `clinicflow-<stage>-billing-cycle`,
`clinicflow-<stage>-claims`). The backtest invokes the claims API function with the request
`GET /claims/backtest` would make, as an admin of the practice named `cli:<IAM identity>`
(`cli:local` on the local stack), so the run is checked and audited like the API's.
Output names ids, counts, rule ids, payer reasons and states only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

_PRACTICE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def register(subparsers: Any) -> None:
    """Add `claims` and `billing` to the `clinicflow` command's subparsers."""
    claims = subparsers.add_parser("claims", help="claim submission: redrive the dead letters")
    claim_commands = claims.add_subparsers(dest="claims_command", required=True)
    redrive = claim_commands.add_parser(
        "redrive", help="move claim messages from the DLQ back to the claim queue"
    )
    _common(redrive)
    redrive.add_argument("--limit", type=int, default=10_000, help="most messages to move")
    redrive.set_defaults(func=_redrive)
    backtest = claim_commands.add_parser(
        "backtest", help="run today's scrubber rules over claims payers answered"
    )
    _common(backtest)
    backtest.add_argument("--practice", default="sunrise", help="practice id (default: sunrise)")
    backtest.add_argument("--from-date", required=True, type=date.fromisoformat)
    backtest.add_argument("--to-date", required=True, type=date.fromisoformat)
    backtest.add_argument("--payer", help="one payer id (default: every payer)")
    backtest.add_argument("--json", action="store_true", help="print the report as JSON")
    backtest.set_defaults(func=_backtest)

    billing = subparsers.add_parser("billing", help="the billing cycle (Step Functions)")
    billing_commands = billing.add_subparsers(dest="billing_command", required=True)
    run = billing_commands.add_parser("run", help="start a billing cycle and show its progress")
    _common(run)
    run.add_argument("--practice", default="sunrise", help="practice id (default: sunrise)")
    run.add_argument("--no-wait", action="store_true", help="start it and return")
    run.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait at most")
    run.set_defaults(func=_billing_run)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", default="local", help="deployment stage (default: local)")
    parser.add_argument("--data-dir", help="the local stack's data directory")


def _client(service: str, args: argparse.Namespace) -> Any:
    import boto3

    if args.stage != "local":
        return boto3.client(service)
    from clinicflow.cli import _data_dir
    from clinicflow.local.tokens import stack_state

    state = stack_state(Path(args.data_dir) if args.data_dir else _data_dir(None))
    return boto3.client(
        service,
        endpoint_url=state["cognitoEndpoint"],  # the local stack's AWS endpoint
        region_name=state["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 (emulator credentials)
    )


def _redrive(args: argparse.Namespace) -> int:
    from clinicflow.claims.submission.aws import redrive

    try:
        sqs = _client("sqs", args)
        queue = sqs.get_queue_url(QueueName=f"clinicflow-{args.stage}-claim-submit")["QueueUrl"]
        dlq = sqs.get_queue_url(QueueName=f"clinicflow-{args.stage}-claim-submit-dlq")["QueueUrl"]
        moved = redrive(sqs, dlq, queue, limit=args.limit)
    except Exception as exc:
        print(f"clinicflow claims redrive: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"moved {moved} message(s) from the dead-letter queue back to the claim queue")
    return 0


def _state_machine_arn(sfn: Any, stage: str) -> str:
    name = f"clinicflow-{stage}-billing-cycle"
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return str(machine["stateMachineArn"])
    raise LookupError(f"state machine {name} not found")


def progress(history: list[dict[str, Any]]) -> str:
    """One line of progress from an execution's history: the current state, chunks done."""
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    done = sum(1 for e in history if e["type"] == "MapIterationSucceeded")
    started = sum(1 for e in history if e["type"] == "MapIterationStarted")
    state = entered[-1] if entered else "starting"
    return f"{state:<14} chunks {done}/{started} done, {len(history)} events"


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
        events += page["events"]
    return events


def _billing_run(args: argparse.Namespace) -> int:
    if not _PRACTICE.match(args.practice):
        print("clinicflow billing run: --practice must be a practice id", file=sys.stderr)
        return 2
    try:
        sfn = _client("stepfunctions", args)
        machine = _state_machine_arn(sfn, args.stage)
        name = f"{args.practice}-manual-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        arn = sfn.start_execution(
            stateMachineArn=machine, name=name, input=json.dumps({"practice_id": args.practice})
        )["executionArn"]
    except Exception as exc:
        print(f"clinicflow billing run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"started billing cycle {name}")
    if args.no_wait:
        return 0
    deadline = time.monotonic() + args.timeout
    last = ""
    while True:
        described = sfn.describe_execution(executionArn=arn)
        line = progress(_history(sfn, arn))
        if line != last:
            print(f"  {line}", flush=True)
            last = line
        if described["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            print("clinicflow billing run: still running; stopped waiting", file=sys.stderr)
            return 1
        time.sleep(1.0)
    print(f"{described['status']}")
    if described.get("output"):
        print(json.dumps(json.loads(described["output"]), indent=2))
    return 0 if described["status"] == "SUCCEEDED" else 1


# --- claims backtest -------------------------------------------------------------------------
def backtest_event(
    practice_id: str, actor: str, first: date, last: date, payer_id: str | None
) -> dict[str, Any]:
    """The API Gateway proxy event of `GET /claims/backtest` for an admin of the practice."""
    query = {"from_date": first.isoformat(), "to_date": last.isoformat()}
    if payer_id:
        query["payer_id"] = payer_id
    path = "/claims/backtest"
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()},
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "GET",
            "path": path,
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "", "userAgent": "clinicflow-cli"},
            "authorizer": {
                "claims": {
                    "cognito:username": actor,
                    "custom:practice_id": practice_id,
                    "cognito:groups": "admin",
                }
            },
        },
        "body": None,
        "isBase64Encoded": False,
    }


def _actor(args: argparse.Namespace) -> str:
    if args.stage == "local":
        return "cli:local"
    return "cli:" + str(_client("sts", args).get_caller_identity()["Arn"])


def _invoke_backtest(args: argparse.Namespace) -> dict[str, Any]:
    """The API function's answer: {"statusCode": ..., "body": ...} (RuntimeError on a crash)."""
    event = backtest_event(args.practice, _actor(args), args.from_date, args.to_date, args.payer)
    result = _client("lambda", args).invoke(
        FunctionName=f"clinicflow-{args.stage}-claims", Payload=json.dumps(event).encode()
    )
    payload = json.loads(result["Payload"].read() or b"{}")
    if result.get("FunctionError"):
        raise RuntimeError(f"the claims function failed ({payload.get('errorType', 'error')})")
    return dict(payload)


def _rows(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1]
        for r in rows
    ]


def format_backtest(report: dict[str, Any]) -> str:
    """The backtest report as readable text."""
    counts = report["counts"]
    bad = counts["rejected"] + counts["denied"]
    payer = report.get("payer_id") or "every payer"
    lines = [
        f"Scrubber backtest {report['from_date']}..{report['to_date']} ({payer}): "
        f"{report['total']} answered sends - {counts['rejected']} rejected, "
        f"{counts['denied']} denied, {counts['accepted']} accepted",
        f"Caught {len(report['caught'])} of {bad} rejected/denied, missed "
        f"{len(report['missed'])}; would have blocked {len(report['false_blocks'])} of "
        f"{counts['accepted']} accepted.",
    ]
    if report.get("untested"):
        lines.append(
            f"{report['untested']} answered send(s) not tested: "
            "their 837P file could not be read back."
        )
    sections: list[tuple[str, list[list[str]]]] = [
        (
            "Rules (caught, would have blocked)",
            [[r["rule_id"], str(r["caught"]), str(r["false_blocks"]), r.get("summary", "")]
             for r in report["rules"]],
        ),
        (
            "Caught",
            [[c["claim_id"], c["file_id"], c["payer_id"], c["outcome"], ",".join(c["rule_ids"]),
              c["reason"]] for c in report["caught"]],
        ),
        (
            "Missed (rules worth adding)",
            [[m["claim_id"], m["file_id"], m["payer_id"], m["outcome"], m["reason"]]
             for m in report["missed"]],
        ),
        (
            "Would have blocked (accepted)",
            [[f["claim_id"], f["file_id"], f["payer_id"], ",".join(f["rule_ids"])]
             for f in report["false_blocks"]],
        ),
        (
            "Missed reasons",
            [[str(r["count"]), r["reason"]] for r in report["missed_reasons"]],
        ),
    ]  # fmt: skip
    for title, rows in sections:
        if rows:
            lines += ["", title, *_rows(rows)]
    return "\n".join(lines)


def _backtest(args: argparse.Namespace) -> int:
    if not _PRACTICE.match(args.practice):
        print("clinicflow claims backtest: --practice must be a practice id", file=sys.stderr)
        return 2
    try:
        answer = _invoke_backtest(args)
    except Exception as exc:
        print(f"clinicflow claims backtest: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    body = json.loads(answer.get("body") or "{}")
    if answer.get("statusCode") != 200:
        message = body.get("message", "the request failed")
        print(f"clinicflow claims backtest: {answer.get('statusCode')}: {message}", file=sys.stderr)
        return 1
    print(json.dumps(body, indent=2) if args.json else format_backtest(body))
    return 0
