"""`clinicflow codesets import-*` on sample files in CMS's formats, into DynamoDB Local."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from clinicflow.codesets import cli
from clinicflow.codesets.store import DynamoReferenceTables

FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "claims" / "fixtures"


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["codesets", *argv])
    code: int = args.func(args)
    return code


def test_import_commands_fill_the_reference_tables(tables: Any, capsys: Any) -> None:
    assert _run("import-hcpcs", str(FIXTURES / "HCPC2026_JAN_ANWEB_sample.txt")) == 0
    assert _run("import-ncci", str(FIXTURES / "ccipra-v321r0-f1_sample.txt")) == 0
    assert _run("import-mue", str(FIXTURES / "MCR_MUE_PractitionerServices_sample.csv")) == 0
    assert "9 rows imported" in capsys.readouterr().out
    store = DynamoReferenceTables()
    assert store.loaded() == {"HCPCS", "PTP", "MUE"}
    assert store.hcpcs(["G0439", "J1100", "99213"]).keys() == {"G0439", "J1100"}
    edits = store.ptp([("93000", "93005"), ("93005", "93000")])
    assert len(edits) == 1 and edits[0].active_on(date(2026, 5, 1))
    assert store.mue(["J1100"])["J1100"].units == 120
    # re-running an import replaces, never duplicates
    assert _run("import-ncci", str(FIXTURES / "ccipra-v321r0-f1_sample.txt")) == 0
    assert len(store.ptp([("93000", "93005")])) == 1


def test_import_reports_a_bad_file(tables: Any, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text('"93000","many","3 x","y"\n')
    assert _run("import-mue", str(bad)) == 1
    assert "line 1" in capsys.readouterr().err
    assert _run("import-mue", str(tmp_path / "missing.csv")) == 2
