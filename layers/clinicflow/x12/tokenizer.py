"""Split raw X12 text into segments, with delimiters taken from the ISA header."""

from __future__ import annotations

from dataclasses import dataclass

from clinicflow.x12.errors import X12Location, X12ParseError
from clinicflow.x12.segment import Segment, Source
from clinicflow.x12.separators import Separators
from clinicflow.x12.tuning import gc_paused

ISA_LENGTH = 106
"""A conforming ISA, terminator included, is exactly this many characters."""
_BLANKS = "\r\n\t "


@dataclass(slots=True)
class Tokens:
    """The segments of one file and the delimiters they were split with."""

    separators: Separators
    segments: list[Segment]
    source: Source
    fixed_width_isa: bool
    unterminated_tail: bool


def _valid_id(sid: str) -> bool:
    """Segment ids are 2-3 upper-case letters/digits starting with a letter."""
    return (
        1 < len(sid) < 4 and sid.isascii() and sid.isalnum() and sid[0].isalpha() and sid.isupper()
    )


def decode(data: str | bytes) -> tuple[str, str]:
    """Text and the encoding used to turn character positions back into byte offsets."""
    if isinstance(data, str):
        return data, "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_separators(text: str, start: int) -> tuple[Separators, bool]:
    """Delimiters from the ISA at ``start``; also whether the ISA is fixed-width."""
    if text[start : start + 3] != "ISA" or len(text) < start + 4:
        raise X12ParseError(
            "file does not start with an ISA segment",
            X12Location(ordinal=1, byte_offset=len(text[:start].encode("utf-8"))),
        )
    element = text[start + 3]
    pos = start + 3
    for _ in range(15):
        pos = text.find(element, pos + 1)
        if pos < 0:
            break
    if pos < 0 or pos + 2 >= len(text):
        raise X12ParseError(
            "ISA header is truncated: expected 16 elements and a segment terminator",
            X12Location(ordinal=1, segment_id="ISA"),
        )
    component, segment = text[pos + 1], text[pos + 2]
    isa = text[start:pos].split(element)
    isa11 = isa[11] if len(isa) > 11 else ""
    isa12 = isa[12] if len(isa) > 12 else ""
    repetition: str | None = isa11
    if len(isa11) != 1 or isa11.isalnum() or isa12 < "00501":
        repetition = None
    if (
        len({element, component, segment}) != 3
        or element.isalnum()
        or segment.isalnum()
        or repetition in (element, segment)
    ):
        raise X12ParseError(
            "ISA declares separators that collide or are letters/digits",
            X12Location(ordinal=1, segment_id="ISA", element="ISA16"),
        )
    fixed = pos == start + ISA_LENGTH - 3
    return Separators(element, component, repetition, segment), fixed


def tokenize(data: str | bytes) -> Tokens:
    """Split a file into segments; tolerates a UTF-8 BOM and CR/LF between segments."""
    text, encoding = decode(data)
    start = 1 if text.startswith("\ufeff") else 0
    while start < len(text) and text[start] in _BLANKS:
        start += 1
    seps, fixed = read_separators(text, start)
    with gc_paused():  # one Segment and one list per piece: acyclic, often millions
        return _split(text, start, seps, fixed, encoding)


def _split(text: str, start: int, seps: Separators, fixed: bool, encoding: str) -> Tokens:
    """The segments of ``text`` from ``start`` on (``tokenize`` without the ISA reading)."""
    pieces = text[start:].split(seps.segment)
    source = Source(text, start, pieces, seps, encoding)
    blanks = any(c in text for c in "\r\n\t")
    element = seps.element
    segments: list[Segment] = []
    append = segments.append
    ordinal = 0
    seen: set[str] = set()
    for index, raw in enumerate(pieces):
        piece = raw.lstrip(_BLANKS).rstrip("\r\n") if blanks else raw
        if not piece:
            continue
        elements = piece.split(element)
        sid = elements[0]
        ordinal += 1
        if sid not in seen:
            if not _valid_id(sid):
                seg = Segment(["?"], ordinal, index, source)
                raise X12ParseError("malformed segment identifier", seg.location())
            seen.add(sid)
        append(Segment(elements, ordinal, index, source))
    tail = pieces[-1].strip(_BLANKS) if pieces else ""
    return Tokens(seps, segments, source, fixed, bool(tail))
