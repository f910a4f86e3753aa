"""Write segments and ISA/GS/ST envelopes with correct control numbers and counts.

X12 has no escape character, so data containing a delimiter is refused
(``on_collision="error"``, the default) or has the delimiter replaced by a space
(``on_collision="replace"``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from clinicflow.x12.errors import X12WriteError
from clinicflow.x12.separators import Separators

Collision = Literal["error", "replace"]


class Composite:
    """A composite element: its components, in order (``None`` = empty)."""

    __slots__ = ("parts",)

    def __init__(self, *parts: str | None) -> None:
        self.parts = parts


class Repeat:
    """A repeated element: its repetitions, in order."""

    __slots__ = ("values",)

    def __init__(self, *values: str | Composite) -> None:
        self.values = values


Element = str | Composite | Repeat | None
SegmentData = Sequence[Element]
"""A segment to write: its id first, then its elements (``None`` = empty)."""


class SegmentFormatter:
    """Turns :data:`SegmentData` into text with one set of delimiters."""

    def __init__(self, separators: Separators, *, on_collision: Collision = "error") -> None:
        separators.check_for_writing()
        self.separators = separators
        self.on_collision = on_collision
        self._forbidden = re.compile("[" + re.escape("".join(separators.all())) + "]")

    def _clean(self, value: str, where: str) -> str:
        if self._forbidden.search(value) is None:
            return value
        if self.on_collision == "replace":
            return self._forbidden.sub(" ", value)
        raise X12WriteError(f"{where}: data contains a separator character")

    def _composite(self, comp: Composite, where: str) -> str:
        parts = [self._clean(p, f"{where}-{i}") if p else "" for i, p in enumerate(comp.parts, 1)]
        return self.separators.component.join(parts).rstrip(self.separators.component)

    def element(self, value: Element, where: str) -> str:
        """One element's text; ``where`` names it in errors (e.g. ``NM103``)."""
        if value is None:
            return ""
        if isinstance(value, str):
            return self._clean(value, where)
        if isinstance(value, Composite):
            return self._composite(value, where)
        rep = self.separators.repetition
        if rep is None:
            raise X12WriteError(f"{where}: repeated element needs a repetition separator")
        return rep.join(
            self._composite(v, where) if isinstance(v, Composite) else self._clean(v, where)
            for v in value.values
        )

    def segment(self, data: SegmentData) -> str:
        """A segment without its terminator; trailing empty elements are dropped."""
        seg_id = data[0]
        if not isinstance(seg_id, str) or not seg_id.isalnum():
            raise X12WriteError("segment id must be 2-3 letters/digits")
        out = [seg_id]
        out.extend(self.element(v, f"{seg_id}{i:02d}") for i, v in enumerate(data[1:], 1))
        while len(out) > 1 and out[-1] == "":
            out.pop()
        return self.separators.element.join(out)


@dataclass(frozen=True)
class InterchangeHeader:
    """ISA values; text fields are padded to their fixed widths on writing."""

    sender_id: str
    receiver_id: str
    control_number: int
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    usage: Literal["P", "T"] = "P"
    ack_requested: bool = False
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    authorization_qualifier: str = "00"
    authorization: str = ""
    security_qualifier: str = "00"
    security: str = ""
    version: str = "00501"


@dataclass(frozen=True)
class TransactionContent:
    """One transaction set's body (without ST/SE) and its ST values."""

    set_id: str
    control_number: int | str
    body: Sequence[SegmentData]
    implementation: str | None = None


@dataclass(frozen=True)
class Group:
    """One functional group (GS values) and its transaction sets."""

    functional_id: str
    sender_code: str
    receiver_code: str
    control_number: int
    version: str
    transactions: Sequence[TransactionContent]
    created: datetime | None = None


def _fixed(value: str, width: int, where: str) -> str:
    if len(value) > width:
        raise X12WriteError(f"{where}: longer than its fixed width of {width}")
    return value.ljust(width)


def _control(value: int, where: str) -> int:
    if not 0 < value <= 999_999_999:
        raise X12WriteError(f"{where}: control number must be 1..999999999")
    return value


def st_control(value: int | str) -> str:
    """ST02/SE02 text: 4-9 characters, integers zero-padded to 4."""
    text = str(_control(value, "ST02")).zfill(4) if isinstance(value, int) else value
    if not 4 <= len(text) <= 9 or not text.isalnum():
        raise X12WriteError("ST02: control number must be 4-9 letters/digits")
    return text


class InterchangeWriter:
    """Writes whole interchanges; one instance per delimiter choice."""

    def __init__(
        self,
        separators: Separators | None = None,
        *,
        on_collision: Collision = "error",
        line_breaks: bool = False,
    ) -> None:
        self.formatter = SegmentFormatter(separators or Separators(), on_collision=on_collision)
        self.separators = self.formatter.separators
        self.terminator = self.separators.segment + ("\n" if line_breaks else "")

    def isa(self, h: InterchangeHeader) -> str:
        """The fixed-width ISA segment (without terminator)."""
        seps = self.separators
        fields = [
            "ISA",
            _fixed(h.authorization_qualifier, 2, "ISA01"),
            _fixed(h.authorization, 10, "ISA02"),
            _fixed(h.security_qualifier, 2, "ISA03"),
            _fixed(h.security, 10, "ISA04"),
            _fixed(h.sender_qualifier, 2, "ISA05"),
            _fixed(h.sender_id, 15, "ISA06"),
            _fixed(h.receiver_qualifier, 2, "ISA07"),
            _fixed(h.receiver_id, 15, "ISA08"),
            h.created.strftime("%y%m%d"),
            h.created.strftime("%H%M"),
            seps.repetition or "U",
            _fixed(h.version, 5, "ISA12"),
            str(_control(h.control_number, "ISA13")).zfill(9),
            "1" if h.ack_requested else "0",
            h.usage,
            seps.component,
        ]
        for i, value in enumerate(fields[1:11], 1):
            self.formatter.element(value, f"ISA{i:02d}")
        return seps.element.join(fields)

    def write(self, header: InterchangeHeader, groups: Sequence[Group]) -> str:
        """The full interchange text."""
        term = self.terminator
        fmt = self.formatter.segment
        out = [self.isa(header) + term]
        for group in groups:
            created = group.created or header.created
            gs06 = str(_control(group.control_number, "GS06"))
            gs: SegmentData = (
                "GS",
                group.functional_id,
                group.sender_code,
                group.receiver_code,
                created.strftime("%Y%m%d"),
                created.strftime("%H%M"),
                gs06,
                "X",
                group.version,
            )
            out.append(fmt(gs) + term)
            seen: set[str] = set()
            for txn in group.transactions:
                st02 = st_control(txn.control_number)
                if st02 in seen:
                    raise X12WriteError("ST02: control number repeated within a functional group")
                seen.add(st02)
                out.append(fmt(("ST", txn.set_id, st02, txn.implementation)) + term)
                out.extend(fmt(seg) + term for seg in txn.body)
                out.append(fmt(("SE", str(len(txn.body) + 2), st02)) + term)
            out.append(fmt(("GE", str(len(group.transactions)), gs06)) + term)
        iea02 = str(header.control_number).zfill(9)
        out.append(fmt(("IEA", str(len(groups)), iea02)) + term)
        return "".join(out)
