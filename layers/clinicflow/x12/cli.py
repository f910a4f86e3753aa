"""``clinicflow x12 parse FILE`` and ``clinicflow x12 schema TXN`` (270, 271, 999, 837P, 277CA,
835; ``837P-batch`` is the builder's input model). ``clinicflow x12 check`` is the claims
slice's (`claims/x12_check_cli.py`), added to this group by the main CLI."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clinicflow.x12.errors import X12Error
from clinicflow.x12.registry import SCHEMAS, parse_file


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


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add the ``x12`` command group to the main CLI; returns its subcommands."""
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

    return sub
