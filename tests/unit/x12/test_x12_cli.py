"""``x12 parse`` / ``x12 schema`` subcommands, wired into a throwaway argparse parser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from x12_support import FIXTURES

from clinicflow.x12.cli import register


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="clinicflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.handler(args)
    return code


def test_parse_prints_typed_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("x12", "parse", str(FIXTURES / "271_benefits.x12")) == 0
    out = json.loads(capsys.readouterr().out)
    docs = out["interchanges"][0]["groups"][0]["transactions"]
    assert [d["transaction"] for d in docs] == ["271", "271"]
    assert docs[0]["sources"][0]["receivers"][0]["subscribers"][0]["benefits"][1]["amount"] == "25"


def test_parse_999(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("x12", "parse", str(FIXTURES / "999_partial.x12")) == 0
    assert '"transaction": "999"' in capsys.readouterr().out


@pytest.mark.parametrize("txn", ["270", "271", "999"])
def test_schema(txn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("x12", "schema", txn) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["transaction"]["const"] == txn


def test_malformed_file_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.x12"
    text = (FIXTURES / "271_benefits.x12").read_text().replace("SE*65*0001", "SE*60*0001")
    bad.write_text(text)
    assert run("x12", "parse", str(bad)) == 1
    err = capsys.readouterr().err
    assert "segment 67 (SE) at byte" in err
    assert "SE01" in err
    assert run("x12", "parse", "--lenient", str(bad)) == 0
    assert "warning" in capsys.readouterr().err


def test_unknown_transaction_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (FIXTURES / "999_partial.x12").read_text().replace("ST*999", "ST*834")
    path = tmp_path / "834.x12"
    path.write_text(text)
    assert run("x12", "parse", str(path)) == 1
    assert "no typed model for transaction set 834" in capsys.readouterr().err
    assert run("x12", "parse", str(tmp_path / "absent.x12")) == 2
