"""Staff API: invite, list, disable/enable, roles and locations (/staff, admins only)."""

from typing import Any

from clinicflow.platform.http import build_app
from clinicflow.staff.api import router

app = build_app(router)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway REST proxy entry point."""
    return app.resolve(event, context)
