"""``clinicflow x12 parse FILE``, ``clinicflow x12 schema TXN`` (270, 271, 999, 837P, 277CA,
835; ``837P-batch`` is the builder's input model) and ``clinicflow x12 check FILE...`` (837P
structure and the claim scrubber's rules; the claims slice is imported only by ``check``)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clinicflow.x12.errors import X12Error
from clinicflow.x12.registry import SCHEMAS, parse_file

if TYPE_CHECKING:
    from clinicflow.codesets.service import InMemoryReferenceTables


def _parse(args: argparse.Namespace) -> int:
    try:
        data = Path(args.file).read_bytes()
    except OSError as err:
        print(f"x12 parse: cannot read file: {err.strerror}", file=sys.stderr)
        return 2
    try:
        parsed = parse_file(data, strict=not args.lenient)
    except X12Error as err:
        print(f"x12 parse: {err.message}", file=sys.stderr)
        return 1
    for issue in parsed.issues:
        print(f"x12 parse: warning: {issue}", file=sys.stderr)
    print(parsed.model_dump_json(indent=args.indent, exclude_none=not args.nulls))
    return 0


def _schema(args: argparse.Namespace) -> int:
    model = SCHEMAS[args.txn]
    print(json.dumps(model.model_json_schema(mode="serialization"), indent=2))
    return 0


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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``x12`` command group to the main CLI."""
    x12 = subparsers.add_parser(
        "x12", help="read and check X12 5010 files, print their JSON Schemas"
    )
    sub = x12.add_subparsers(dest="x12_command", required=True)

    parse = sub.add_parser("parse", help="print a file's typed documents as JSON")
    parse.add_argument("file", help="X12 file (270, 271, 999, 837P, 277CA, 835)")
    parse.add_argument("--lenient", action="store_true", help="report wrong counts as warnings")
    parse.add_argument("--indent", type=int, default=2, help="JSON indentation (default 2)")
    parse.add_argument("--nulls", action="store_true", help="include empty (null) fields")
    parse.set_defaults(handler=_parse)

    schema = sub.add_parser("schema", help="print a transaction's JSON Schema")
    schema.add_argument("txn", choices=sorted(SCHEMAS), help="transaction, e.g. 271, 837P or 835")
    schema.set_defaults(handler=_schema)

    check = sub.add_parser(
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
