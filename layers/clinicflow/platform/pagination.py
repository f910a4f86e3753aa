"""Opaque pagination cursors: a DynamoDB LastEvaluatedKey as URL-safe base64 JSON.

A cursor comes back from the client, so it is checked before use: it must decode to a
key of string attributes whose partition key is the one being queried, so a crafted
cursor can never start a query in another practice's partition.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from clinicflow.platform.errors import FieldError, ValidationError

Key = dict[str, dict[str, str]]

_MAX_CURSOR = 2048


def encode_cursor(key: Mapping[str, Mapping[str, str]] | None) -> str | None:
    """The opaque cursor of a LastEvaluatedKey (None when there is no next page)."""
    if not key:
        return None
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str | None, *, expect: Mapping[str, str], field: str = "cursor"
) -> Key | None:
    """The key a cursor carries, refused (422 on `field`) unless it matches `expect`.

    `expect` maps attribute names to the string values they must hold, typically the
    partition key of the query (and of the index, for index queries).
    """
    if not cursor:
        return None
    invalid = ValidationError(FieldError(field, "is not a cursor this query returned"))
    if len(cursor) > _MAX_CURSOR:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise invalid from exc
    if not isinstance(key, dict) or not key:
        raise invalid
    for name, value in key.items():
        if not (
            isinstance(name, str)
            and isinstance(value, dict)
            and list(value) == ["S"]
            and isinstance(value["S"], str)
        ):
            raise invalid
    for name, expected in expect.items():
        if key.get(name, {}).get("S") != expected:
            raise invalid
    return key
