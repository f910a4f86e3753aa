"""One OpenAPI 3 document for the whole API, merged from every function's Powertools resolver."""

from __future__ import annotations

import json
from typing import Any

from clinicflow import __version__
from clinicflow.local.lambdas import FunctionRegistry
from clinicflow.local.template import Template


def build_openapi(template: Template, registry: FunctionRegistry) -> dict[str, Any]:
    """Merge the paths and schemas each function's resolver generates from its routers."""
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "ClinicFlow API",
            "version": __version__,
            "description": "Practice management API. Staff routes need a Cognito ID token "
            "in the Authorization header.",
        },
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {
                "CognitoIdToken": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
        "security": [{"CognitoIdToken": []}],
    }
    functions = sorted({route.function for route in template.routes()})
    for logical_id in functions:
        registry.handler(logical_id)
        module = registry.module(logical_id)
        app = getattr(module, "app", None)
        if app is None or not hasattr(app, "get_openapi_json_schema"):
            continue
        schema = json.loads(app.get_openapi_json_schema())
        for path, operations in schema.get("paths", {}).items():
            document["paths"].setdefault(path, {}).update(operations)
        document["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    return document


SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ClinicFlow API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-init.js"></script>
</body></html>
"""

SWAGGER_INIT = "window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui'});\n"
