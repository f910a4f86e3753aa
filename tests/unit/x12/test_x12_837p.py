"""837P builder and parser: HL hierarchy, exact round trips, pyx12 validation, samples."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import pytest
from claims_factory import (
    CHILD,
    HEADER,
    OTHER_PROVIDER,
    PAYER,
    SUBSCRIBER,
    batch,
    claim,
    line,
    primary_paid,
    rich_claim,
    secondary_claim,
)
from pyx12_support import pyx12_errors
from x12_support import SHARED, needs_shared

from clinicflow.x12 import Separators, X12ParseError, parse_file, read
from clinicflow.x12.claims import (
    Adjustment,
    Claim,
    ClaimBatch,
    Patient,
    ProfessionalClaimDocument,
    build_837p,
    parse_837p,
)


def _segments(text: str) -> list[list[str]]:
    return [s.elements for t in read(text).transactions() for s in t.segments]


def test_round_trip_is_exact() -> None:
    original = batch()
    text = build_837p(original, HEADER, group_control_number=5)
    assert parse_837p(text) == [original]
    assert parse_837p(text)[0].model_dump_json() == original.model_dump_json()


def test_claims_are_regrouped_stably_whatever_the_input_order() -> None:
    claims = [
        claim("A1"),
        claim("B1", billing_provider=OTHER_PROVIDER),
        claim("A2", patient=CHILD),
        claim("A3"),
        claim("B2", billing_provider=OTHER_PROVIDER),
    ]
    grouped = batch(*claims)
    assert [c.claim_id for c in grouped.claims] == ["A1", "A3", "A2", "B1", "B2"]
    for seed in range(5):
        shuffled = claims[:]
        random.Random(seed).shuffle(shuffled)
        text = build_837p(batch(*shuffled), HEADER, group_control_number=1)
        (back,) = parse_837p(text)
        assert back == batch(*shuffled)


def test_hl_hierarchy_numbering_and_child_codes() -> None:
    text = build_837p(batch(), HEADER, group_control_number=5)
    hls = [s[1:] for s in _segments(text) if s[0] == "HL"]
    assert hls == [
        ["1", "", "20", "1"],  # billing provider 1
        ["2", "1", "22", "0"],  # subscriber is the patient: SBR02 = 18, no children
        ["3", "1", "22", "1"],  # same subscriber, claims for a dependent
        ["4", "3", "23", "0"],  # the dependent
        ["5", "", "20", "1"],  # billing provider 2
        ["6", "5", "22", "0"],
    ]
    sbrs = [s for s in _segments(text) if s[0] == "SBR"]
    assert [s[2] for s in sbrs] == ["18", "", "18"]


def test_segment_details() -> None:
    segs = _segments(build_837p(batch(rich_claim()), HEADER, group_control_number=5))
    assert [
        "CLM",
        "CF-0002",
        "260.55",
        "",
        "",
        "11:B:7",
        "Y",
        "A",
        "Y",
        "Y",
        "",
        "AA:OA::IL",
    ] in segs
    assert ["SV1", "HC:99214:25:95", "150.55", "UN", "1", "02", "", "1:2:3:4", "", "Y"] in segs
    assert ["SV1", "HC:J3301:::::TRIAMCINOLONE", "80", "UN", "2.5", "", "", "1"] in segs
    assert ["DTP", "472", "RD8", "20250304-20250306"] in segs
    assert ["LIN", "", "N4", "00003029305"] in segs
    assert ["CTP", "", "", "", "1.5", "ML"] in segs
    assert ["REF", "F8", "PAYERCLM0001"] in segs
    hi = next(s for s in segs if s[0] == "HI")
    assert hi[1] == "ABK:S134XXA" and len(hi) == 13 and all(h.startswith("ABF:") for h in hi[2:])
    (se,) = [s for s in segs if s[0] == "SE"]
    assert int(se[1]) == len(segs)  # ST..SE inclusive


def test_several_batches_odd_separators_and_line_breaks() -> None:
    two = [batch(), batch(claim("X9")).model_copy(update={"reference": "BATCH-0002"})]
    seps = Separators("|", ">", "!", "\n")
    text = build_837p(
        two, HEADER, group_control_number=8, first_transaction_control_number=30, separators=seps
    )
    assert [t.control_number for t in read(text).transactions()] == ["0030", "0031"]
    assert parse_837p(text) == two
    broken = build_837p(two, HEADER, group_control_number=8, line_breaks=True)
    assert parse_837p(broken) == two


def test_registry_types_837p_documents() -> None:
    text = build_837p(batch(), HEADER, group_control_number=5)
    (doc,) = parse_file(text).interchanges[0].groups[0].transactions
    assert isinstance(doc, ProfessionalClaimDocument)
    assert doc.transaction == "837P" and doc.batch == batch() and doc.not_modeled == []


def _big_batch(count: int) -> ClaimBatch:
    providers = [claim().billing_provider, OTHER_PROVIDER]
    kids = [
        CHILD,
        Patient(
            relationship="01",
            last_name="DOE",
            first_name="JOHN",
            address=CHILD.address,
            birth_date=date(1979, 2, 3),
            gender="M",
        ),
    ]
    claims = [
        claim(
            f"CF-{n:05d}",
            billing_provider=providers[n % 2],
            patient=kids[n % 3] if n % 3 < 2 else None,
            lines=[line(charge="50")] * (1 + n % 3),
            total_charge=Decimal(50 * (1 + n % 3)),
        )
        for n in range(count)
    ]
    return batch(*claims)


SHAPES: dict[str, Any] = {
    "mixed": batch,
    "rich_only": lambda: batch(rich_claim()),
    "subscriber_only": lambda: batch(claim()),
    "dependent_only": lambda: batch(claim(patient=CHILD)),
    "sixty_claims": lambda: _big_batch(60),
    "secondary_line_level": lambda: batch(secondary_claim()),
    "secondary_claim_level": lambda: batch(secondary_claim(line_level=False)),
    "tertiary_with_dependent": lambda: batch(_tertiary(), claim("CF-0200")),
}


def _tertiary() -> Claim:
    """A tertiary claim for a dependent: the primary and the secondary both adjudicated."""
    secondary = primary_paid(
        payer_responsibility="S",
        relationship="19",
        payer_name=PAYER.name,
        payer_id="SECOND1",
        paid_amount=Decimal("15"),
        adjustments=[Adjustment(group="PR", reason="3", amount=Decimal("5"))],
        payer_claim_number=None,
    )
    return secondary_claim("CF-0300", line_level=False).model_copy(
        update={
            "subscriber": SUBSCRIBER.model_copy(update={"payer_responsibility": "T"}),
            "patient": CHILD,
            "other_subscribers": [primary_paid(relationship="19"), secondary],
        }
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_generated_837p_passes_pyx12(shape: str) -> None:
    text = build_837p(SHAPES[shape](), HEADER, group_control_number=5, line_breaks=True)
    assert pyx12_errors(text) == []
    assert parse_837p(text) == [SHAPES[shape]()]


def test_secondary_claim_segments_carry_the_primary_decision() -> None:
    segs = _segments(build_837p(batch(secondary_claim()), HEADER, group_control_number=5))
    ids = [s[0] for s in segs]
    assert ["SBR", "S", "18", "GRP1", "", "", "", "", "", "CI"] in segs  # 2000B: we bill S
    assert ["SBR", "P", "18", "PRIMGRP", "", "", "", "", "", "CI"] in segs  # 2320: primary
    assert ["AMT", "D", "70"] in segs and ["AMT", "EAF", "20"] in segs
    assert ["OI", "", "", "Y", "", "", "Y"] in segs
    assert ["NM1", "PR", "2", "FIRST CHOICE HEALTH", "", "", "", "", "PI", "60054"] in segs
    assert ["REF", "F8", "PRIM-CLM-1"] in segs
    assert ["SVD", "60054", "70", "HC:99213", "", "1"] in segs
    assert ["CAS", "CO", "45", "10"] in segs and ["CAS", "PR", "2", "15", "", "3", "5"] in segs
    assert ["DTP", "573", "D8", "20250320"] in segs
    # 2320 sits after the claim's providers and before the first line; 2430 after SV1/DTP
    assert ids.index("SBR", ids.index("CLM")) < ids.index("LX") < ids.index("SVD")
    claim_level = _segments(
        build_837p(batch(secondary_claim(line_level=False)), HEADER, group_control_number=5)
    )
    assert ["CAS", "PR", "2", "15", "", "3", "5", "1"] in claim_level
    assert "SVD" not in [s[0] for s in claim_level]


def test_pyx12_checks_the_cob_loops() -> None:
    text = build_837p(batch(secondary_claim()), HEADER, group_control_number=5)
    assert pyx12_errors(text.replace("~OI***Y***Y~", "~", 1))  # OI is required in 2320
    assert pyx12_errors(text.replace("~DTP*573*D8*20250320~", "~", 1))  # required in 2430


def test_more_than_five_cas_segments_are_refused() -> None:
    many = [Adjustment(group="CO", reason=str(45 + i), amount=Decimal(1)) for i in range(31)]
    with pytest.raises(pydantic.ValidationError, match="adjustments"):
        primary_paid(adjustments=many)


def test_pyx12_is_really_checking() -> None:
    text = build_837p(batch(), HEADER, group_control_number=5)
    assert pyx12_errors(text.replace("HL*4*3*23", "HL*4*2*23", 1))


@pytest.mark.parametrize(
    ("where", "update", "field"),
    [
        ("claim", {"claim_id": "X" * 21}, "claim_id"),
        ("claim", {"diagnoses": ["J069"] * 13}, "diagnoses"),
        ("claim", {"lines": []}, "lines"),
        ("claim", {"place_of_service": "1Z"}, "place_of_service"),
        ("claim", {"total_charge": Decimal("1.005")}, "total_charge"),
        ("line", {"diagnosis_pointers": [1, 2, 3, 4, 5]}, "diagnosis_pointers"),
        ("line", {"diagnosis_pointers": [13]}, "diagnosis_pointers"),
        ("line", {"modifiers": ["25", "59", "XE", "GP", "KX"]}, "modifiers"),
        ("line", {"units": Decimal(0)}, "units"),
        ("line", {"service_date_end": date(2025, 3, 1)}, "service_date_end"),
    ],
)
def test_input_validation(where: str, update: dict[str, Any], field: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=field):
        if where == "claim":
            claim(**update)
        else:
            line(**update)


def test_patient_cannot_be_self() -> None:
    with pytest.raises(pydantic.ValidationError, match="omit patient"):
        Patient(relationship="18", last_name="DOE")


def test_unmodeled_parts_are_listed_and_errors_name_positions() -> None:
    text = build_837p(batch(claim()), HEADER, group_control_number=5)
    extra = text.replace("HI*ABK:J069~", "REF*D9*CH0001~HI*ABK:J069~NTE*ADD*CALL FIRST~")
    (doc,) = parse_file(extra, strict=False).interchanges[0].groups[0].transactions
    assert isinstance(doc, ProfessionalClaimDocument)
    assert doc.not_modeled == ["2300/REF*D9", "2300/NTE*ADD"]
    bad = text.replace("SV1*HC:99213*100", "SV1*HC:99213*1O0")
    with pytest.raises(X12ParseError, match=r"\(SV1\) at byte \d+ in loop 2400, element SV102"):
        parse_837p(bad)


# --- public samples, read in place -------------------------------------------------------


def _shared(name: str) -> Path:
    return SHARED / name


@needs_shared()
def test_public_tr3_example_parses() -> None:
    (got,) = parse_837p(_shared("837p/lfh_example1_x222a2_multiline.837").read_bytes())
    (c,) = got.claims
    assert c.claim_id == "26463774" and c.total_charge == Decimal(100)
    assert c.patient is not None and c.patient.relationship == "19"
    assert [ln.procedure_code for ln in c.lines] == ["99213", "87070", "99214", "86663"]
    assert sum(ln.charge for ln in c.lines) == c.total_charge


# Known faults of the hand-edited / de-identified public files (pyx12 also rejects them all).
PUBLIC_FAULTS = {
    "imsweb_complex_2st.txt": r"loop 2010AA: does not fit the typed model at taxonomy",
    "imsweb_many_claims_820.txt": r"\(HI\) .* element HI01",
    "inteligenz_medicaid_5claims.txt": r"\(BHT\) .* element BHT05",
    "kw_synthetic_25_claims.txt": r"\(SBR\) .* element SBR09",
}


@needs_shared()
@pytest.mark.parametrize("name", PUBLIC_FAULTS)
def test_public_faulty_files_raise_positioned_errors(name: str) -> None:
    with pytest.raises(X12ParseError, match=PUBLIC_FAULTS[name]):
        parse_837p(_shared(f"837p/{name}").read_bytes(), strict=False)


NEGATIVE = {
    # structural faults: typed, positioned errors
    "837p_missing_nm1_85.edi": r"\(N3\) .* loop 2000A: segment not expected",
    "837p_bad_date.edi": r"\(DTP\) .* loop 2400, element DTP03",
    "837p_bad_se_count.edi": r"\(SE\) .* element SE01",
    "837p_bad_pos.edi": r"\(CLM\) .* place_of_service",
    "837p_iea_mismatch.edi": r"\(IEA\) .* element IEA02",
    "837p_missing_hi.edi": r"\(CLM\) .* no HI diagnosis codes",
    "837p_seg_out_of_order.edi": r"\(DMG\) .* loop 2000B: segment not expected",
    # business faults parse, so that the claims scrubber can report them
    "837p_ok.edi": None,
    "837p_bad_npi_luhn.edi": None,
    "837p_unbalanced_clm02.edi": None,
    "837p_bad_dx_pointer.edi": None,
    "837p_bad_freq.edi": None,
}


@needs_shared()
@pytest.mark.parametrize("name", NEGATIVE)
def test_negative_variants(name: str) -> None:
    data = _shared(f"837p_negative/{name}").read_bytes()
    expected = NEGATIVE[name]
    if expected is not None:
        with pytest.raises(X12ParseError, match=expected):
            parse_837p(data)
        return
    (got,) = parse_837p(data)
    (c,) = got.claims
    faults = {
        "837p_bad_npi_luhn.edi": c.billing_provider.npi == "1234567890",
        "837p_unbalanced_clm02.edi": c.total_charge != sum(ln.charge for ln in c.lines),
        "837p_bad_dx_pointer.edi": max(p for ln in c.lines for p in ln.diagnosis_pointers)
        > len(c.diagnoses),
        "837p_bad_freq.edi": c.frequency_code == "9",
        "837p_ok.edi": c.diagnosis_code_list == "BK" and c.diagnoses == ["0340", "V7389"],
    }
    assert faults[name]
