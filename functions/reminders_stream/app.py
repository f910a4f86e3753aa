"""Reminders follow appointments: the main table's stream (appointment items only)."""

from __future__ import annotations

from typing import Any

from clinicflow.reminders.events import handle_stream


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule, move or delete reminders; failed records are reported for retry."""
    return handle_stream(event)
