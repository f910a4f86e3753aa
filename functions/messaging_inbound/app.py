"""Inbound SMS (two-way), delivered by AWS End User Messaging to an SNS topic."""

from __future__ import annotations

from typing import Any

from clinicflow.reminders.events import handle_inbound


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Confirm, request a reschedule, record opt-outs; each inbound message once."""
    return handle_inbound(event)
