"""271 parser: golden file, every EB kind, AAA at each level, positioned errors."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from x12_support import FIXTURES, fixture_bytes

from clinicflow.x12 import X12ParseError, parse_file
from clinicflow.x12.eligibility import Benefit, EligibilityResponseDocument


def _docs(data: bytes | str) -> list[Any]:
    return [t for ic in parse_file(data).interchanges for g in ic.groups for t in g.transactions]


@pytest.fixture(scope="module")
def response() -> EligibilityResponseDocument:
    doc = _docs(fixture_bytes("271_benefits.x12"))[0]
    assert isinstance(doc, EligibilityResponseDocument)
    return doc


def _benefits(doc: EligibilityResponseDocument) -> list[Benefit]:
    return doc.sources[0].receivers[0].subscribers[0].benefits


def test_golden_json() -> None:
    parsed = parse_file(fixture_bytes("271_benefits.x12"))
    expected = json.loads((FIXTURES / "271_benefits.json").read_text())
    assert json.loads(parsed.model_dump_json(exclude_none=True)) == expected


def test_bom_pipes_and_cr_terminator_parse_the_same() -> None:
    odd = parse_file(fixture_bytes("271_benefits_bom_pipes.x12"))
    plain = parse_file(fixture_bytes("271_benefits.x12"))
    assert odd == plain


def test_levels(response: EligibilityResponseDocument) -> None:
    source = response.sources[0]
    assert source.name.identifier == "87726"
    assert source.contacts[0].communications[1].qualifier == "UR"
    receiver = source.receivers[0]
    assert receiver.name.id_qualifier == "XX"
    sub = receiver.subscribers[0]
    assert sub.name.identifier == "W123456789"
    assert sub.trace_numbers[0].trace_type == "2"
    assert sub.address is not None and sub.address.lines == ["100 MAIN ST", "SUITE 2"]
    assert sub.relationship is not None and sub.relationship.maintenance_reason == "25"
    assert sub.references[0].qualifier == "6P"
    plan = {d.qualifier: d for d in sub.dates}
    assert plan["291"].end is not None and plan["291"].end.year == 2025
    (dep,) = sub.dependents
    assert dep.name.entity_code == "03"
    assert dep.relationship is not None and dep.relationship.relationship_code == "19"
    assert [b.code for b in dep.benefits] == ["1", "B"]


def test_every_eb_kind(response: EligibilityResponseDocument) -> None:
    by_code: dict[str, list[Benefit]] = {}
    for b in _benefits(response):
        by_code.setdefault(b.code, []).append(b)
    assert set(by_code) == {"1", "A", "B", "C", "F", "G", "I", "L", "R", "U", "V"}
    active = by_code["1"][0]
    assert active.service_types == ["30", "1", "33", "35", "47", "48", "50", "86", "88", "98"]
    assert (active.coverage_level, active.plan_description) == ("FAM", "GOLD PLAN PPO")
    copay_in, copay_out = by_code["B"]
    assert copay_in.amount == Decimal("25") and copay_in.in_plan_network == "Y"
    assert copay_out.amount == Decimal("50") and copay_out.in_plan_network == "N"
    assert by_code["A"][0].percent == Decimal("0.2")
    deductibles = {(b.coverage_level, b.time_period): b.amount for b in by_code["C"]}
    assert deductibles == {
        ("IND", "23"): Decimal("1500"),
        ("IND", "29"): Decimal("1250.55"),
        ("FAM", "23"): Decimal("3000"),
    }
    assert all(isinstance(b.amount, Decimal) for b in by_code["G"])
    limit = by_code["F"][0]
    assert (limit.quantity_qualifier, limit.quantity) == ("VS", Decimal("20"))
    assert limit.deliveries[0].time_period == "22"
    assert by_code["I"][0].messages == ["VISION SERVICES ARE NOT COVERED"]
    other = by_code["R"][0]
    assert other.insurance_type == "MB"
    assert other.related_entities[0].name.entity_code == "PRP"
    assert other.related_entities[0].address is not None
    pcp = by_code["L"][0].related_entities[0]
    assert pcp.name.identifier == "1497758544"
    assert pcp.provider is not None and pcp.provider.identifier == "207Q00000X"
    auth = by_code["1"][1]
    assert auth.authorization_required == "Y"
    assert auth.procedure is not None and auth.procedure.modifiers == ["25"]
    assert auth.additional_information[0].code == "11"
    contact = by_code["U"][0].related_entities[0].contacts[0]
    assert [c.qualifier for c in contact.communications] == ["TE", "EX"]
    assert by_code["V"][0].errors[0].loop == "2110C"
    assert by_code["1"][0].description == "Active Coverage"


def test_inactive_in_second_set() -> None:
    doc = _docs(fixture_bytes("271_benefits.x12"))[1]
    sub = doc.sources[0].receivers[0].subscribers[0]
    assert [b.code for b in sub.benefits] == ["6"]
    assert sub.dates[0].qualifier == "357"


def test_aaa_at_each_level() -> None:
    docs = _docs(fixture_bytes("271_aaa_levels.x12"))
    found = []
    for doc in docs:
        for src in doc.sources:
            found += [(e.loop, e.reject_reason) for e in src.errors]
            for rcv in src.receivers:
                found += [(e.loop, e.reject_reason) for e in rcv.errors]
                for sub in rcv.subscribers:
                    found += [(e.loop, e.reject_reason) for e in sub.errors]
                    for dep in sub.dependents:
                        found += [(e.loop, e.reject_reason) for e in dep.errors]
    assert found == [
        ("2000A", "42"),
        ("2100A", "79"),
        ("2100B", "43"),
        ("2100C", "72"),
        ("2100D", "67"),
    ]
    first = docs[0].sources[0].errors[0]
    assert first.reject_reason_description == "Unable to Respond at Current Time"
    assert first.follow_up_action == "R"


def _mutate(old: str, new: str) -> str:
    text = fixture_bytes("271_benefits.x12").decode()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            "*25*****Y~",
            "*2X5*****Y~",
            "(EB) at byte {off} in loop 2110C, element EB07: not a valid number",
        ),
        (
            "DMG*D8*19800517*F",
            "DMG*D8*19801317*F",
            "(DMG) at byte {off} in loop 2100C, element DMG02",
        ),
        ("*0.2****N~", "*0.2****Q~", "in loop 2110C, element EB12: code is not valid here"),
        (
            "NM1*03*1*DOE*TIM",
            "NM1*03*7*DOE*TIM",
            "in loop 2100D, element NM102: code is not valid here",
        ),
        (
            "DTP*291*RD8*20250101-20251231",
            "DTP*291*RD8*20251231-20250101",
            "element DTP03: date range ends",
        ),
        ("HC:99213:25", ":99213:25", "element EB13: procedure needs a qualifier"),
    ],
)
def test_errors_name_segment_loop_and_element(old: str, new: str, where: str) -> None:
    text = _mutate(old, new)
    with pytest.raises(X12ParseError) as info:
        parse_file(text)
    message = str(info.value)
    offset = info.value.location.byte_offset
    assert offset is not None
    assert where.format(off=offset) in message
    assert message.startswith(f"segment {info.value.location.ordinal} (")
    # no element values (PHI) in the message
    for value in ("DOE", "19801317", "2X5", "TIM"):
        assert value not in message


def test_segment_out_of_place() -> None:
    text = _mutate("III*ZZ*11", "BHT*ZZ*11")
    with pytest.raises(
        X12ParseError, match=r"\(BHT\) at byte \d+ in loop 2110C: segment not expected"
    ):
        parse_file(text)


def test_pre_a1_file_with_repetition_equal_to_component_separator() -> None:
    text = _mutate("*:~", "*^~").replace("HC:99213:25", "HC^99213^25")
    doc = _docs(text)[0]
    benefits = _benefits(doc)
    assert benefits[0].service_types[:2] == ["30", "1"]
    procedure = next(b.procedure for b in benefits if b.procedure)
    assert procedure.code == "99213"


def test_schema_is_json_schema() -> None:
    schema = EligibilityResponseDocument.model_json_schema()
    assert schema["properties"]["transaction"]["const"] == "271"
    assert "Benefit" in schema["$defs"]
