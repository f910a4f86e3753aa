"""Cold-import benchmark: each `functions/*/app.py` against a bare `import boto3`.

Every sample is a fresh interpreter (a subprocess) that times only the import, so
interpreter start-up is excluded; the median of several samples is reported. Results go to
the "## Cold start" section of docs/benchmarks.md (other sections are left as they are).
On AWS the figure that counts is the Lambda `Init Duration` (see docs/deploy.md).

    python bench/coldstart/run.py [--repeat 7] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "benchmarks.md"
HEADING = "## Cold start"
TARGET_RATIO = 1.3

# Imports `module` (after putting `path` first on sys.path) and prints the milliseconds taken.
PROBE = """
import sys, time
path, module = sys.argv[1], sys.argv[2]
if path:
    sys.path.insert(0, path)
start = time.perf_counter()
__import__(module)
print((time.perf_counter() - start) * 1000)
"""


@dataclass(frozen=True)
class Target:
    """Something to import cold: a label, the module, and a directory to import it from."""

    label: str
    module: str
    path: str = ""


@dataclass(frozen=True)
class Result:
    target: Target
    median_ms: float | None
    error: str = ""


def baselines() -> list[Target]:
    return [
        Target("`import boto3` (baseline)", "boto3"),
        Target("`import pynamodb`", "pynamodb"),
        Target("`import pynamodb.models` (what a store imports)", "pynamodb.models"),
        Target(
            "`import clinicflow.platform.http` (shared by API handlers)", "clinicflow.platform.http"
        ),
    ]


def function_targets() -> list[Target]:
    return [
        Target(f"`functions/{app.parent.name}/app.py`", "app", str(app.parent))
        for app in sorted((ROOT / "functions").glob("*/app.py"))
    ]


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml, turning CloudFormation tags (!Ref, !Sub, ...) into plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def lambda_environment() -> dict[str, str]:
    """The variables the template sets on functions, with placeholder values, and no AWS."""
    template: dict[str, Any] = yaml.load((ROOT / "template.yaml").read_text(), _CfnLoader)
    env = dict(os.environ)
    names = set(
        template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            names |= set(resource.get("Properties", {}).get("Environment", {}).get("Variables", {}))
    env.update({name: f"bench-{name.lower()}" for name in names})
    env.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # placeholder: nothing is called
        POWERTOOLS_SERVICE_NAME="clinicflow",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up run writes .pyc files
    return env


def sample(target: Target, env: dict[str, str]) -> float:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, target.path, target.module],
        capture_output=True,
        text=True,
        env=env,
        cwd=target.path or ROOT,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
        )
    return float(proc.stdout.strip().splitlines()[-1])


def measure(target: Target, env: dict[str, str], repeat: int) -> Result:
    try:
        sample(target, env)  # warm-up: writes .pyc files, fills the OS file cache
        times = [sample(target, env) for _ in range(repeat)]
    except RuntimeError as exc:
        return Result(target, None, str(exc))
    return Result(target, statistics.median(times))


def render(results: list[Result], repeat: int) -> str:
    base = results[0].median_ms or float("nan")
    lines = [
        HEADING,
        "",
        f"Measured by `bench/coldstart/run.py` (`make bench`) on {datetime.now(UTC):%Y-%m-%d}, "
        f"Python {platform.python_version()} on {platform.machine()} ({platform.system()}): "
        f"the median of {repeat} fresh interpreters, timing only the import (interpreter "
        "start-up excluded), after one warm-up run that writes the bytecode caches.",
        f"Target: every function within {TARGET_RATIO}x bare `import boto3`. Only the import is "
        "timed: what a handler defers to its first request (a lazy import, Powertools building "
        "its validation models) is not. On AWS the figure that counts is the Lambda "
        "`Init Duration` plus the first request's `Duration` (see docs/deploy.md).",
        "",
        "| import | median (ms) | x boto3 | within target |",
        "| --- | ---: | ---: | :---: |",
    ]
    for r in results:
        if r.median_ms is None:
            lines.append(f"| {r.target.label} | import failed: {r.error} | | no |")
            continue
        ratio = r.median_ms / base
        verdict = "yes" if ratio <= TARGET_RATIO else "**no**"
        if not r.target.path:
            verdict = "(reference)"
        lines.append(f"| {r.target.label} | {r.median_ms:.0f} | {ratio:.2f} | {verdict} |")
    return "\n".join(lines) + "\n"


def replace_section(document: str, section: str) -> str:
    """`document` with its "## Cold start" section replaced by (or appended with) `section`."""
    lines = document.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == HEADING), None)
    if start is None:
        separator = (
            ""
            if not document or document.endswith("\n\n")
            else ("\n" if document.endswith("\n") else "\n\n")
        )
        return document + separator + section
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + tail if tail else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh interpreters per import")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs alone")
    args = parser.parse_args(argv)

    env = lambda_environment()
    results = []
    for target in [*baselines(), *function_targets()]:
        result = measure(target, env, args.repeat)
        shown = f"{result.median_ms:.0f} ms" if result.median_ms is not None else result.error
        print(f"{target.label:60} {shown}", flush=True)
        results.append(result)
    section = render(results, args.repeat)
    print(section)
    if not args.no_write:
        existing = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\n"
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(replace_section(existing, section))
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 1 if any(r.median_ms is None for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
