"""Delivery statuses of texts and SES bounces/complaints, from their SNS topics."""

from __future__ import annotations

from typing import Any

from clinicflow.reminders.events import handle_feedback


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record each status on its message (and so on its appointment)."""
    return handle_feedback(event)
