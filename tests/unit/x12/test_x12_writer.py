"""Writer: fixed-width ISA, control numbers, counts, separators, collisions."""

from __future__ import annotations

import pytest

from clinicflow.x12 import (
    Composite,
    Group,
    InterchangeHeader,
    InterchangeWriter,
    Repeat,
    SegmentFormatter,
    Separators,
    TransactionContent,
    X12WriteError,
    read,
)


def _groups() -> list[Group]:
    body = [("BHT", "0022", "13", "REF1", "20250301", "0930"), ("HL", "1", None, "20", "1")]
    sets = [TransactionContent("270", n, body, "005010X279A1") for n in (1, 2, 3)]
    return [
        Group("HS", "SENDER", "RECEIVER", 17, "005010X279A1", sets),
        Group("HS", "SENDER", "RECEIVER", 18, "005010X279A1", sets[:1]),
    ]


def test_envelope_counts_and_control_numbers(header: InterchangeHeader) -> None:
    text = InterchangeWriter().write(header, _groups())
    isa, *_ = text.split("~")
    assert len(isa) + 1 == 106
    assert isa.split("*")[13] == "000000042"
    x12 = read(text)  # strict: every count and control number checks out
    assert x12.issues == []
    sets = list(x12.transactions())
    assert [t.control_number for t in sets] == ["0001", "0002", "0003", "0001"]
    assert [s.elements for s in sets[0].segments[-1:]] == [["SE", "4", "0001"]]
    ic = x12.interchanges[0]
    assert ic.trailer is not None and ic.trailer.elements == ["IEA", "2", "000000042"]
    assert [g.trailer.elements for g in ic.groups if g.trailer] == [
        ["GE", "3", "17"],
        ["GE", "1", "18"],
    ]


def test_configurable_separators_and_line_breaks(header: InterchangeHeader) -> None:
    seps = Separators(element="|", component=">", repetition="!", segment="'")
    text = InterchangeWriter(seps, line_breaks=True).write(header, _groups())
    assert text.startswith("ISA|00|")
    assert text.splitlines()[0].endswith("|T|>'")
    assert len(text.splitlines()[0]) == 106
    assert read(text).separators == seps


def test_isa_fixed_width_fields_are_padded_and_checked(header: InterchangeHeader) -> None:
    isa = InterchangeWriter().isa(header)
    assert isa.split("*")[6] == "CLINICFLOW     "
    too_long = InterchangeHeader(sender_id="X" * 16, receiver_id="R", control_number=1)
    with pytest.raises(X12WriteError, match="ISA06: longer than its fixed width of 15"):
        InterchangeWriter().isa(too_long)


@pytest.mark.parametrize("number", [0, 1_000_000_000])
def test_control_number_range(number: int) -> None:
    head = InterchangeHeader(sender_id="S", receiver_id="R", control_number=number)
    with pytest.raises(X12WriteError, match="ISA13"):
        InterchangeWriter().write(head, [])


def test_duplicate_st_control_refused(header: InterchangeHeader) -> None:
    sets = [TransactionContent("270", 5, [("BHT", "0022")]) for _ in range(2)]
    with pytest.raises(X12WriteError, match="ST02: control number repeated"):
        InterchangeWriter().write(header, [Group("HS", "S", "R", 1, "005010X279A1", sets)])


def test_collision_refused_without_echoing_data() -> None:
    fmt = SegmentFormatter(Separators())
    with pytest.raises(X12WriteError) as info:
        fmt.segment(("NM1", "IL", "1", "O*BRIEN"))
    assert "NM103" in str(info.value)
    assert "BRIEN" not in str(info.value)


def test_collision_replaced_on_request() -> None:
    fmt = SegmentFormatter(Separators(), on_collision="replace")
    assert fmt.segment(("NM1", "IL", "1", "A~B:C^D*E")) == "NM1*IL*1*A B C D E"


def test_composites_repeats_and_trailing_empties() -> None:
    fmt = SegmentFormatter(Separators())
    empties = (None,) * 9
    seg = ("EB", "1", None, Repeat("30", "98"), *empties, Composite("HC", "99213", None), None)
    assert fmt.segment(seg) == "EB*1**30^98**********HC:99213"


def test_bad_separator_choices_refused() -> None:
    with pytest.raises(X12WriteError, match="different"):
        SegmentFormatter(Separators(element="*", component="*"))
    with pytest.raises(X12WriteError, match="letters"):
        SegmentFormatter(Separators(segment="A"))
    with pytest.raises(X12WriteError, match="repetition separator"):
        SegmentFormatter(Separators(repetition=None)).segment(("EQ", Repeat("30")))
