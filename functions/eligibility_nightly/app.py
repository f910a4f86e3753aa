"""Nightly eligibility planner: one queued check per upcoming appointment (eligibility.jobs)."""

from __future__ import annotations

from typing import Any

from clinicflow.eligibility.jobs import run_nightly


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Fired by EventBridge Scheduler at the practice-local hour."""
    return run_nightly(event)
