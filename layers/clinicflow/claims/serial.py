"""Plain-JSON form of the claims domain's dataclasses, for storage (not a wire format).

Money is written as a decimal string and read back as `Decimal`; dates and times as ISO-8601.
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


def to_plain(value: Any) -> Any:
    """A JSON-ready form of a dataclass tree."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


def plain_record(value: Any) -> dict[str, Any]:
    """The JSON-ready object of one dataclass instance."""
    record: dict[str, Any] = to_plain(value)
    return record


def dumps(value: Any) -> str:
    """JSON text of a dataclass tree."""
    return json.dumps(to_plain(value), separators=(",", ":"), sort_keys=True)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _from(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _from(inner[0], value)
    if origin is tuple:
        args = get_args(tp)
        item = args[0]
        return tuple(_from(item, v) for v in value)
    if origin in (dict, Mapping):
        _, vt = get_args(tp)
        return {k: _from(vt, v) for k, v in value.items()}
    if tp is Any:
        return value
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            hints = _hints(tp)
            names = {f.name for f in dataclasses.fields(tp) if f.init}
            return tp(**{k: _from(hints[k], v) for k, v in value.items() if k in names})
        if issubclass(tp, Enum):
            return tp(value)
        if tp is Decimal:
            return Decimal(value)
        if tp is datetime:
            return datetime.fromisoformat(value)
        if tp is date:
            return date.fromisoformat(value)
    return value


def loads(cls: type[T], text: str) -> T:
    """The dataclass `cls` from JSON text written by `dumps`."""
    result: T = _from(cls, json.loads(text))
    return result
