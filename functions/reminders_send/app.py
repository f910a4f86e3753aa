"""Sends one reminder when its EventBridge Scheduler schedule fires (exactly once)."""

from __future__ import annotations

from typing import Any

from clinicflow.reminders.events import handle_fire


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    """The schedule's input: practice, appointment, kind and timing version (ids only)."""
    return handle_fire(event)
