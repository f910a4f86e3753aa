"""Scheduled job: collect acknowledgments (999, 277CA) for one practice or every practice."""

from __future__ import annotations

import logging
import re
from typing import Any

from clinicflow.claims.submission.service import ingest
from clinicflow.claims.submission.wiring import deployed_ports

logger = logging.getLogger("clinicflow.claims.acks")
_PRACTICE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class AckCollectionError(Exception):
    """Collection failed for at least one practice (the schedule retries, then its DLQ)."""


def collect_acknowledgments(event: dict[str, Any]) -> dict[str, Any]:
    """Ingest what each practice's clearinghouse left; `{"practice_id": p}` limits to one."""
    ports = deployed_ports()
    practice = event.get("practice_id")
    if practice is not None and not (isinstance(practice, str) and _PRACTICE.match(practice)):
        raise ValueError("practice_id: must be a practice id")
    practices = [practice] if practice else ports.store.practices_with_profiles()
    results: dict[str, Any] = {}
    failed: list[str] = []
    for practice_id in practices:
        try:
            results[practice_id] = ingest(practice_id, ports=ports).as_dict()
        except Exception as exc:
            logger.error(
                "acknowledgment collection failed",
                extra={"practice_id": practice_id, "error_type": type(exc).__name__},
            )
            failed.append(practice_id)
    if failed:
        raise AckCollectionError(f"collection failed for {len(failed)} practice(s)")
    return {"practices": results}
