"""Parse a 999 transaction set into :class:`AcknowledgmentDocument`."""

from __future__ import annotations

from clinicflow.x12 import elements as el
from clinicflow.x12.ack.model import (
    AcknowledgmentDocument,
    ContextReference,
    ElementError,
    SegmentError,
    TransactionSetResponse,
)
from clinicflow.x12.loops import Loop, build_loops, spec
from clinicflow.x12.reader import TransactionSet
from clinicflow.x12.segment import Segment

SPEC_999 = spec(
    "ST",
    "ST",
    "ST AK1",
    spec("2000", "AK2", "", spec("2100", "IK3", "CTX", spec("2110", "IK4", "CTX")), trailer="IK5"),
    trailer="AK9 SE",
)


def _int(seg: Segment, pos: int, component: int | None = None) -> int | None:
    value = seg.components(pos)[component - 1] if component else seg.get(pos)
    if not value:
        return None
    if not value.isdigit():
        raise seg.error("must be a whole number", pos, component)
    return int(value)


def _required_int(seg: Segment, pos: int) -> int:
    value = _int(seg, pos)
    if value is None:
        raise seg.error("required element is missing", pos)
    return value


def _context(seg: Segment) -> ContextReference:
    head = seg.components(1)
    where = seg.get(2)
    return ContextReference(
        name=head[0] if head and head[0] else None,
        value=head[1] if len(head) > 1 and head[1] else None,
        segment_id=where,
        segment_position=_int(seg, 3),
    )


def _codes(seg: Segment, first: int, last: int) -> list[str]:
    return [c for pos in range(first, last + 1) if (c := seg.get(pos))]


def _element(loop: Loop) -> ElementError:
    ik4 = loop.trigger
    if not ik4.components(1):
        raise ik4.error("required element is missing", 1)
    return ElementError(
        position=_int(ik4, 1, 1) or 0,
        component=_int(ik4, 1, 2) if len(ik4.components(1)) > 1 else None,
        repetition=_int(ik4, 1, 3) if len(ik4.components(1)) > 2 else None,
        element_reference=ik4.get(2),
        error_code=ik4.require(3),
        bad_value=ik4.get(4),
        contexts=[_context(s) for s in loop.all("CTX")],
    )


def _segment(loop: Loop) -> SegmentError:
    ik3 = loop.trigger
    return SegmentError(
        segment_id=ik3.require(1),
        position=_required_int(ik3, 2),
        loop_id=ik3.get(3),
        error_code=ik3.get(4),
        contexts=[_context(s) for s in loop.all("CTX")],
        elements=[_element(c) for c in loop.children],
    )


def _response(loop: Loop) -> TransactionSetResponse:
    ak2 = loop.trigger
    ik5 = loop.first("IK5")
    if ik5 is None:
        raise ak2.error("AK2 loop has no IK5")
    return TransactionSetResponse(
        set_id=ak2.require(1),
        control_number=ak2.require(2),
        implementation=ak2.get(3),
        status=el.required_code(ik5, 1, ("A", "E", "M", "R", "W", "X")),
        error_codes=_codes(ik5, 2, 6),
        segment_errors=[_segment(c) for c in loop.children],
    )


def parse_999(ts: TransactionSet) -> AcknowledgmentDocument:
    """Typed 999: one response per acknowledged set, with segment and element errors."""
    tree = build_loops(ts.segments, SPEC_999)
    ak1, ak9 = tree.first("AK1"), tree.first("AK9")
    if ak1 is None or ak9 is None:
        raise ts.header.error("999 needs AK1 and AK9")
    return AcknowledgmentDocument(
        control_number=ts.control_number,
        implementation=ts.implementation,
        functional_id=ak1.require(1),
        group_control_number=ak1.require(2),
        version=ak1.get(3),
        responses=[_response(c) for c in tree.children],
        group_status=el.required_code(ak9, 1, ("A", "E", "M", "P", "R", "W", "X")),
        sets_included=_required_int(ak9, 2),
        sets_received=_required_int(ak9, 3),
        sets_accepted=_required_int(ak9, 4),
        group_error_codes=_codes(ak9, 5, 9),
    )
