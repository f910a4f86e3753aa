"""Providers API: the practice's clinicians (/providers)."""

from typing import Any

from clinicflow.platform.http import build_app
from clinicflow.providers.api import router

app = build_app(router)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway REST proxy entry point."""
    return app.resolve(event, context)
