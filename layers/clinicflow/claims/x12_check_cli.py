"""``clinicflow x12 check FILE...``: 837P structure and the claim scrubber's rules, each problem
with its segment, loop, element and claim id (`x12_check`). Exit status: 0 nothing blocks,
1 something blocks, 2 a file or code table cannot be read. The checker is imported when the
command runs, not when the CLI starts."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clinicflow.codesets.service import InMemoryReferenceTables


def _tables(args: argparse.Namespace) -> InMemoryReferenceTables | None:
    """InMemoryReferenceTables from --hcpcs/--ncci/--mue, None without them; OSError or
    CodeFileError when a file cannot be read."""
    from clinicflow.codesets.service import (
        InMemoryReferenceTables,
        import_hcpcs,
        import_mue,
        import_ncci,
    )

    if not (args.hcpcs or args.ncci or args.mue):
        return None
    tables = InMemoryReferenceTables()
    for path, load in (
        (args.hcpcs, import_hcpcs),
        (args.ncci, import_ncci),
        (args.mue, import_mue),
    ):
        if path:
            load(Path(path), tables)
    return tables


def _summary(name: str, problems: int, blocking: int, claims: int) -> str:
    verdict = "blocked" if blocking else "ok"
    return (
        f"{name}: {verdict}: {blocking} blocking, {problems - blocking} other, "
        f"{claims} claim(s) checked"
    )


def _check(args: argparse.Namespace) -> int:
    from clinicflow.claims.x12_check import check_837p, offline_settings
    from clinicflow.codesets.procedures import CodeFileError

    try:
        tables = _tables(args)
    except OSError as err:
        print(f"x12 check: cannot read a code table: {err.strerror}", file=sys.stderr)
        return 2
    except CodeFileError as err:
        print(f"x12 check: code table: {err}", file=sys.stderr)
        return 2
    today: date = args.today or date.today()
    unreadable = blocked = False
    results: list[dict[str, Any]] = []
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as err:
            unreadable = True
            print(f"x12 check: {name}: cannot read file: {err.strerror}", file=sys.stderr)
            results.append({"file": name, "error": f"cannot read file: {err.strerror}"})
            continue
        report = check_837p(data, today=today, tables=tables)
        blocked = blocked or report.blocked
        if args.json:
            body = report.as_dict()
            del body["skipped"]  # the same for every file: printed once
            results.append({"file": name, **body})
            continue
        for problem in report.problems:
            print(f"{name}: {problem.describe()}")
        blocking = sum(p.blocks for p in report.problems)
        print(_summary(name, len(report.problems), blocking, len(report.claims)))
    skipped = offline_settings(tables)[1]
    if args.json:
        out = {"blocked": blocked, "today": today.isoformat(), "skipped": skipped, "files": results}
        print(json.dumps(out, indent=2))
    else:
        for note in skipped:
            print(f"note: {note}")
    return 2 if unreadable else 1 if blocked else 0


def register(x12_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the ``x12`` command group."""
    check = x12_commands.add_parser(
        "check",
        help="check 837P files: X12 structure and the claim scrubber's rules, with locations",
        description="Lists every problem with its segment, loop, element and claim id. Exit "
        "status: 0 nothing blocks, 1 something blocks, 2 a file cannot be read.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="837P file(s)")
    check.add_argument("--json", action="store_true", help="print the reports as JSON")
    check.add_argument(
        "--today",
        type=date.fromisoformat,
        help="the date to check against, YYYY-MM-DD (default: today)",
    )
    check.add_argument("--hcpcs", metavar="FILE", help="CMS HCPCS file (enables HCPCS checks)")
    check.add_argument("--ncci", metavar="FILE", help="CMS NCCI practitioner PTP file")
    check.add_argument("--mue", metavar="FILE", help="CMS practitioner services MUE file")
    check.set_defaults(handler=_check)
