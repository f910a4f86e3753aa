"""Claims API function: superbills, claims, the scrubber, fees, prior auths (claims.api),
payer decisions, next-payer claims and voids (claims.cob_api) and ICD-10-CM code search for
the superbill (codesets.api)."""

from __future__ import annotations

from typing import Any

from clinicflow.claims.api import router
from clinicflow.claims.cob_api import router as cob_router
from clinicflow.codesets.api import router as codes_router
from clinicflow.platform.http import build_app

app = build_app(router, cob_router, codes_router)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve one API Gateway REST proxy event."""
    return app.resolve(event, context)
