"""`Idempotency-Key` for POST routes: a retried request gets the first answer, not a second write.

A Powertools route middleware. The first request with a key claims it with a conditional put
(per practice and route, kept 24 h); its answer (< 500) is stored and replayed to retries with
`Idempotent-Replayed: true`. The same key with a different body answers 422; a retry while the
first is still running answers 409. A 5xx releases the key so the client may retry.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError, FieldError, ValidationError
from clinicflow.platform.identity import caller_from_event

HEADER = "idempotency-key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
RETENTION = timedelta(hours=24)


class IdempotencyItem(MainModel):
    """One claimed key and, once done, the answer to replay."""

    state = UnicodeAttribute()  # "running" | "done"
    fingerprint = UnicodeAttribute()
    status = NumberAttribute(null=True)
    body = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


def _header(headers: dict[str, str] | None) -> str:
    for name, value in (headers or {}).items():
        if name.lower() == HEADER:
            return value.strip()
    return ""


def idempotent(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Route middleware making a POST safe to retry with the same `Idempotency-Key`."""
    event = app.current_event
    key = _header(event.headers)
    if not key:
        return next_middleware(app)
    if not KEY_PATTERN.match(key):
        raise ValidationError(FieldError("Idempotency-Key", "8-128 letters, digits or -_.:"))
    caller = caller_from_event(event.raw_event)
    route = f"{event.http_method} {event.raw_event.get('resource') or event.path}"
    scope = hashlib.sha256(f"{route}\n{caller.username}\n{key}".encode()).hexdigest()
    fingerprint = hashlib.sha256(f"{event.path}\n{event.body or ''}".encode()).hexdigest()
    now = datetime.now(UTC)
    item = IdempotencyItem(
        pk=tenant_key(caller.practice_id, "IDEMPOTENCY", scope),
        sk="REQUEST",
        state="running",
        fingerprint=fingerprint,
        expires_at=int((now + RETENTION).timestamp()),
    )
    try:
        item.save(
            condition=IdempotencyItem.pk.does_not_exist()
            | (IdempotencyItem.expires_at < int(now.timestamp()))
        )
    except PutError:
        return _replay(item.pk, fingerprint)
    try:
        response = next_middleware(app)
    except Exception:
        item.delete()
        raise
    if response.status_code >= 500:
        item.delete()
        return response
    body = response.body if isinstance(response.body, str) else json.dumps(response.body)
    item.update(
        actions=[
            IdempotencyItem.state.set("done"),
            IdempotencyItem.status.set(response.status_code),
            IdempotencyItem.body.set(body),
        ]
    )
    return response


def _replay(pk: str, fingerprint: str) -> Response[Any]:
    stored = IdempotencyItem.get(pk, "REQUEST", consistent_read=True)
    if stored.fingerprint != fingerprint:
        raise ValidationError(
            FieldError("Idempotency-Key", "already used for a different request; use a new key")
        )
    if stored.state != "done" or stored.status is None:
        raise ConflictError("a request with this Idempotency-Key is still being processed")
    return Response(
        status_code=int(stored.status),
        content_type=content_types.APPLICATION_JSON,
        body=stored.body or "",
        headers={"Idempotent-Replayed": "true"},
    )
