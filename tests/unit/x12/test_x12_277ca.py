"""277CA claim acknowledgment parser: own fixture (pyx12-valid) and public samples in place."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pyx12_support import pyx12_errors
from x12_support import FIXTURES, SHARED, fixture_bytes, needs_shared

from clinicflow.x12 import X12ParseError, parse_file
from clinicflow.x12.claimack import ClaimAcknowledgmentDocument, outcome_of


def _docs(data: bytes | str) -> list[ClaimAcknowledgmentDocument]:
    parsed = parse_file(data, strict=False)
    docs = [t for ic in parsed.interchanges for g in ic.groups for t in g.transactions]
    assert all(isinstance(d, ClaimAcknowledgmentDocument) for d in docs)
    return docs  # type: ignore[return-value]


def test_fixture_is_valid_for_pyx12() -> None:
    assert pyx12_errors((FIXTURES / "277ca_mixed.x12").read_text()) == []


def test_levels_and_claims() -> None:
    (doc,) = _docs(fixture_bytes("277ca_mixed.x12"))
    assert (doc.transaction, doc.purpose, doc.transaction_type) == ("277CA", "08", "TH")
    (source,) = doc.sources
    assert source.name.identifier == "87726"
    assert source.receipts[0].trace == "RCPT-778"
    assert source.receipts[0].processed_date is not None
    (receiver,) = source.receivers
    assert receiver.trace == "BATCH-0001"
    assert receiver.totals.accepted_quantity == 2 and receiver.totals.rejected_amount == 100
    assert receiver.statuses[0].codes[0].category == "A1"
    (provider,) = receiver.providers
    assert provider.name.identifier == "1234567893"
    assert provider.statuses[0].effective_date is None
    claims = {c.patient_control_number: c for c in doc.claims()}
    assert {k: c.outcome for k, c in claims.items()} == {
        "CF-0001": "accepted",
        "CF-0002": "rejected",
        "CF-0004": "accepted",
    }
    rejected = claims["CF-0002"]
    assert rejected.payer_claim_number == "PAYER-CLM-0002"
    assert rejected.clearinghouse_trace == "CH-TRACE-2"
    assert rejected.service_date_end is not None
    (status,) = rejected.statuses
    assert status.action_code == "U" and status.amount == Decimal("260.55")
    first, second = status.codes
    assert (first.category, first.status, first.entity) == ("A7", "562", "82")
    assert first.status_description == "Entity's National Provider Identifier (NPI)"
    assert first.entity_description == "Rendering provider"
    assert "invalid information" in (first.category_description or "")
    assert second.status == "164"
    (line,) = rejected.lines
    assert (line.procedure_code, line.modifiers, line.units) == ("99214", ["25"], 1)
    assert line.statuses[0].codes[0].status == "454"
    assert line.references[0].value == "LINE-1"


def test_outcome_rules() -> None:
    (doc,) = _docs(fixture_bytes("277ca_mixed.x12"))
    receiver = doc.sources[0].receivers[0]
    assert outcome_of(receiver.statuses) == "received"
    assert outcome_of([]) == "other"


def test_json_has_plain_language() -> None:
    parsed = parse_file(fixture_bytes("277ca_mixed.x12"))
    text = parsed.model_dump_json()
    assert "Accepted for processing" in text and '"outcome":"rejected"' in text


def test_broken_hl_parent_is_named() -> None:
    text = fixture_bytes("277ca_mixed.x12").decode().replace("HL*5*3*PT", "HL*5*2*PT")
    with pytest.raises(X12ParseError, match=r"\(HL\) .* loop 2000D, element HL02"):
        parse_file(text)


def _public() -> list[Path]:
    return sorted((SHARED / "277ca").glob("*")) if SHARED.is_dir() else []


EXPECTED = {
    "imsweb_277ca_accepted.txt": "accepted",
    "imsweb_277ca_rejected.txt": "rejected",
    "inteligenz_277ca_emedny.txt": "rejected",
}


@needs_shared()
@pytest.mark.parametrize("path", _public(), ids=lambda p: p.name)
def test_public_277cas(path: Path) -> None:
    (doc,) = _docs(path.read_bytes())
    claims = list(doc.claims())
    assert claims and {c.outcome for c in claims} == {EXPECTED[path.name]}
    assert all(c.payer_claim_number for c in claims)
