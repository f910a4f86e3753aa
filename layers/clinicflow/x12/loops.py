"""Group a transaction set's segments into its loop tree, driven by a small loop spec."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from clinicflow.x12.segment import Segment


@dataclass(frozen=True)
class LoopSpec:
    """A loop: the segment that opens it, the other segments it holds, its child loops.

    ``segments`` are accepted only before the first child loop; ``trailer`` segments (LS/LE,
    SE, AK9) also after it. ``qualifier`` narrows the trigger: ``(3, {"22"})`` means "only
    when element 3 is 22" (how HL loops are told apart).
    """

    id: str
    trigger: str
    segments: frozenset[str] = frozenset()
    children: tuple[LoopSpec, ...] = ()
    qualifier: tuple[int, frozenset[str]] | None = None
    trailer: frozenset[str] = frozenset()

    @cached_property
    def openers(self) -> dict[str, tuple[LoopSpec, ...]]:
        """Child loops by the segment id that opens them, in spec order (computed once)."""
        table: dict[str, tuple[LoopSpec, ...]] = {}
        for child in self.children:
            table[child.trigger] = (*table.get(child.trigger, ()), child)
        return table

    @cached_property
    def known(self) -> frozenset[str]:
        """Every segment id this loop opens a child with, holds or closes with."""
        return frozenset(self.openers) | self.segments | self.trailer

    def child_for(self, seg: Segment) -> LoopSpec | None:
        """The child loop ``seg`` opens, if any."""
        for child in self.openers.get(seg.id, ()):
            if child.qualifier is None or seg.get(child.qualifier[0]) in child.qualifier[1]:
                return child
        return None


def spec(
    loop_id: str,
    trigger: str,
    segments: str = "",
    *children: LoopSpec,
    qualifier: tuple[int, str] | None = None,
    trailer: str = "",
) -> LoopSpec:
    """Compact constructor: segment ids and qualifier codes are space-separated strings."""
    qual = (qualifier[0], frozenset(qualifier[1].split())) if qualifier else None
    return LoopSpec(
        loop_id,
        trigger,
        frozenset(segments.split()),
        tuple(children),
        qual,
        frozenset(trailer.split()),
    )


@dataclass(slots=True)
class Loop:
    """One loop instance: its own segments (trigger first) and its child loops."""

    id: str
    segments: list[Segment]
    children: list[Loop] = field(default_factory=list)

    @property
    def trigger(self) -> Segment:
        """The segment that opened this loop."""
        return self.segments[0]

    def first(self, seg_id: str) -> Segment | None:
        """First segment with id ``seg_id`` directly in this loop."""
        for seg in self.segments:
            if seg.id == seg_id:
                return seg
        return None

    def all(self, seg_id: str) -> list[Segment]:
        """Every segment with id ``seg_id`` directly in this loop."""
        return [seg for seg in self.segments if seg.id == seg_id]

    def loops(self, loop_id: str) -> list[Loop]:
        """Child loops with id ``loop_id``."""
        return [c for c in self.children if c.id == loop_id]

    def loop(self, loop_id: str) -> Loop | None:
        """First child loop with id ``loop_id``."""
        for child in self.children:
            if child.id == loop_id:
                return child
        return None

    def walk(self) -> Iterator[Loop]:
        """This loop and every loop below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def build_loops(segments: list[Segment], root: LoopSpec) -> Loop:
    """Build the loop tree of one transaction set (ST...SE) using ``root``.

    A segment goes to the deepest open loop that holds it or has a child loop it opens;
    anything else is an error naming the segment and the loop it was found in.
    """
    tree = Loop(root.id, [])
    loops = [tree]
    specs = [root]
    for seg in segments:
        sid = seg.id
        depth = len(specs) - 1
        while True:
            current = specs[depth]
            if sid not in current.known:  # the common miss: look in the enclosing loop
                if depth == 0:
                    seg.loop = specs[-1].id
                    raise seg.error("segment not expected in this loop or any enclosing loop")
                depth -= 1
                continue
            child = None
            for candidate in current.openers.get(sid, ()):
                qualifier = candidate.qualifier
                if qualifier is None or seg.get(qualifier[0]) in qualifier[1]:
                    child = candidate
                    break
            if child is not None:
                if depth + 1 < len(specs):
                    del specs[depth + 1 :], loops[depth + 1 :]
                new = Loop(child.id, [seg])
                loops[depth].children.append(new)
                loops.append(new)
                specs.append(child)
                seg.loop = child.id
                break
            if sid in current.trailer or (sid in current.segments and not loops[depth].children):
                if depth + 1 < len(specs):
                    del specs[depth + 1 :], loops[depth + 1 :]
                loops[depth].segments.append(seg)
                seg.loop = current.id
                break
            if depth == 0:
                seg.loop = specs[-1].id
                raise seg.error("segment not expected in this loop or any enclosing loop")
            depth -= 1
    return tree
