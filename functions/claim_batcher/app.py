"""Claim batcher: SQS claim messages -> 837P files per payer, gated, stored, then sent."""

from __future__ import annotations

from typing import Any

from clinicflow.claims.submission.service import handle_messages
from clinicflow.claims.submission.wiring import deployed_ports


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One SQS batch; failures are reported per message (ReportBatchItemFailures)."""
    failed = handle_messages(event.get("Records") or [], ports=deployed_ports())
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
