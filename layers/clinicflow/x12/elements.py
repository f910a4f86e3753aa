"""Typed element readers: each raises a positioned X12ParseError, never echoing the value."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, time
from decimal import Decimal, InvalidOperation

from clinicflow.x12.segment import Segment

_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)")


def text(seg: Segment, pos: int) -> str | None:
    """Element ``pos`` as text, ``None`` when empty."""
    return seg.get(pos)


def code(seg: Segment, pos: int, allowed: Collection[str] | None = None) -> str | None:
    """A code element, checked against ``allowed`` when given."""
    value = seg.get(pos)
    if value is not None and allowed is not None and value not in allowed:
        raise seg.error("code is not valid here", pos)
    return value


def required_code(seg: Segment, pos: int, allowed: Collection[str] | None = None) -> str:
    """A mandatory code element."""
    value = code(seg, pos, allowed)
    if value is None:
        raise seg.error("required element is missing", pos)
    return value


def parse_decimal(value: str) -> Decimal | None:
    """An X12 R/N element as Decimal, ``None`` when it is not a plain number."""
    if value.isdigit() and value.isascii():
        return Decimal(value)
    if not _NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regex already guarantees a number
        return None


def decimal(seg: Segment, pos: int) -> Decimal | None:
    """A numeric element as Decimal (never float)."""
    value = seg.get(pos)
    if value is None:
        return None
    number = parse_decimal(value)
    if number is None:
        raise seg.error("not a valid number", pos)
    return number


def parse_date8(value: str) -> date | None:
    """CCYYMMDD to a date, ``None`` when invalid."""
    if len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def date8(seg: Segment, pos: int, component: int | None = None) -> date | None:
    """A CCYYMMDD element as a date."""
    value = seg.get(pos)
    if value is None:
        return None
    parsed = parse_date8(value)
    if parsed is None:
        raise seg.error("not a valid CCYYMMDD date", pos, component)
    return parsed


def hhmm(seg: Segment, pos: int) -> time | None:
    """An HHMM[SS[D..]] element as a time."""
    value = seg.get(pos)
    if value is None:
        return None
    if len(value) < 4 or not value.isdigit():
        raise seg.error("not a valid HHMM time", pos)
    try:
        return time(int(value[:2]), int(value[2:4]), int(value[4:6] or 0))
    except ValueError:
        raise seg.error("not a valid HHMM time", pos) from None


def date_period(seg: Segment, fmt_pos: int, value_pos: int) -> tuple[date, date | None]:
    """A date or date range given as format qualifier (D8, RD8) and value."""
    fmt = required_code(seg, fmt_pos, ("D8", "RD8"))
    value = seg.require(value_pos)
    if fmt == "D8":
        single = parse_date8(value)
        if single is None:
            raise seg.error("not a valid CCYYMMDD date", value_pos)
        return single, None
    first, _, last = value.partition("-")
    start, end = parse_date8(first), parse_date8(last)
    if start is None or end is None:
        raise seg.error("not a valid CCYYMMDD-CCYYMMDD date range", value_pos)
    if end < start:
        raise seg.error("date range ends before it starts", value_pos)
    return start, end
