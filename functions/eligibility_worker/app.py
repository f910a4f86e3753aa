"""Eligibility batch worker: checks queued appointments, a few per payer (eligibility.jobs)."""

from __future__ import annotations

from typing import Any

from clinicflow.eligibility.jobs import consume


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One SQS batch; failed or deferred messages are reported (ReportBatchItemFailures)."""
    return consume(event)
