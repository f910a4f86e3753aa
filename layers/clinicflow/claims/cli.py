"""`clinicflow claims redrive` and `clinicflow billing run`.

    clinicflow claims redrive [--stage local] [--data-dir DIR] [--limit N]
    clinicflow billing run [--practice sunrise] [--stage local] [--data-dir DIR] [--no-wait]

With `--stage local` (the default) both talk to the running local stack (found through its
`stack.json`); with another stage they use the AWS credentials of the environment and the
stage's resource names (`clinicflow-<stage>-claim-submit`, `clinicflow-<stage>-billing-cycle`).
Output names ids, counts and states only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime
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
