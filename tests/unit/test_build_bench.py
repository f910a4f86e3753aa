"""bench/coldstart/run.py edits only its own section of docs/benchmarks.md."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _coldstart() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coldstart_run", ROOT / "bench/coldstart/run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


RUN = _coldstart()
NEW = "## Cold start\n\nnew figures\n"


def test_replaces_its_section_and_keeps_the_others() -> None:
    doc = "# Benchmarks\n\n## Cold start\n\nold figures\n\n## Throughput\n\nsomeone else's\n"
    assert RUN.replace_section(doc, NEW) == (
        "# Benchmarks\n\n## Cold start\n\nnew figures\n\n## Throughput\n\nsomeone else's\n"
    )


def test_replaces_a_last_section_to_the_end() -> None:
    doc = "# Benchmarks\n\n## Other\n\nkept\n\n## Cold start\n\nold\n| a | b |\n"
    assert RUN.replace_section(doc, NEW) == "# Benchmarks\n\n## Other\n\nkept\n\n" + NEW


def test_appends_the_section_when_missing() -> None:
    assert RUN.replace_section("# Benchmarks\n\n## Other\n\nkept\n", NEW) == (
        "# Benchmarks\n\n## Other\n\nkept\n\n" + NEW
    )
    assert RUN.replace_section("", NEW) == NEW


def test_function_rows_are_judged_against_the_target() -> None:
    base = RUN.Result(RUN.Target("`import boto3` (baseline)", "boto3"), 100.0)
    fast = RUN.Result(RUN.Target("`functions/a/app.py`", "app", "functions/a"), 129.0)
    slow = RUN.Result(RUN.Target("`functions/b/app.py`", "app", "functions/b"), 131.0)
    broken = RUN.Result(RUN.Target("`functions/c/app.py`", "app", "functions/c"), None, "boom")
    table = RUN.render([base, fast, slow, broken], repeat=3)
    assert "| `functions/a/app.py` | 129 | 1.29 | yes |" in table
    assert "| `functions/b/app.py` | 131 | 1.31 | **no** |" in table
    assert "| `functions/c/app.py` | import failed: boom | | no |" in table
    assert table.startswith("## Cold start\n")
