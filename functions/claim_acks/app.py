"""Claim acknowledgments: collect 999/277CA files from the clearinghouse and apply them."""

from __future__ import annotations

from typing import Any

from clinicflow.claims.submission.jobs import collect_acknowledgments


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled (or a billing-cycle task): `{"practice_id": ...}`, or every practice."""
    return collect_acknowledgments(event)
