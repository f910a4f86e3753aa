"""Read a file into interchanges, functional groups and transaction sets.

Envelope rules checked: ISA/IEA, GS/GE and ST/SE pairing; SE01 segment count; GE01 and
IEA01 counts; SE02 = ST02, GE02 = GS06, IEA02 = ISA13. In strict mode a broken rule raises
:class:`X12ParseError`; in lenient mode it is recorded in :attr:`X12File.issues`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from clinicflow.x12.errors import X12Issue, X12Location, X12ParseError
from clinicflow.x12.segment import Segment
from clinicflow.x12.separators import Separators
from clinicflow.x12.tokenizer import tokenize
from clinicflow.x12.tuning import gc_paused

_ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})


@dataclass(slots=True)
class TransactionSet:
    """One ST...SE set; ``segments`` includes ST and SE."""

    segments: list[Segment]
    group: FunctionalGroup

    @property
    def header(self) -> Segment:
        """The ST segment."""
        return self.segments[0]

    @property
    def set_id(self) -> str:
        """ST01, e.g. ``271``."""
        return self.header.get(1) or ""

    @property
    def control_number(self) -> str:
        """ST02."""
        return self.header.get(2) or ""

    @property
    def implementation(self) -> str:
        """ST03, falling back to GS08 (e.g. ``005010X279A1``)."""
        return self.header.get(3) or self.group.version

    @property
    def body(self) -> list[Segment]:
        """Segments between ST and SE."""
        return self.segments[1:-1]


@dataclass(slots=True)
class FunctionalGroup:
    """One GS...GE group."""

    header: Segment
    trailer: Segment | None = None
    transactions: list[TransactionSet] = field(default_factory=list)

    @property
    def functional_id(self) -> str:
        """GS01, e.g. ``HB`` for 271."""
        return self.header.get(1) or ""

    @property
    def control_number(self) -> str:
        """GS06."""
        return self.header.get(6) or ""

    @property
    def version(self) -> str:
        """GS08."""
        return self.header.get(8) or ""


@dataclass(slots=True)
class Interchange:
    """One ISA...IEA interchange."""

    header: Segment
    trailer: Segment | None = None
    groups: list[FunctionalGroup] = field(default_factory=list)

    @property
    def control_number(self) -> str:
        """ISA13."""
        return self.header.get(13) or ""


@dataclass(slots=True)
class X12File:
    """Everything read from one file."""

    separators: Separators
    interchanges: list[Interchange]
    issues: list[X12Issue]

    def transactions(self) -> Iterator[TransactionSet]:
        """Every transaction set, in file order."""
        for interchange in self.interchanges:
            for group in interchange.groups:
                yield from group.transactions

    def release(self) -> None:
        """Unlink each group from its sets (a reference cycle), for a caller done with the file.

        The segments are then freed at once by reference counting, so a bulk parse does not
        leave a cyclic collection of every segment behind it.
        """
        for interchange in self.interchanges:
            for group in interchange.groups:
                group.transactions = []


class _Envelope:
    """Walks the segment list once, pairing headers with trailers."""

    def __init__(self, segments: list[Segment], strict: bool) -> None:
        self.segments = segments
        self.strict = strict
        self.issues: list[X12Issue] = []
        self.i = 0

    def problem(self, seg: Segment, reason: str, pos: int | None = None) -> None:
        if self.strict:
            raise seg.error(reason, pos)
        self.issues.append(X12Issue(reason, seg.location(pos)))

    def expect(self, seg_id: str, context: str) -> Segment:
        if self.i >= len(self.segments):
            last = self.segments[-1]
            raise X12ParseError(
                f"file ends inside {context}: {seg_id} is missing",
                X12Location(ordinal=last.ordinal + 1),
            )
        seg = self.segments[self.i]
        if seg.id != seg_id:
            raise seg.error(f"expected {seg_id} ({context}), found {seg.id}")
        self.i += 1
        return seg

    def count(self, seg: Segment, pos: int, actual: int, what: str) -> None:
        declared = seg.get(pos)
        if declared is None or not declared.isdigit() or int(declared) != actual:
            self.problem(seg, f"{what} count is wrong: {actual} counted", pos)

    def match(self, seg: Segment, pos: int, header: Segment, hpos: int) -> None:
        if (seg.get(pos) or "").strip() != (header.get(hpos) or "").strip():
            ref = header.element_ref(hpos)
            self.problem(
                seg, f"control number does not match {ref} of segment {header.ordinal}", pos
            )

    def read(self) -> list[Interchange]:
        out: list[Interchange] = []
        while self.i < len(self.segments):
            out.append(self.interchange())
        return out

    def interchange(self) -> Interchange:
        isa = self.expect("ISA", "interchange header")
        isa.loop = "ISA"
        ic = Interchange(isa)
        segs = self.segments
        while self.i < len(segs) and segs[self.i].id == "TA1":
            segs[self.i].loop = "ISA"
            self.i += 1
        while self.i < len(segs) and segs[self.i].id == "GS":
            ic.groups.append(self.group())
        iea = self.expect("IEA", "interchange trailer")
        iea.loop = "ISA"
        ic.trailer = iea
        self.count(iea, 1, len(ic.groups), "IEA01 functional group")
        self.match(iea, 2, isa, 13)
        return ic

    def group(self) -> FunctionalGroup:
        gs = self.expect("GS", "functional group header")
        gs.loop = "GS"
        grp = FunctionalGroup(gs)
        segs = self.segments
        while self.i < len(segs) and segs[self.i].id == "ST":
            grp.transactions.append(self.transaction(grp))
        ge = self.expect("GE", "functional group trailer")
        ge.loop = "GS"
        grp.trailer = ge
        self.count(ge, 1, len(grp.transactions), "GE01 transaction set")
        self.match(ge, 2, gs, 6)
        return grp

    def transaction(self, grp: FunctionalGroup) -> TransactionSet:
        segs = self.segments
        start = self.i
        st = segs[start]
        end = start + 1
        while end < len(segs):
            sid = segs[end].id
            if sid == "SE":
                break
            if sid in _ENVELOPE:
                raise segs[end].error(
                    f"{sid} found before the SE closing the ST at segment {st.ordinal}"
                )
            end += 1
        else:
            raise st.error("transaction set has no SE trailer")
        se = segs[end]
        self.i = end + 1
        self.count(se, 1, end - start + 1, "SE01 segment")
        self.match(se, 2, st, 2)
        return TransactionSet(segs[start : end + 1], grp)


def read(data: str | bytes, *, strict: bool = True) -> X12File:
    """Tokenize ``data`` and check its envelopes."""
    with gc_paused():
        tokens = tokenize(data)
    env = _Envelope(tokens.segments, strict)
    issues = env.issues
    if not tokens.fixed_width_isa:
        issues.append(
            X12Issue("ISA is not fixed-width (106 characters)", tokens.segments[0].location())
        )
    if tokens.unterminated_tail:
        last = tokens.segments[-1]
        env.problem(last, "last segment has no segment terminator")
    interchanges = env.read()
    return X12File(tokens.separators, interchanges, env.issues)
