"""Typed X12 errors that name a position (segment, loop, element), never a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clinicflow.platform.errors import ClinicFlowError


@dataclass(frozen=True, slots=True)
class X12Location:
    """Where something happened in a file: every field is optional."""

    ordinal: int | None = None
    """1-based position of the segment in the file (ISA is 1)."""
    byte_offset: int | None = None
    """0-based byte offset of the segment's first character."""
    segment_id: str | None = None
    loop: str | None = None
    element: str | None = None
    """Element reference such as ``NM109`` or ``EB13-2``."""

    def describe(self) -> str:
        """Human-readable position, e.g. ``segment 14 (NM1) at byte 402 in loop 2100C``."""
        parts: list[str] = []
        if self.ordinal is not None:
            head = f"segment {self.ordinal}"
            if self.segment_id:
                head += f" ({self.segment_id})"
            if self.byte_offset is not None:
                head += f" at byte {self.byte_offset}"
            parts.append(head)
        elif self.segment_id:
            parts.append(f"segment {self.segment_id}")
        if self.loop:
            parts.append(f"in loop {self.loop}")
        text = " ".join(parts)
        if self.element:
            text = f"{text}, element {self.element}" if text else f"element {self.element}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form used in API error bodies."""
        return {
            "segment": self.ordinal,
            "byte_offset": self.byte_offset,
            "segment_id": self.segment_id,
            "loop": self.loop,
            "element": self.element,
        }


class X12Error(ClinicFlowError):
    """Base of every X12 error."""

    status_code = 422
    code = "x12_error"


class X12ParseError(X12Error):
    """A file could not be read: the message names the segment, loop and element."""

    code = "x12_parse_error"

    def __init__(self, reason: str, location: X12Location | None = None) -> None:
        self.reason = reason
        self.location = location or X12Location()
        where = self.location.describe()
        super().__init__(
            f"{where}: {reason}" if where else reason,
            details={"location": self.location.as_dict()},
        )


class X12WriteError(X12Error):
    """Data cannot be written as X12 (too long, colliding with a separator, ...)."""

    code = "x12_write_error"


@dataclass(frozen=True, slots=True)
class X12Issue:
    """A problem tolerated in lenient mode (wrong count, mismatched control number)."""

    message: str
    location: X12Location

    def __str__(self) -> str:
        where = self.location.describe()
        return f"{where}: {self.message}" if where else self.message
