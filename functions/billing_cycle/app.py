"""Billing cycle tasks (Step Functions): collect, process a chunk, send, summarise, notify."""

from __future__ import annotations

from typing import Any

from clinicflow.claims.submission.cycle import run_step


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the step named by `event["step"]` with the execution's state as input."""
    return run_step(event)
