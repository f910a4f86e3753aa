"""`clinicflow codesets ...`: build the ICD-10-CM artefact, import CMS reference files.

    clinicflow codesets build [--tabular XML --codes TXT --release 2026-10 --name ...
                               --effective-from 2026-10-01 --effective-to 2027-03-31]
                              [--out DIR]
    clinicflow codesets info
    clinicflow codesets import-hcpcs FILE | import-ncci FILE | import-mue FILE

Imports write to the main table named by TABLE_NAME (AWS_ENDPOINT_URL_DYNAMODB for
DynamoDB Local). Messages name files and line numbers only.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `codesets` command to the `clinicflow` command's subparsers."""
    parser = subparsers.add_parser("codesets", help="code sets: build ICD-10-CM, import CMS files")
    commands = parser.add_subparsers(dest="codesets_command", required=True)

    build = commands.add_parser("build", help="precompute an ICD-10-CM release artefact")
    build.add_argument("--tabular", type=Path, help="CMS tabular XML (default: the package's)")
    build.add_argument("--codes", type=Path, help="CMS code list (icd10cm-codes-<year>.txt)")
    build.add_argument("--release", help="release id, e.g. 2026-10")
    build.add_argument("--name", help='e.g. "ICD-10-CM 2027 (FY2027)"')
    build.add_argument("--effective-from", type=date.fromisoformat)
    build.add_argument("--effective-to", type=date.fromisoformat)
    build.add_argument("--source", default="CMS ICD-10-CM tabular")
    build.add_argument("--out", type=Path, help="output folder (default: the package's data/)")
    build.set_defaults(func=_build)

    info = commands.add_parser("info", help="list the loaded ICD-10-CM releases")
    info.set_defaults(func=_info)

    for name, helptext in (
        ("import-hcpcs", "import a CMS HCPCS contractor file (fixed width)"),
        ("import-ncci", "import a CMS NCCI practitioner PTP file (tab separated)"),
        ("import-mue", "import a CMS practitioner MUE file (CSV)"),
    ):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("file", type=Path)
        sub.set_defaults(func=_import, kind=name)


def _build(args: argparse.Namespace) -> int:
    from clinicflow.codesets.build import (
        APRIL_2026,
        DATA_DIR,
        ReleaseInfo,
        build_artefact,
        write_artefact,
    )

    if (args.tabular is None) != (args.codes is None):
        print("clinicflow codesets build: give --tabular and --codes together", file=sys.stderr)
        return 2
    info = APRIL_2026
    if args.tabular is not None:
        if not (args.release and args.name and args.effective_from and args.effective_to):
            print(
                "clinicflow codesets build: with files, give --release, --name, "
                "--effective-from and --effective-to",
                file=sys.stderr,
            )
            return 2
        info = ReleaseInfo(
            args.release, args.name, args.effective_from, args.effective_to, args.source
        )
    artefact = build_artefact(info, tabular=args.tabular, codes=args.codes)
    path = write_artefact(artefact, args.out or DATA_DIR)
    count = artefact["billable"].count("\n") + 1
    print(f"{info.name}: {count} billable codes -> {path} ({path.stat().st_size} bytes)")
    return 0


def _info(args: argparse.Namespace) -> int:
    from clinicflow.codesets.icd10 import releases

    for r in releases():
        print(f"{r.release}  {r.effective_from} .. {r.effective_to}  {r.size:>6} codes  {r.name}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from clinicflow.codesets import service
    from clinicflow.codesets.procedures import CodeFileError
    from clinicflow.codesets.store import DynamoReferenceTables

    run = {
        "import-hcpcs": service.import_hcpcs,
        "import-ncci": service.import_ncci,
        "import-mue": service.import_mue,
    }[args.kind]
    if not args.file.is_file():
        print(f"clinicflow codesets: {args.file} is not a file", file=sys.stderr)
        return 2
    try:
        count = run(args.file, DynamoReferenceTables())
    except CodeFileError as exc:
        print(f"clinicflow codesets: {args.file.name}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.file.name}: {count} rows imported")
    return 0
