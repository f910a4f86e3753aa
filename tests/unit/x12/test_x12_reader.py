"""Envelope reader: several GS/ST, counts, control numbers, strict vs lenient."""

from __future__ import annotations

import pytest
from x12_support import fixture_bytes

from clinicflow.x12 import X12ParseError, read

ISA = (
    "ISA*00*          *00*          *"
    "ZZ*A              *ZZ*B              *"
    "250301*0931*^*00501*000000007*0*T*:~"
)
GS = "GS*HB*A*B*20250301*0931*5*X*005010X279A1~"


def envelope(
    body: str, se: str = "SE*3*0001~", ge: str = "GE*1*5~", iea: str = "IEA*1*000000007~"
) -> str:
    return ISA + GS + "ST*271*0001*005010X279A1~" + body + se + ge + iea


def test_several_groups_and_sets() -> None:
    x12 = read(fixture_bytes("271_aaa_levels.x12"))
    (ic,) = x12.interchanges
    assert [g.control_number for g in ic.groups] == ["201", "202"]
    assert [t.control_number for t in x12.transactions()] == ["1001", "1002", "2001", "2002"]
    assert all(t.set_id == "271" and t.implementation == "005010X279A1" for t in x12.transactions())
    assert x12.issues == []


def test_two_sets_in_one_group() -> None:
    x12 = read(fixture_bytes("271_benefits.x12"))
    sets = list(x12.transactions())
    assert len(sets) == 2
    assert sets[0].body[0].id == "BHT"
    assert sets[0].group.version == "005010X279A1"


def test_good_counts() -> None:
    assert read(envelope("BHT*0022*11~")).issues == []


@pytest.mark.parametrize(
    ("kwargs", "element", "text"),
    [
        ({"se": "SE*4*0001~"}, "SE01", "SE01 segment count is wrong"),
        ({"se": "SE*3*0002~"}, "SE02", "control number does not match ST02"),
        ({"ge": "GE*2*5~"}, "GE01", "GE01 transaction set count is wrong"),
        ({"ge": "GE*1*6~"}, "GE02", "control number does not match GS06"),
        ({"iea": "IEA*2*000000007~"}, "IEA01", "IEA01 functional group count is wrong"),
        ({"iea": "IEA*1*000000008~"}, "IEA02", "control number does not match ISA13"),
    ],
)
def test_count_and_control_errors(kwargs: dict[str, str], element: str, text: str) -> None:
    data = envelope("BHT*0022*11~", **kwargs)
    with pytest.raises(X12ParseError) as info:
        read(data)
    assert info.value.location.element == element
    assert text in str(info.value)
    lenient = read(data, strict=False)
    assert len(lenient.issues) == 1
    assert element in str(lenient.issues[0])


def test_se_count_error_names_ordinal_and_offset() -> None:
    data = envelope("BHT*0022*11~", se="SE*9*0001~")
    with pytest.raises(X12ParseError) as info:
        read(data)
    message = str(info.value)
    assert message.startswith("segment 5 (SE) at byte ")
    assert info.value.location.byte_offset == data.index("SE*9")
    assert info.value.details["location"]["segment"] == 5


def test_missing_se() -> None:
    data = ISA + GS + "ST*271*0001~BHT*0022~GE*1*5~IEA*1*000000007~"
    with pytest.raises(X12ParseError, match="GE found before the SE closing the ST at segment 3"):
        read(data)


def test_file_ends_inside_group() -> None:
    with pytest.raises(X12ParseError, match="GE is missing"):
        read(ISA + GS)


def test_unexpected_segment_between_sets() -> None:
    data = ISA + GS + "BHT*1~GE*0*5~IEA*1*000000007~"
    with pytest.raises(X12ParseError, match=r"segment 3 \(BHT\).*expected GE"):
        read(data)


def test_two_interchanges_in_one_file() -> None:
    one = ISA + "IEA*0*000000007~"
    assert len(read(one + "\n" + one).interchanges) == 2


def test_unterminated_tail_is_an_error_only_when_strict() -> None:
    data = envelope("BHT*0022*11~").removesuffix("~")
    with pytest.raises(X12ParseError, match="no segment terminator"):
        read(data)
    assert len(read(data, strict=False).issues) == 1
