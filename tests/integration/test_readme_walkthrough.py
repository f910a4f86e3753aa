"""The README's curl walk-through, run verbatim against the local stack."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from clinicflow.local.stack import LocalStack
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def walkthrough_script() -> str:
    """The bash block between the README's walkthrough markers."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(
        r"<!-- walkthrough:start -->\s*```bash\n(.*?)```\s*<!-- walkthrough:end -->", readme, re.S
    )
    assert block, "README.md lost its walk-through block"
    return block.group(1)


def test_readme_walkthrough_works_verbatim(stack: LocalStack):
    assert stack.state_file is not None
    env = {
        **os.environ,
        "API": stack.api_url,
        "CLINICFLOW_DATA_DIR": str(stack.state_file.parent),
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough_script()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert json.loads(lines[0])["status"] == "ok"
    patient = json.loads(lines[1])
    coverages = json.loads(lines[4])["items"]
    assert [c["payer_id"] for c in coverages] == ["MRDN1", "SMTM2"]
    search = json.loads(lines[5])["items"]
    assert patient["id"] in [p["id"] for p in search]
    audit = json.loads(lines[6])["records"]
    assert {"create", "search"} <= {r["action"] for r in audit}
    assert lines[-2:] == ["404", "403"]
