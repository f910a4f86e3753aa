"""GET /codes/icd10: billable ICD-10-CM codes for the superbill's picker, by code prefix or
words of the title, from the release covering the date of service."""

from __future__ import annotations

from typing import Any

EVENT = "claims/search_icd10.json"


def _search(invoke: Any, **query: str) -> Any:
    return invoke("claims", EVENT, query=query)


def test_search_by_words_and_by_code_prefix(invoke: Any) -> None:
    words = _search(invoke, q="type 2 diabetes without complications", dos="2026-05-04")
    assert words.status == 200, words.body
    assert {"code": "E11.9", "description": "Type 2 diabetes mellitus without complications"} in (
        words.body["codes"]
    )
    assert words.body["exact"] is True and words.body["release"] == "2026-04"

    prefix = _search(invoke, q="e11.6", dos="2026-05-04")
    codes = [c["code"] for c in prefix.body["codes"]]
    assert codes[:2] == ["E11.610", "E11.618"] and "E11.65" in codes
    assert "E11.6" not in codes and "E11.61" not in codes  # categories, not billable

    many = _search(invoke, q="E11", dos="2026-05-04")
    assert len(many.body["codes"]) == 20  # capped
    assert "E11" not in [c["code"] for c in many.body["codes"]]


def test_a_date_outside_every_release_is_flagged(invoke: Any) -> None:
    old = _search(invoke, q="I10", dos="2019-01-01")
    assert old.status == 200
    assert old.body["exact"] is False
    assert [c["code"] for c in old.body["codes"]] == ["I10"]


def test_bad_queries_name_the_field(invoke: Any) -> None:
    short = _search(invoke, q="E")
    assert short.status == 422 and short.body["fields"][0]["field"] == "q"
    bad_date = _search(invoke, q="I10", dos="yesterday")
    assert bad_date.status == 422 and bad_date.body["fields"][0]["field"] == "dos"
    missing = invoke("claims", EVENT, query={"dos": "2026-05-04"})
    assert missing.status == 422 and missing.body["fields"][0]["field"] == "q"
    nobody = invoke("claims", EVENT, query={"q": "I10"}, groups="")
    assert nobody.status == 403
