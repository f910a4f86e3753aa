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


@pytest.mark.parametrize("txn", ["270", "271", "999", "837P", "277CA", "835"])
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


def test_parse_claim_side_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from claims_factory import HEADER, batch

    from clinicflow.x12.claims import build_837p

    claim_file = tmp_path / "claims.x12"
    claim_file.write_text(build_837p(batch(), HEADER, group_control_number=5))
    assert run("x12", "parse", str(claim_file)) == 0
    doc = json.loads(capsys.readouterr().out)["interchanges"][0]["groups"][0]["transactions"][0]
    assert doc["transaction"] == "837P"
    assert [c["claim_id"] for c in doc["batch"]["claims"]] == [
        "CF-0001",
        "CF-0002",
        "CF-0004",
        "CF-0003",
    ]
    assert run("x12", "parse", str(FIXTURES / "277ca_mixed.x12")) == 0
    out = capsys.readouterr().out
    assert '"transaction": "277CA"' in out and '"outcome": "rejected"' in out
    assert run("x12", "parse", str(FIXTURES / "835_mixed.x12")) == 0
    out = json.loads(capsys.readouterr().out)
    remit = out["interchanges"][0]["groups"][0]["transactions"][0]
    assert remit["transaction"] == "835" and remit["payment"]["amount"] == "165.05"


def test_schema_of_the_837p_builder_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("x12", "schema", "837P-batch") == 0
    schema = json.loads(capsys.readouterr().out)
    assert "claims" in schema["properties"] and "Claim" in schema["$defs"]


def test_malformed_837p_names_the_element(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from claims_factory import HEADER, batch

    from clinicflow.x12.claims import build_837p

    bad = tmp_path / "bad.x12"
    text = build_837p(batch(), HEADER, group_control_number=5)
    bad.write_text(text.replace("DTP*472*D8*20250304", "DTP*472*D8*20250230", 1))
    assert run("x12", "parse", str(bad)) == 1
    err = capsys.readouterr().err
    assert "(DTP) at byte" in err and "loop 2400, element DTP03" in err
    assert "20250230" not in err
