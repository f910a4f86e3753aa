"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, encoded, checked on the way back.

A cursor is only accepted for the partition it was issued for, so a tampered cursor can
never start a query in another practice's keys; anything else answers 422 on `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json

from clinicflow.platform.errors import FieldError, ValidationError

Key = dict[str, dict[str, str]]


def encode_cursor(key: Key | None) -> str | None:
    """The opaque token for a LastEvaluatedKey (None when there is no further page)."""
    if not key:
        return None
    raw = json.dumps({k: v["S"] for k, v in sorted(key.items())}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(
    token: str | None, *, partition: tuple[str, str], field: str = "cursor"
) -> Key | None:
    """The ExclusiveStartKey of `token`, which must belong to `partition` (attr, value)."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error):
        raise ValidationError(FieldError(field, "is not a valid cursor")) from None
    attr, value = partition
    if (
        not isinstance(data, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())
        or data.get(attr) != value
    ):
        raise ValidationError(FieldError(field, "is not a valid cursor")) from None
    return {k: {"S": v} for k, v in data.items()}
