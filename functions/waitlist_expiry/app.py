"""Ends a waitlist offer's hold when its EventBridge Scheduler schedule fires (idempotent)."""

from __future__ import annotations

from typing import Any

from clinicflow.scheduling.events import handle_hold_fire


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    """The schedule's input: the practice and offer ids."""
    return handle_hold_fire(event)
