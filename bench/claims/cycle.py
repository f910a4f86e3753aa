"""The billing cycle over N signed encounters on the local stack (DynamoDB Local + moto).

    .venv/bin/python bench/claims/cycle.py [--sizes 10000 20000] [--max-seconds 1800] [--no-write]

For each size: starts a fresh local stack in memory with the demo practices, enrols Sunrise
with every payer of its directory, seeds that many signed superbills (2 lines, 2 diagnoses,
the demo patients' coverages) with BatchWriteItem and runs `billing_cycle.asl.json` once,
timing the execution and reading its history (an execution still running after
`--max-seconds` is recorded with the chunks it finished). Writes after each size
the "### Billing cycle on the local stack" part of the "## Claims" section of
docs/benchmarks.md. Local seconds describe the emulator (DynamoDB Local, moto running the
state machine and Lambda tasks in one process); the growth with N, the chunking and the
history size are what carry over to AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "layers"))
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Claims"
HEADING = "### Billing cycle on the local stack"
PRACTICE = "sunrise"


def _coverages(stack: Any) -> list[tuple[str, str]]:
    """(patient id, primary coverage id) of every demo patient with an ordered coverage: the
    cycle bills primaries (a secondary is billed from the primary's decision)."""
    assert stack.template is not None
    ddb = stack.client("dynamodb")
    out: list[tuple[str, str]] = []
    for page in ddb.get_paginator("scan").paginate(
        TableName=stack.template.physical["MainTable"],
        FilterExpression="begins_with(PK, :p) AND SK = :o",
        ExpressionAttributeValues={":p": {"S": f"{PRACTICE}#PATIENT#"}, ":o": {"S": "COVORDER"}},
        ProjectionExpression="PK, ids",
    ):
        for item in page["Items"]:
            ids = item.get("ids", {}).get("L", [])
            if ids:
                out.append((item["PK"]["S"].rsplit("#", 1)[-1], ids[0]["S"]))
    return sorted(out)


def _profile() -> None:
    """Enrol Sunrise with every payer of its directory (keeping a seeded profile's ids)."""
    from dataclasses import replace

    from clinicflow.claims.submission.model import (
        ClearinghouseProfile,
        EnrollmentStatus,
        PayerEnrollment,
    )
    from clinicflow.claims.submission.store import DynamoSubmissionStore
    from clinicflow.practice.payers.service import list_payers

    payers = [p.payer_id for p in list_payers(PRACTICE, limit=200).payers]
    enrollments = tuple(
        PayerEnrollment(p, EnrollmentStatus.ENROLLED, EnrollmentStatus.ENROLLED) for p in payers
    )
    store = DynamoSubmissionStore()
    current = store.get_profile(PRACTICE)
    if current is not None:
        store.save_profile(
            replace(current, enrollments=enrollments, version=current.version + 1),
            previous_version=current.version,
        )
        return
    store.save_profile(
        ClearinghouseProfile(
            practice_id=PRACTICE,
            clearinghouse_id="sandbox",
            submitter_id="SUNRISE01",
            submitter_name="Sunrise Family Medicine PC",
            contact_name="Billing Office",
            contact_phone="3035550100",
            receiver_id="SANDBOXCH",
            receiver_name="ClinicFlow Sandbox Clearinghouse",
            isa_sender_id="SUNRISE01",
            isa_receiver_id="SANDBOXCH",
            enrollments=enrollments,
        ),
        previous_version=None,
    )


def _seed(n: int, coverages: list[tuple[str, str]], day: date, offset: int) -> float:
    """Put n signed superbills straight into the table with BatchWriteItem (25 items a call,
    4 writers); returns seconds. Seeding is not what is measured: the API path (create, then
    sign, each one transaction with its audit record) is covered by the tests."""
    from clinicflow.claims.model import (
        Encounter,
        EncounterInput,
        EncounterStatus,
        ServiceLine,
        check_encounter,
    )
    from clinicflow.claims.store import ClaimsItem, encounter_item

    providers = ("prov-okafor", "prov-lindqvist", "prov-hartwell")  # all see patients in Denver
    width = len(coverages)
    signed_at = datetime.combine(day, datetime.min.time(), tzinfo=UTC)

    def encounter(i: int) -> Encounter:
        # distinct (patient, date, provider) for up to 3 x 360 x the coverages: no duplicates
        patient_id, coverage_id = coverages[i % width]
        data = EncounterInput(
            patient_id=patient_id,
            coverage_id=coverage_id,
            rendering_provider_id=providers[(i // (width * 360)) % 3],
            location_id="loc-denver",
            service_date=day - timedelta(days=1 + (i // width) % 360),
            diagnoses=("E11.9", "I10"),
            lines=(
                ServiceLine("99213", Decimal("1"), (1, 2), charge=Decimal("120.00")),
                ServiceLine("93000", Decimal("1"), (2,), charge=Decimal("45.50")),
            ),
        )
        return Encounter(
            PRACTICE,
            f"enc-bench-{i:06d}",
            check_encounter(data),
            status=EncounterStatus.SIGNED,
            signed_by="bench-provider",
            signed_at=signed_at,
            version=2,
            created_at=signed_at,
            updated_at=signed_at,
            updated_by="bench-provider",
        )

    def write(part: range) -> None:
        with ClaimsItem.batch_write() as batch:
            for i in part:
                batch.save(encounter_item(encounter(i)))

    started = time.perf_counter()
    step = 500
    parts = [range(a, min(a + step, offset + n)) for a in range(offset, offset + n, step)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, parts))
    return time.perf_counter() - started


def _run_cycle(stack: Any, name: str, max_seconds: float) -> dict[str, Any]:
    assert stack.template is not None
    sfn = stack.client("stepfunctions")
    started = time.perf_counter()
    loads: list[float] = []
    arn = sfn.start_execution(
        stateMachineArn=stack.template.arns["BillingCycleStateMachine"],
        name=name,
        input=json.dumps({"practice_id": PRACTICE}),
    )["executionArn"]
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        loads.append(os.getloadavg()[0])
        if time.perf_counter() - started > max_seconds:
            break  # recorded as unfinished: the execution history so far is still read
        time.sleep(2)
    seconds = time.perf_counter() - started
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
        events += page["events"]
    summary = json.loads(described.get("output") or "{}")
    if described["status"] == "RUNNING":
        summary.update(_progress(name))
    load = sum(loads) / len(loads) if loads else os.getloadavg()[0]
    failures = [
        f"{e['type']}: {details.get('error', '')} {str(details.get('cause', ''))[:300]}"
        for e in events
        if e["type"].endswith("Failed")
        for details in [next((v for k, v in e.items() if k.endswith("EventDetails")), {})]
    ]
    return {
        **summary,
        "failures": failures[:5],
        "status": described["status"],
        "seconds": seconds,
        "events": len(events),
        "load": load,
    }


def _progress(cycle_id: str) -> dict[str, Any]:
    """What an unfinished execution has done so far: its chunks' results."""
    from clinicflow.claims.submission.store import DynamoSubmissionStore

    results = DynamoSubmissionStore().chunk_results(PRACTICE, cycle_id)
    return {
        "chunks_done": len(results),
        "queued": sum(r.get("queued", 0) for r in results),
        "blocked": sum(r.get("blocked", 0) for r in results),
    }


def _still_queued() -> int:
    """Claims queued but not yet in a sent file (the cycle's send step or the SQS batcher,
    whichever came first, sends them)."""
    from clinicflow.claims.model import ClaimStatus
    from clinicflow.claims.submission.store import DynamoSubmissionStore

    return sum(1 for _ in DynamoSubmissionStore().claims_in_state(PRACTICE, ClaimStatus.QUEUED))


def _write(rows: list[dict[str, Any]], meta: str) -> None:
    lines = [
        HEADING,
        "",
        meta,
        "",
        "| encounters | seeding (s) | cycle (s) | status | claims created | claims/s "
        "| queued | in sent files | blocked | chunks | history events "
        "| events per chunk | load avg (1 min) |",
        "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: |",
    ]
    for r in rows:
        created = r.get("claims_created", r.get("queued", 0) + r.get("blocked", 0))
        total = r.get("chunks") or -(-r["n"] // 100)
        done = r.get("chunks_done", total)
        chunks = f"{total}" if done == total else f"{done} of {total}"
        lines.append(
            f"| {r['n']:,} | {r['seed_s']:.0f} | {r['seconds']:.0f} | {r['status'].lower()} "
            f"| {created:,} | {created / r['seconds']:.1f} | {r.get('queued', 0):,} "
            f"| {r.get('queued', 0) - r.get('still_queued', 0):,} | {r.get('blocked', 0):,} "
            f"| {chunks} | {r['events']:,} | {r['events'] / max(1, done):.1f} | {r['load']:.1f} |"
        )
    finished = [r for r in rows if r["status"] == "SUCCEEDED"]
    if len(finished) >= 2:
        a, b = finished[0], finished[-1]
        time_x, work_x = b["seconds"] / a["seconds"], b["n"] / a["n"]
        lines += [
            "",
            f"Growth from {a['n']:,} to {b['n']:,} encounters: time x{time_x:.2f} for "
            f"x{work_x:.1f} the work ({time_x / work_x:.2f} per unit of work; 1.00 = linear); "
            f"history events x{b['events'] / a['events']:.2f}.",
        ]
    block = "\n".join(lines) + "\n"
    text = DOC.read_text()
    start = text.index(SECTION)
    end_match = re.compile(r"^## ", re.M).search(text, start + len(SECTION))
    end = end_match.start() if end_match else len(text)
    section = text[start:end]
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^##|\Z)", re.S | re.M)
    if pattern.search(section):
        section = pattern.sub(lambda _: block + "\n", section, count=1)
    else:
        section = section.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text[:start] + section + text[end:])


def _one_size(n: int, max_seconds: float) -> dict[str, Any]:
    """A fresh in-memory stack, n signed superbills, one execution of the billing cycle."""
    from clinicflow.local.stack import LocalStack, StackOptions

    state = Path(tempfile.mkdtemp(prefix="clinicflow-bench-"))
    stack = LocalStack(
        StackOptions(root=ROOT, port=0, seed="demo", tick_seconds=1.0, state_dir=state)
    ).start()
    try:
        _profile()
        coverages = _coverages(stack)
        seed_s = _seed(n, coverages, stack.clock.now().date(), 0)
        result = _run_cycle(stack, f"bench-{n}-{datetime.now(UTC):%H%M%S}", max_seconds)
        result.update(n=n, seed_s=seed_s, coverages=len(coverages), still_queued=_still_queued())
        return result
    finally:
        stack.stop()


def _meta(sizes: list[int], max_seconds: float, coverages: int) -> str:
    return (
        f"Measured by `bench/claims/cycle.py --sizes {' '.join(map(str, sizes))}` on "
        f"{date.today().isoformat()}, Python {platform.python_version()} on "
        f"{platform.machine()}, {os.cpu_count()} cores shared with other engineers' runs "
        "(the load column is the 1-minute load average sampled during the execution). "
        "Each size: a fresh local stack in memory (its own process) with the demo practices, "
        "Sunrise enrolled with every payer of its directory, N signed superbills (2 lines, "
        f"2 diagnoses) spread over the {coverages} demo patients' primary coverages, seeded "
        "with BatchWriteItem, then one execution of `billing_cycle.asl.json` (inline Map over "
        "100-encounter chunks, MaxConcurrency 4). Local seconds describe the emulator "
        "(DynamoDB Local, moto running the ASL and the Lambda tasks in one process); growth "
        f"and history size carry over to AWS. An execution still running after {max_seconds:.0f}"
        " s is recorded as `running` with the chunks it had finished."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 20000])
    parser.add_argument("--max-seconds", type=float, default=1800, help="per execution")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--from-json", nargs="+", type=Path, help="write the table from saved result lines"
    )
    args = parser.parse_args()

    if args.one:  # one size in this process (moto's state is per process)
        print(json.dumps(_one_size(args.sizes[0], args.max_seconds), default=str), flush=True)
        return 0
    rows: list[dict[str, Any]] = []
    if args.from_json:
        rows = [json.loads(p.read_text().strip().splitlines()[-1]) for p in args.from_json]
        sizes = [r["n"] for r in rows]
        _write(rows, _meta(sizes, args.max_seconds, rows[0]["coverages"]))
        return 0
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", "--sizes", str(n), "--max-seconds",
             str(args.max_seconds)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if not lines:
            print(out.stderr[-2000:], file=sys.stderr)
            return 1
        result = json.loads(lines[-1])
        rows.append(result)
        print(lines[-1], flush=True)
        if not args.no_write:
            _write(rows, _meta(args.sizes, args.max_seconds, result["coverages"]))
    return 0 if all(r["status"] == "SUCCEEDED" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
