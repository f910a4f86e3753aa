"""Practice API: the profile, locations and payer directory (/practice, /payers)."""

from typing import Any

from clinicflow.platform.http import build_app
from clinicflow.practice.api import router

app = build_app(router)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway REST proxy entry point."""
    return app.resolve(event, context)
