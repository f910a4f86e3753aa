"""One tokenized segment and the source it came from (for lazy byte offsets)."""

from __future__ import annotations

from itertools import accumulate

from clinicflow.x12.errors import X12Location, X12ParseError
from clinicflow.x12.separators import Separators


class Source:
    """The decoded text of a file, kept to turn a segment's index into a byte offset."""

    __slots__ = ("_starts", "encoding", "pieces", "separators", "start", "text")

    def __init__(
        self,
        text: str,
        start: int,
        pieces: list[str],
        separators: Separators,
        encoding: str,
    ) -> None:
        self.text = text
        self.start = start
        self.pieces = pieces
        self.separators = separators
        self.encoding = encoding
        self._starts: list[int] | None = None

    def byte_offset(self, index: int) -> int:
        """Byte offset of the first non-blank character of piece ``index``."""
        if self._starts is None:
            step = len(self.separators.segment)
            self._starts = list(
                accumulate((len(p) + step for p in self.pieces), initial=self.start)
            )
        piece = self.pieces[index]
        char_offset = self._starts[index] + len(piece) - len(piece.lstrip("\r\n\t "))
        return len(self.text[:char_offset].encode(self.encoding, errors="replace"))


class Segment:
    """A segment: ``elements[0]`` is its id, ``elements[n]`` its n-th element (raw text)."""

    __slots__ = ("elements", "id", "index", "loop", "ordinal", "source")

    def __init__(
        self, elements: list[str], ordinal: int, index: int, source: Source | None
    ) -> None:
        self.id = elements[0]
        self.elements = elements
        self.ordinal = ordinal
        self.index = index
        self.source = source
        self.loop: str | None = None

    def __repr__(self) -> str:
        return f"Segment({self.id!r}, ordinal={self.ordinal}, loop={self.loop!r})"

    def get(self, pos: int) -> str | None:
        """Element ``pos`` (1-based), or ``None`` when absent or empty."""
        try:
            return self.elements[pos] or None
        except IndexError:
            return None

    def require(self, pos: int) -> str:
        """Element ``pos``, raising a positioned error when it is missing."""
        value = self.get(pos)
        if value is None:
            raise self.error("required element is missing", pos)
        return value

    def components(self, pos: int) -> list[str]:
        """Components of composite element ``pos`` (empty list when absent)."""
        value = self.get(pos)
        if value is None:
            return []
        sep = self.source.separators.component if self.source else ":"
        return value.split(sep)

    def repeats(self, pos: int) -> list[str]:
        """Repetitions of element ``pos`` (empty list when absent)."""
        value = self.get(pos)
        if value is None:
            return []
        rep = self.source.separators.repetition if self.source else "^"
        return [v for v in value.split(rep) if v] if rep else [value]

    def element_ref(self, pos: int, component: int | None = None) -> str:
        """Reference such as ``NM109`` or ``EB13-2``."""
        ref = f"{self.id}{pos:02d}"
        return f"{ref}-{component}" if component is not None else ref

    def location(self, pos: int | None = None, component: int | None = None) -> X12Location:
        """This segment's position, optionally narrowed to one element."""
        offset = self.source.byte_offset(self.index) if self.source else None
        return X12Location(
            ordinal=self.ordinal,
            byte_offset=offset,
            segment_id=self.id,
            loop=self.loop,
            element=self.element_ref(pos, component) if pos is not None else None,
        )

    def error(
        self, reason: str, pos: int | None = None, component: int | None = None
    ) -> X12ParseError:
        """A parse error located at this segment (and element); the caller raises it."""
        return X12ParseError(reason, self.location(pos, component))
