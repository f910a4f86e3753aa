"""The local API Gateway: HTTP → the REST proxy event AWS sends → the same lambda_handler.

Routes come from the `Type: Api` events in template.yaml. Authorised routes need a
Cognito ID token, verified as API Gateway's Cognito authorizer would (401 otherwise);
role checks stay in the handlers, as on AWS.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from clinicflow.local.authorizer import CognitoAuthorizer, TokenRejectedError
from clinicflow.local.lambdas import FunctionRegistry
from clinicflow.local.template import ACCOUNT_ID, STAGE, ApiRoute

logger = logging.getLogger("clinicflow.local.api")

LocalHandler = Callable[[Request], Response]


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def proxy_event(
    request: Request, route: ApiRoute, params: dict[str, str], claims: dict[str, str] | None
) -> dict[str, Any]:
    """The API Gateway REST proxy event for one HTTP request."""
    headers = {k: v for k, v in request.headers.items()}
    multi_headers: dict[str, list[str]] = {}
    for k, v in request.headers.items():
        multi_headers.setdefault(k, []).append(v)
    query = {k: v for k, v in request.args.items()} or None
    multi_query = {k: request.args.getlist(k) for k in request.args} or None
    raw = request.get_data()
    is_text = not raw or _is_text(request.mimetype)
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": "local",
        "stage": STAGE,
        "requestId": str(uuid.uuid4()),
        "resourcePath": route.path,
        "httpMethod": route.method,
        "path": f"/{STAGE}{request.path}",
        "protocol": "HTTP/1.1",
        "requestTimeEpoch": int(time.time() * 1000),
        "identity": {"sourceIp": request.remote_addr or "", "userAgent": request.user_agent.string},
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": (raw.decode() if is_text else base64.b64encode(raw).decode()) if raw else None,
        "isBase64Encoded": not is_text,
    }


def _is_text(mimetype: str) -> bool:
    return mimetype.startswith("text/") or mimetype in {
        "application/json",
        "application/xml",
        "application/x-www-form-urlencoded",
        "",
    }


def lambda_response(result: dict[str, Any]) -> Response:
    """Turn a proxy integration result into the HTTP response API Gateway would send."""
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    response = Response(data, status=int(result.get("statusCode", 200)))
    for key, value in (result.get("headers") or {}).items():
        response.headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        response.headers.remove(key)
        for value in values:
            response.headers.add(key, str(value))
    return response


@dataclass
class LocalApi:
    """A WSGI app serving the API routes plus the local-only pages (health, docs, portal)."""

    routes: list[ApiRoute]
    registry: FunctionRegistry
    authorizer: CognitoAuthorizer
    extra: dict[tuple[str, str], LocalHandler] = field(default_factory=dict)
    static_dirs: dict[str, Path] = field(default_factory=dict)
    # Response headers per static prefix (the portal's CSP, as CloudFront sends it).
    static_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    _sorted: list[ApiRoute] | None = field(default=None, init=False, repr=False)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Answer one request."""
        local = self.extra.get((request.method, request.path))
        if local is not None:
            try:
                return local(request)
            except Exception as exc:
                logger.error("local endpoint failed", extra={"error_type": type(exc).__name__})
                return _json(500, {"message": "Internal server error"})
        for prefix, folder in self.static_dirs.items():
            if request.method == "GET" and request.path.startswith(prefix):
                response = self._static(folder, request.path.removeprefix(prefix))
                response.headers.update(self.static_headers.get(prefix, {}))
                return response
        allowed: list[str] = []
        for route in self._by_precedence():
            match = route.pattern.match(request.path)
            if not match:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            return self._invoke(request, route, match.groupdict())
        if allowed:
            return _json(405, {"message": "Method Not Allowed"})
        return _json(404, {"message": "Not Found"})

    def _by_precedence(self) -> list[ApiRoute]:
        """Literal path segments win over `{param}` ones, as API Gateway matches."""
        if self._sorted is None:
            self._sorted = sorted(
                self.routes,
                key=lambda r: [1 if part.startswith("{") else 0 for part in r.path.split("/")],
            )
        return self._sorted

    def _invoke(self, request: Request, route: ApiRoute, params: dict[str, str]) -> Response:
        claims = None
        if route.authorized:
            try:
                claims = self.authorizer.claims(request.headers.get("Authorization"))
            except TokenRejectedError:
                return _json(401, {"message": "Unauthorized"})
        event = proxy_event(request, route, params, claims)
        started = time.perf_counter()
        try:
            response = lambda_response(self.registry.invoke(route.function, event))
        except Exception as exc:  # what API Gateway answers when the integration fails
            logger.error(
                "function failed",
                extra={"function": route.function, "error_type": type(exc).__name__},
            )
            response = _json(502, {"message": "Internal server error"})
        logger.info(
            "api request",
            extra={
                "requestId": event["requestContext"]["requestId"],
                "httpMethod": route.method,
                "resourcePath": route.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response

    @staticmethod
    def _static(folder: Path, relative: str) -> Response:
        relative = relative.lstrip("/") or "index.html"
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            return _json(404, {"message": "Not Found"})
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Response(path.read_bytes(), mimetype=mimetype)
