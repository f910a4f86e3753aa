"""Dependency rules: pure domain models, thin handlers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "layers" / "clinicflow"
BANNED_IN_DOMAIN = ("boto3", "botocore", "pynamodb", "aws_lambda_powertools", "clinicflow.x12")
# x12/ is the codec itself: its models are wire-format models, not a capability's domain.
DOMAIN_MODULES = sorted(
    p
    for p in [*PACKAGE.glob("*/model.py"), *PACKAGE.glob("*/model/*.py")]
    if p.parent.name != "x12"
)
HANDLERS = sorted(ROOT.glob("functions/*/app.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports (absolute names)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_there_are_domain_modules_and_handlers_to_check():
    assert len(DOMAIN_MODULES) >= 5
    assert len(HANDLERS) >= 5


@pytest.mark.parametrize("path", DOMAIN_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_models_import_no_aws_storage_or_wire_formats(path: Path):
    bad = {m for m in imported_modules(path) if m.startswith(BANNED_IN_DOMAIN)}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.parent.name)
def test_handlers_stay_thin(path: Path):
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert len(lines) <= 40, f"{path.relative_to(ROOT)} has {len(lines)} lines"
    assert "lambda_handler" in path.read_text()


# The codec edge: outside x12/ itself, only these modules read or write X12.
X12_EDGE = {
    "cli.py",  # registers `clinicflow x12 ...`
    "eligibility/codec.py",
    "eligibility/summary.py",
    "claims/submission/codec.py",
    "claims/from_x12.py",
    "claims/x12_check.py",
    "clearinghouse/sandbox.py",
    "clearinghouse/sandbox_records.py",
    "clearinghouse/claims_sandbox.py",
}


def test_only_codec_modules_import_the_x12_package():
    importers = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).parts[0] != "x12"
        and any(
            m == "clinicflow.x12" or m.startswith("clinicflow.x12.") for m in imported_modules(p)
        )
    }
    assert importers <= X12_EDGE, f"X12 imported outside the codec edge: {importers - X12_EDGE}"
