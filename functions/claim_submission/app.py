"""Claim submission API: submit, work queues, 837P files, clearinghouse profile."""

from __future__ import annotations

from typing import Any

from clinicflow.claims.submission.api import router
from clinicflow.platform.http import build_app

app = build_app(router)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve one API Gateway REST proxy event."""
    return app.resolve(event, context)
