"""The `clinicflow` command's parsing and its offline subcommands."""

from __future__ import annotations

import json

import pytest

from clinicflow.cli import main


def test_token_list_prints_one_line_per_demo_user(capsys):
    assert main(["token", "--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "sunrise-frontdesk sunrise front-desk" in lines
    assert "lakeside-admin lakeside admin" in lines
    assert len(lines) == 8


def test_token_without_a_running_stack_fails_clearly(tmp_path, capsys):
    assert main(["token", "sunrise-admin", "--data-dir", str(tmp_path)]) == 1
    assert "no local stack is running" in capsys.readouterr().err


def test_x12_schema_is_json_schema(capsys):
    assert main(["x12", "schema", "271"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "$defs" in schema or "properties" in schema


def test_malformed_x12_exits_non_zero_naming_the_segment(tmp_path, capsys):
    bad = tmp_path / "bad.x12"
    bad.write_text("ISA*00*truncated")
    assert main(["x12", "parse", str(bad)]) != 0
    assert "ISA" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
