"""The toolkit stays a pure library: no AWS, storage or Powertools imports."""

from __future__ import annotations

import ast
from pathlib import Path

import clinicflow.x12

BANNED = ("boto3", "botocore", "pynamodb", "aws_lambda_powertools")


def test_x12_imports_no_aws_or_storage_libraries() -> None:
    root = Path(clinicflow.x12.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in BANNED]
    assert offenders == []
