"""Audit API: the practice's audit trail, newest first (/audit, admins only)."""

from typing import Any

from clinicflow.audit.api import router
from clinicflow.platform.http import build_app

app = build_app(router)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway REST proxy entry point."""
    return app.resolve(event, context)
