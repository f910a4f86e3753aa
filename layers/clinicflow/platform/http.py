"""HTTP plumbing shared by every API function: the resolver, the caller, errors → responses."""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from clinicflow.platform.errors import ClinicFlowError
from clinicflow.platform.identity import Caller, Role, caller_from_event

logger = logging.getLogger("clinicflow.http")


def _json(status: int, body: dict[str, Any]) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def build_app(*routers: APIGatewayRouter) -> APIGatewayRestResolver:
    """A REST resolver with validation on, the given routers, and errors mapped once."""
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(ClinicFlowError)
    def _domain_error(exc: ClinicFlowError) -> Response[Any]:
        return _json(exc.status_code, exc.body())

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[Any]:
        # Pydantic's messages name the rule, never the input value; the input itself is dropped.
        fields = [
            {"field": _field_name(tuple(e["loc"])), "message": str(e.get("msg", e["type"]))}
            for e in exc.errors()
        ]
        message = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return _json(422, {"error": "validation_error", "message": message, "fields": fields})

    @app.not_found
    def _no_route(_: Exception) -> Response[Any]:
        # Without this, the catch-all below would answer an unknown route with a 500.
        return _json(404, {"error": "not_found", "message": "no such route"})

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        # Only the type is logged: messages of library errors may echo stored values.
        logger.error("unhandled error", extra={"error_type": type(exc).__name__})
        return _json(500, {"error": "internal_error", "message": "unexpected error; it was logged"})

    return app


def current_caller(router: APIGatewayRouter) -> Caller:
    """The authenticated staff member of the request the router is handling."""
    return caller_from_event(router.current_event.raw_event)


def authorized(router: APIGatewayRouter, allowed: frozenset[Role] | set[Role]) -> Caller:
    """The request's staff member, once they hold one of the allowed roles (403 otherwise)."""
    caller = current_caller(router)
    caller.require(allowed)
    return caller
