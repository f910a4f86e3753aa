"""835 remittance parser and balancing: own fixture (pyx12-valid) and public samples."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pyx12_support import pyx12_errors
from x12_support import FIXTURES, SHARED, fixture_bytes, needs_shared

from clinicflow.x12 import X12ParseError, parse_file
from clinicflow.x12.remittance import RemittanceDocument, balance_issues


def _docs(data: bytes | str, strict: bool = True) -> list[RemittanceDocument]:
    parsed = parse_file(data, strict=strict)
    docs = [t for ic in parsed.interchanges for g in ic.groups for t in g.transactions]
    assert all(isinstance(d, RemittanceDocument) for d in docs)
    return docs  # type: ignore[return-value]


@pytest.fixture(scope="module")
def remit() -> RemittanceDocument:
    (doc,) = _docs(fixture_bytes("835_mixed.x12"))
    return doc


def test_fixture_is_valid_for_pyx12() -> None:
    assert pyx12_errors((FIXTURES / "835_mixed.x12").read_text()) == []


def test_payment_trace_and_parties(remit: RemittanceDocument) -> None:
    pay = remit.payment
    assert (pay.amount, pay.method, pay.credit_debit) == (Decimal("165.05"), "ACH", "C")
    assert pay.payment_date.isoformat() == "2025-03-20"
    assert (remit.trace.reference, remit.trace.originator) == ("EFT-0001", "1512345678")
    assert remit.production_date is not None
    assert remit.payer.name == "SANDBOX HEALTH" and remit.payer.contacts[0].function == "BL"
    assert (remit.payee.id_qualifier, remit.payee.identifier) == ("XX", "1234567893")
    assert remit.payee.address is not None and remit.payee.address.city == "SPRINGFIELD"


def test_claims_lines_and_adjustments(remit: RemittanceDocument) -> None:
    claims = {c.patient_control_number: c for c in remit.claims}
    paid = claims["CF-0001"]
    assert (paid.charge, paid.paid, paid.patient_responsibility) == (100, 72, 20)
    assert paid.payer_claim_number == "PAYER-CLM-0001"
    assert paid.status_description == "Processed as primary"
    assert paid.patient is not None and paid.patient.identifier == "W123456789"
    (line,) = paid.lines
    assert [(a.group, a.reason, a.amount) for a in line.adjustments] == [
        ("CO", "45", 8),
        ("PR", "3", 20),
    ]
    assert line.adjustments[1].reason_description == "Co-payment amount"
    corrected = claims["CF-0002"]
    assert corrected.frequency_code == "7" and corrected.insured is not None
    assert corrected.rendering_provider is not None
    first, second, third = corrected.lines
    assert first.control_number == "LINE-1" and first.remarks == ["N130"]
    assert [a.amount for a in first.amounts] == [Decimal("140.55")]
    assert second.units == Decimal("2.5")
    assert [(a.reason, a.amount, a.quantity) for a in third.adjustments] == [
        ("45", 20, 1),
        ("97", 10, None),
    ]
    denied = claims["CF-0004"]
    assert denied.status_description == "Denied" and denied.lines == []
    assert denied.adjustments[0].reason_description == "The time limit for filing has expired"
    (plb,) = remit.provider_adjustments
    assert [(i.reason, i.reference, i.amount) for i in plb.items] == [
        ("L6", "INT1", Decimal("-2.5")),
        ("WO", "PAYER-CLM-0099", 20),
    ]


def test_balanced_fixture_and_unbalanced_variants(remit: RemittanceDocument) -> None:
    assert balance_issues(remit) == []
    text = fixture_bytes("835_mixed.x12").decode()
    off_line = text.replace("CAS*CO*45*8~", "CAS*CO*45*9~")
    issues = [str(i) for i in balance_issues(_docs(off_line)[0])]
    assert issues == [
        "claims[0].lines[0]: SVC02 - SVC03 = sum of CAS (off by -1)",
        "claims[0]: CLP03 - CLP04 = sum of claim and line CAS (off by -1)",
    ]
    off_payment = text.replace("BPR*I*165.05", "BPR*I*165.06")
    (issue,) = balance_issues(_docs(off_payment)[0])
    assert issue.where == "payment" and issue.difference == Decimal("0.01")


def test_cas_triplet_errors_are_positioned() -> None:
    text = fixture_bytes("835_mixed.x12").decode().replace("CAS*CO*97*80~", "CAS*CO*97~")
    with pytest.raises(X12ParseError, match=r"\(CAS\) .* loop 2110, element CAS02"):
        parse_file(text)


def _public() -> list[Path]:
    return sorted((SHARED / "835").glob("*")) if SHARED.is_dir() else []


@needs_shared()
@pytest.mark.parametrize("path", _public(), ids=lambda p: p.name)
def test_public_835s(path: Path) -> None:
    docs = _docs(path.read_bytes(), strict=False)
    assert docs and all(d.claims for d in docs)
    issues = [i for d in docs for i in balance_issues(d)]
    # The Nth file is de-identified with scrambled amounts: it cannot balance.
    assert bool(issues) == path.name.startswith("inteligenz_nth")
