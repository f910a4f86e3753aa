"""Sandbox payer: one deterministic 271 per scenario, built by the x12 writer, valid X12."""

from __future__ import annotations

import re

import pytest
from eligibility_fakes import PYX12_MAPS, pyx12_errors, request_270, response_doc, sandbox_271

from clinicflow.clearinghouse.port import ClearinghouseError, ClearinghouseTimeoutError
from clinicflow.clearinghouse.sandbox import SCENARIOS, SandboxClearinghouse, scenario_of

_KNOWN_2120_LIMIT = re.compile(
    r"Segment (LS\*2120|LE\*2120|NM1\*\w+|PER\*\w+|III\*\w+) not found|\(III\) missing"
)
ANSWERING = [p for p, s in SCENARIOS.items() if s != "timeout"]


@pytest.mark.parametrize(
    ("member_id", "scenario"),
    [
        ("SBX-ACTIVE-1", "active"),
        ("sbx-highded-7", "high_deductible"),
        ("SBX-INACTIVE", "inactive"),
        ("SBX-SECONDARY-2", "secondary"),
        ("SBX-BADID", "bad_id"),
        ("SBX-NOTFOUND", "not_found"),
        ("SBX-BUSY", "busy"),
        ("SBX-TIMEOUT", "timeout"),
        ("sbx-corrected-9", "corrected"),
        ("W123456789", "active"),
        (None, "active"),
    ],
)
def test_member_id_chooses_the_scenario(member_id: str | None, scenario: str) -> None:
    assert scenario_of(member_id) == scenario


@pytest.mark.parametrize("member_id", ANSWERING)
def test_every_answer_parses_and_is_deterministic(member_id: str) -> None:
    first = sandbox_271(member_id)
    assert first == sandbox_271(member_id)
    doc = response_doc(first)
    assert doc.reference == "0123456789abcdef0123456789abcdef"  # BHT03 echoes the 270


def test_subscriber_echo_and_trace() -> None:
    doc = response_doc(sandbox_271("SBX-ACTIVE-1"))
    sub = doc.sources[0].receivers[0].subscribers[0]
    assert sub.name.identifier == "SBX-ACTIVE-1"
    assert sub.trace_numbers[0].trace_type == "2"
    assert sub.trace_numbers[0].reference == "0123456789abcdef0123456789abcdef"
    assert [r.value for r in sub.references if r.qualifier == "6P"] == ["GRP100"]


def test_dependent_is_answered_at_2000d() -> None:
    doc = response_doc(sandbox_271("SBX-ACTIVE-1", dependent=True))
    sub = doc.sources[0].receivers[0].subscribers[0]
    assert sub.benefits == []
    (dep,) = sub.dependents
    assert dep.name.first_name == "KIT"
    assert {b.code for b in dep.benefits} >= {"1", "B", "C", "G"}


def test_timeout_raises_the_typed_error_without_phi() -> None:
    with pytest.raises(ClearinghouseTimeoutError) as err:
        SandboxClearinghouse().exchange_270("SBMRDN1", request_270("SBX-TIMEOUT"))
    assert "SYNTHETICO" not in str(err.value) and "SBX" not in str(err.value)
    assert err.value.status_code == 504


def test_unreadable_request_is_a_clearinghouse_error() -> None:
    with pytest.raises(ClearinghouseError):
        SandboxClearinghouse().exchange_270("SBMRDN1", "not x12 at all")


def test_bytes_requests_are_accepted() -> None:
    raw = request_270("SBX-ACTIVE").encode()
    assert SandboxClearinghouse().exchange_270("SBMRDN1", raw) == sandbox_271("SBX-ACTIVE")


@pytest.mark.skipif(not PYX12_MAPS.is_dir(), reason="pyx12 X279A1 maps not present")
@pytest.mark.parametrize("member_id", ANSWERING)
@pytest.mark.parametrize("dependent", [False, True])
def test_sandbox_271_passes_pyx12(member_id: str, dependent: bool) -> None:
    errors = pyx12_errors(sandbox_271(member_id, dependent=dependent))
    if SCENARIOS[member_id] in {"active", "secondary", "corrected"}:
        # pyx12's X279A1 map nests LS/2120 inside the 2115 (III) loop, so it cannot follow
        # an EB with related entities (the project's own 271 fixture shows the same). Only
        # those complaints are tolerated, and only where the 271 has a 2120 loop.
        assert errors and all(_KNOWN_2120_LIMIT.search(e) for e in errors), errors
    else:
        assert errors == []
