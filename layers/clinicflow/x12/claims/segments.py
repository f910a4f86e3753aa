"""Element formats and segments shared by the 837P writers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clinicflow.x12.claims.fields import PostalAddress
from clinicflow.x12.writer import SegmentData


def d8(value: date) -> str:
    """CCYYMMDD."""
    return value.strftime("%Y%m%d")


def amount(value: Decimal) -> str:
    """An X12 R element: plain digits, no exponent, no trailing zeros (100.50 -> 100.5)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def address(addr: PostalAddress | None) -> list[SegmentData]:
    """N3/N4 of an address (none when absent)."""
    if addr is None:
        return []
    return [
        ("N3", addr.line1, addr.line2),
        ("N4", addr.city, addr.state, addr.postal_code, addr.country),
    ]
