"""270 builder: subscriber, dependent, dependent with own id, round trips, pyx12."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pydantic
import pytest
from x12_support import PYX12_MAPS, needs_pyx12_maps

from clinicflow.x12 import InterchangeHeader, Separators, parse_file, read
from clinicflow.x12.eligibility import Dependent, EligibilityInquiry, build_270


def _docs(text: str) -> list[Any]:
    return [t for ic in parse_file(text).interchanges for g in ic.groups for t in g.transactions]


def _segments(text: str) -> list[list[str]]:
    return [s.elements for t in read(text).transactions() for s in t.segments]


def test_subscriber_inquiry_round_trip(
    inquiry: EligibilityInquiry, header: InterchangeHeader
) -> None:
    text = build_270(inquiry, header, group_control_number=9)
    (doc,) = _docs(text)
    assert doc.inquiries == [inquiry]
    segs = _segments(text)
    assert ["HL", "3", "2", "22", "0"] in segs
    assert ["TRN", "1", "TRACE1", "1123456789"] in segs
    assert ["NM1", "IL", "1", "DOE", "JANE", "", "", "", "MI", "W123456789"] in segs
    assert ["DTP", "291", "D8", "20250304"] in segs
    assert ["EQ", "30"] in segs


def test_dependent_inquiry_goes_to_2000d(
    inquiry: EligibilityInquiry, dependent: Dependent, header: InterchangeHeader
) -> None:
    dep_inquiry = inquiry.model_copy(update={"dependent": dependent, "service_types": ["30", "98"]})
    text = build_270(dep_inquiry, header, group_control_number=9)
    (doc,) = _docs(text)
    assert doc.inquiries == [dep_inquiry]
    segs = _segments(text)
    assert ["HL", "3", "2", "22", "1"] in segs
    assert ["HL", "4", "3", "23", "0"] in segs
    assert ["NM1", "03", "1", "DOE", "TIM"] in segs
    assert ["EQ", "30^98"] in segs
    ids = [s[0] for s in segs]
    assert ids.index("TRN") > segs.index(["HL", "4", "3", "23", "0"])


def test_dependent_with_own_member_id_is_sent_as_subscriber(
    inquiry: EligibilityInquiry, dependent: Dependent, header: InterchangeHeader
) -> None:
    own = dependent.model_copy(update={"member_id": "W999"})
    text = build_270(inquiry.model_copy(update={"dependent": own}), header, group_control_number=9)
    segs = _segments(text)
    assert not any(s[0] == "HL" and s[3] == "23" for s in segs)
    assert ["NM1", "IL", "1", "DOE", "TIM", "", "", "", "MI", "W999"] in segs
    assert ["DMG", "D8", "20120102", "M"] in segs
    (doc,) = _docs(text)
    assert doc.inquiries[0].subscriber.member_id == "W999"
    assert doc.inquiries[0].dependent is None


def test_date_range_and_batch(inquiry: EligibilityInquiry, header: InterchangeHeader) -> None:
    ranged = inquiry.model_copy(update={"date_of_service_end": date(2025, 3, 9)})
    text = build_270(
        [inquiry, ranged], header, group_control_number=9, first_transaction_control_number=40
    )
    assert [t.control_number for t in read(text).transactions()] == ["0040", "0041"]
    docs = _docs(text)
    assert [d.inquiries[0] for d in docs] == [inquiry, ranged]
    assert ["DTP", "291", "RD8", "20250304-20250309"] in _segments(text)


def test_one_eq_per_service_type_when_asked(
    inquiry: EligibilityInquiry, header: InterchangeHeader
) -> None:
    many = inquiry.model_copy(update={"service_types": ["30", "98", "UC"]})
    text = build_270(many, header, group_control_number=9, repeat_service_types=False)
    assert [s for s in _segments(text) if s[0] == "EQ"] == [
        ["EQ", "30"],
        ["EQ", "98"],
        ["EQ", "UC"],
    ]
    assert _docs(text)[0].inquiries == [many]


def test_person_provider_and_taxonomy(
    inquiry: EligibilityInquiry, header: InterchangeHeader
) -> None:
    prov = inquiry.provider.model_copy(update={"first_name": "ALEX", "taxonomy": "207Q00000X"})
    text = build_270(inquiry.model_copy(update={"provider": prov}), header, group_control_number=1)
    segs = _segments(text)
    assert ["NM1", "1P", "1", "RIVERSIDE CLINIC", "ALEX", "", "", "", "XX", "1234567893"] in segs
    assert ["PRV", "PE", "PXC", "207Q00000X"] in segs
    assert _docs(text)[0].inquiries[0].provider == prov


def test_odd_separators(inquiry: EligibilityInquiry, header: InterchangeHeader) -> None:
    seps = Separators("|", ">", "!", "\n")
    text = build_270(inquiry, header, group_control_number=1, separators=seps)
    assert _docs(text)[0].inquiries == [inquiry]


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"service_types": []}, "service_types"),
        ({"service_types": ["toolong"]}, "service_types"),
        ({"trace_originator_id": "123"}, "trace_originator_id"),
        ({"date_of_service": None, "date_of_service_end": date(2025, 1, 1)}, "date_of_service_end"),
    ],
)
def test_request_validation(
    inquiry: EligibilityInquiry, update: dict[str, Any], field: str
) -> None:
    data = inquiry.model_dump() | update
    with pytest.raises(pydantic.ValidationError, match=field):
        EligibilityInquiry.model_validate(data)


def test_provider_npi_must_be_ten_digits(inquiry: EligibilityInquiry) -> None:
    data = inquiry.model_dump()
    data["provider"]["npi"] = "12345"
    with pytest.raises(pydantic.ValidationError, match="npi"):
        EligibilityInquiry.model_validate(data)


def _pyx12_errors(text: str) -> list[str]:
    import pyx12.params
    import pyx12.x12n_document

    param = pyx12.params.params()
    param.set("map_path", str(PYX12_MAPS))
    report = io.StringIO()
    pyx12.x12n_document.x12n_document(
        param, io.StringIO(text), io.StringIO(), None, None, report, map_path=str(PYX12_MAPS)
    )
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "err_str" in node:
                found.append(str(node["err_str"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(report.getvalue()))
    return found


@needs_pyx12_maps()
@pytest.mark.parametrize("shape", ["subscriber", "dependent", "own_id", "person_provider", "range"])
def test_generated_270_passes_pyx12(
    shape: str, inquiry: EligibilityInquiry, dependent: Dependent, header: InterchangeHeader
) -> None:
    updates: dict[str, dict[str, Any]] = {
        "subscriber": {"service_types": ["30", "98", "UC"]},
        "dependent": {"dependent": dependent, "service_types": ["30", "98"]},
        "own_id": {"dependent": dependent.model_copy(update={"member_id": "W999"})},
        "person_provider": {
            "provider": inquiry.provider.model_copy(
                update={"first_name": "ALEX", "taxonomy": "207Q00000X"}
            )
        },
        "range": {"date_of_service_end": date(2025, 3, 9)},
    }
    req = inquiry.model_copy(update=updates[shape])
    one_eq_each = build_270(req, header, group_control_number=3, repeat_service_types=False)
    assert _pyx12_errors(one_eq_each) == []
    repeated = build_270(req, header, group_control_number=3)
    errors = _pyx12_errors(repeated)
    # pyx12 4.0 does not split repetitions (a known limit): only EQ01 may be flagged, and only
    # when there is more than one service type.
    assert all("(EQ01)" in e and "^" in e for e in errors)
    assert bool(errors) == (len(req.service_types) > 1)
