"""Property-based fuzzing (hypothesis): mutated files only ever raise typed X12 errors.

Each example mutates a valid file (delete, duplicate or swap segments, corrupt elements, truncate,
change a separator) and parses it strictly and leniently; anything but an ``X12Error`` fails.
"""

from __future__ import annotations

import contextlib
import os
from datetime import date
from typing import Any

import pytest
from claims_factory import HEADER, batch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from x12_support import fixture_bytes

from clinicflow.x12 import X12Error, parse_file
from clinicflow.x12.claims import build_837p, parse_837p
from clinicflow.x12.eligibility import EligibilityInquiry, Payer, Provider, Subscriber, build_270


def _270() -> str:
    inquiry = EligibilityInquiry(
        payer=Payer(id="87726", name="SANDBOX HEALTH"),
        provider=Provider(npi="1234567893", name="RIVERSIDE CLINIC"),
        subscriber=Subscriber(member_id="W1", last_name="DOE", birth_date=date(1980, 5, 17)),
        service_types=["30", "98"],
        date_of_service=date(2025, 3, 4),
        trace_number="T1",
        trace_originator_id="1123456789",
    )
    return build_270(inquiry, HEADER, group_control_number=1)


FILES: dict[str, str] = {
    "270": _270(),
    "271": fixture_bytes("271_benefits.x12").decode(),
    "999": fixture_bytes("999_partial.x12").decode(),
    "837P": build_837p(batch(), HEADER, group_control_number=5),
    "277CA": fixture_bytes("277ca_mixed.x12").decode(),
    "835": fixture_bytes("835_mixed.x12").decode(),
}
EXAMPLES = int(os.environ.get("X12_FUZZ_EXAMPLES", "60"))
"""Examples per file; raise it locally to fuzz harder (1500 per file found nothing).
"""
ALPHABET = "*:^~|>!\r\n -.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
index = st.integers(min_value=0, max_value=10_000)
operation = st.one_of(
    st.tuples(st.just("delete"), index),
    st.tuples(st.just("duplicate"), index),
    st.tuples(st.just("swap"), index, index),
    st.tuples(st.just("corrupt"), index, st.integers(0, 20), st.text(ALPHABET, max_size=8)),
    st.tuples(st.just("truncate"), index),
    st.tuples(st.just("separator"), st.sampled_from("*:^~"), st.sampled_from("*:^~|!>\n ")),
)


def _apply(text: str, ops: list[tuple[Any, ...]]) -> str:
    segments = text.split("~")
    for op in ops:
        if not segments:
            break
        kind, at = op[0], op[1]
        i = at % len(segments) if isinstance(at, int) else 0
        if kind == "delete":
            del segments[i]
        elif kind == "duplicate":
            segments.insert(i, segments[i])
        elif kind == "swap":
            j = op[2] % len(segments)
            segments[i], segments[j] = segments[j], segments[i]
        elif kind == "corrupt":
            elements = segments[i].split("*")
            elements[op[2] % len(elements)] = op[3]
            segments[i] = "*".join(elements)
        elif kind == "truncate":
            joined = "~".join(segments)
            return joined[: at % max(len(joined), 1)]
        else:
            return "~".join(segments).replace(op[1], op[2])
    return "~".join(segments)


def _parse_all(data: str, name: str) -> None:
    for strict in (True, False):
        with contextlib.suppress(X12Error):
            parse_file(data, strict=strict)
    if name == "837P":
        with contextlib.suppress(X12Error):
            parse_837p(data, strict=False)


@pytest.mark.parametrize("name", FILES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=4))
def test_mutations_raise_only_typed_errors(name: str, ops: list[tuple[Any, ...]]) -> None:
    _parse_all(_apply(FILES[name], ops), name)


@pytest.mark.parametrize("name", FILES)
def test_unmutated_files_parse(name: str) -> None:
    assert parse_file(FILES[name]).interchanges
