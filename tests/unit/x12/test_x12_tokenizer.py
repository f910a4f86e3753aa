"""Tokenizer: delimiters from the ISA, BOM, CR/LF, odd separators, malformed ids."""

from __future__ import annotations

import pytest
from x12_support import fixture_bytes

from clinicflow.x12 import X12ParseError, tokenize
from clinicflow.x12.separators import Separators

ISA = (
    "ISA*00*          *00*          *"
    "ZZ*A              *ZZ*B              *"
    "250301*0931*^*00501*000000001*0*T*:~"
)


def test_separators_come_from_the_isa() -> None:
    tokens = tokenize(fixture_bytes("271_benefits.x12"))
    assert tokens.separators == Separators("*", ":", "^", "~")
    assert tokens.fixed_width_isa
    assert tokens.segments[0].id == "ISA"
    assert tokens.segments[-1].id == "IEA"


def test_bom_crlf_and_odd_separators() -> None:
    tokens = tokenize(fixture_bytes("271_benefits_bom_pipes.x12"))
    assert tokens.separators == Separators("|", ">", "!", "\r")
    plain = tokenize(fixture_bytes("271_benefits.x12"))
    swap = str.maketrans("^:", "!>")
    assert [s.elements for s in tokens.segments[1:]] == [
        [e.translate(swap) for e in s.elements] for s in plain.segments[1:]
    ]
    eb = tokens.segments[19]
    assert eb.id == "EB"
    assert eb.repeats(3)[:3] == ["30", "1", "33"]


def test_repetition_is_none_before_5010() -> None:
    text = ISA.replace("*^*00501*", "*U*00401*") + "IEA*0*000000001~"
    assert tokenize(text).separators.repetition is None


def test_leading_whitespace_and_indentation_tolerated() -> None:
    text = "\ufeff\r\n  " + ISA + "\r\n    GS*HB~\n\tIEA*1*000000001~\r\n"
    ids = [s.id for s in tokenize(text).segments]
    assert ids == ["ISA", "GS", "IEA"]


def test_non_fixed_width_isa_is_read_but_flagged() -> None:
    text = "ISA*00**00**ZZ*A*ZZ*B*250301*0931*^*00501*000000001*0*T*:~IEA*0*000000001~"
    tokens = tokenize(text)
    assert not tokens.fixed_width_isa
    assert tokens.separators.component == ":"


def test_not_an_isa() -> None:
    with pytest.raises(X12ParseError, match="does not start with an ISA"):
        tokenize("GS*HB*X~")


def test_truncated_isa() -> None:
    with pytest.raises(X12ParseError, match="truncated"):
        tokenize("ISA*00*  *00")


def test_colliding_separators_refused() -> None:
    with pytest.raises(X12ParseError, match="collide"):
        tokenize(ISA.replace("*T*:~", "*T*~~") + "IEA~")


def test_malformed_segment_id_names_position_and_byte_offset() -> None:
    text = ISA + "GS*HB~bad id*1~"
    with pytest.raises(X12ParseError) as info:
        tokenize(text)
    loc = info.value.location
    assert loc.ordinal == 3
    assert loc.byte_offset == len(ISA) + len("GS*HB~")
    assert "segment 3" in str(info.value)
    assert "bad id" not in str(info.value)


def test_byte_offset_counts_utf8_bytes_and_bom() -> None:
    text = "\ufeff" + ISA + "NM1*X*É~bad!~"
    with pytest.raises(X12ParseError) as info:
        tokenize(text.encode("utf-8"))
    expected = len(("\ufeff" + ISA + "NM1*X*É~").encode("utf-8"))
    assert info.value.location.byte_offset == expected


def test_latin1_fallback_keeps_byte_offsets() -> None:
    data = (ISA + "NM1*X*\xe9~bad!~").encode("latin-1")
    with pytest.raises(X12ParseError) as info:
        tokenize(data)
    assert info.value.location.byte_offset == data.index(b"bad!")


def test_unterminated_last_segment_flagged() -> None:
    tokens = tokenize(ISA + "IEA*0*000000001")
    assert tokens.unterminated_tail
    assert tokens.segments[-1].elements == ["IEA", "0", "000000001"]


def test_segment_accessors() -> None:
    seg = tokenize(ISA + "EB*1**30^1^33*HM**23*10.5****Y**HC:99213:25~").segments[1]
    assert seg.get(1) == "1"
    assert seg.get(2) is None
    assert seg.get(99) is None
    assert seg.repeats(3) == ["30", "1", "33"]
    assert seg.components(13) == ["HC", "99213", "25"]
    assert seg.components(2) == []
    assert seg.element_ref(13, 2) == "EB13-2"
    with pytest.raises(X12ParseError, match="EB02: required element is missing"):
        seg.require(2)
