"""Code sets: ICD-10-CM by date of service, Excludes1, POS, CPT/HCPCS formats, CMS parsers."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from clinicflow.codesets import icd10, pos
from clinicflow.codesets.build import parse_references
from clinicflow.codesets.procedures import (
    CodeFileError,
    is_cpt,
    is_hcpcs_level2,
    is_lab,
    parse_hcpcs,
    parse_mue,
    parse_ptp,
)
from clinicflow.codesets.service import (
    InMemoryReferenceTables,
    import_hcpcs,
    import_mue,
    import_ncci,
)

FIXTURES = Path(__file__).resolve().parents[1] / "claims" / "fixtures"


@pytest.fixture
def release() -> icd10.Icd10Release:
    choice = icd10.release_for(date(2026, 5, 1))
    assert choice is not None and choice.exact
    return choice.release


def test_the_shipped_release_is_named_and_dated(release: icd10.Icd10Release):
    assert release.name == "ICD-10-CM 2026-04 (FY2026 April update)"
    assert (release.effective_from, release.effective_to) == (date(2026, 4, 1), date(2026, 9, 30))
    assert release.size == 74719  # CMS's count of billable FY2026 codes


def test_artefact_is_small_enough_to_ship():
    size = (icd10.DATA_DIR / "icd10cm-2026-04.json.gz").stat().st_size
    assert size < 2_000_000


def test_billable_header_and_unknown_codes(release: icd10.Icd10Release):
    assert release.is_billable("E11.9") and release.is_billable("e119")
    assert release.is_billable("S52521A")  # 7th character extension
    assert not release.is_billable("E11") and release.is_header("E11")
    assert not release.is_billable("Z9999") and not release.is_header("Z9999")
    assert release.is_billable("B20")  # a category that is also a block
    assert release.description("E119") == "Type 2 diabetes mellitus without complications"
    assert release.search("E11.6", limit=3)[0][0].startswith("E116")


def test_excludes1_pairs(release: icd10.Icd10Release):
    conflicts = release.excludes1(["E119", "E109"])
    assert len(conflicts) == 1 and conflicts[0].note_at == "E11"
    assert release.excludes1(["J45909", "R062"])  # asthma vs wheezing NOS
    assert release.excludes1(["E119", "I10"]) == []
    # a block-level note: A15-A19 excludes J65 (pneumoconiosis with tuberculosis)
    assert release.excludes1(["A150", "J65"])


def test_reference_parsing():
    assert parse_references("gestational diabetes (O24.4-)") == ["O244-O244"]
    assert parse_references("x (A15-A19)") == ["A15-A19"]
    assert parse_references("x (I63.3-I63.5-)") == ["I633-I635"]
    assert parse_references("x (C43.1-, C44.1-)") == ["C431-C431", "C441-C441"]
    assert parse_references("fluency (I69. with final characters -23)") == []


def test_dates_outside_every_release_fall_back_with_a_flag():
    later = icd10.release_for(date(2026, 10, 1))
    assert later is not None and not later.exact and later.release.release == "2026-04"


def test_a_second_release_is_loaded_from_the_extra_folder(tmp_path, monkeypatch):
    # FY2027 is built the same way (clinicflow codesets build --tabular ... --codes ...);
    # here the April artefact is re-dated to stand in for it.
    data = json.loads(gzip.decompress((icd10.DATA_DIR / "icd10cm-2026-04.json.gz").read_bytes()))
    data.update(
        release="2026-10",
        name="ICD-10-CM 2027 (FY2027)",
        effective_from="2026-10-01",
        effective_to="2027-09-30",
    )
    data["billable"] = data["billable"].replace("E119\n", "")
    data["descriptions"] = "\n".join(data["descriptions"].split("\n")[:-1])
    (tmp_path / "icd10cm-2026-10.json.gz").write_bytes(gzip.compress(json.dumps(data).encode()))
    monkeypatch.setenv(icd10.ENV_DIR, str(tmp_path))
    icd10.releases.cache_clear()
    try:
        fy27 = icd10.release_for(date(2026, 10, 1))
        assert fy27 is not None and fy27.exact and fy27.release.release == "2026-10"
        assert not fy27.release.is_billable("E119")
        april = icd10.release_for(date(2026, 9, 30))
        assert april is not None and april.release.is_billable("E119")
    finally:
        icd10.releases.cache_clear()


def test_place_of_service():
    assert pos.is_valid("11") and pos.is_valid("02") and not pos.is_valid("98")
    assert {"02", "10"} == pos.TELEHEALTH


@pytest.mark.parametrize(
    ("code", "cpt", "hcpcs"),
    [
        ("99213", True, False),
        ("0001F", True, False),
        ("0042T", True, False),
        ("0001U", True, False),
        ("J1100", False, True),
        ("9921", False, False),
        ("D0120", False, False),
        ("99213A", False, False),
    ],
)
def test_procedure_formats(code: str, cpt: bool, hcpcs: bool):
    assert is_cpt(code) is cpt
    assert is_hcpcs_level2(code) is hcpcs


def test_lab_range():
    assert is_lab("85025") and is_lab("80053") and is_lab("0001U")
    assert not is_lab("99213") and not is_lab("79999")


def test_import_commands_parse_the_cms_formats():
    tables = InMemoryReferenceTables()
    assert import_hcpcs(FIXTURES / "HCPC2026_JAN_ANWEB_sample.txt", tables) == 9
    assert import_ncci(FIXTURES / "ccipra-v321r0-f1_sample.txt", tables) == 4
    assert import_mue(FIXTURES / "MCR_MUE_PractitionerServices_sample.csv", tables) == 5
    g0439 = tables.codes["G0439"]
    assert g0439.long_description.endswith("subsequent visit")  # continuation record
    assert not tables.codes["G9999"].active_on(date(2026, 1, 1))
    assert tables.codes["25"].is_modifier
    assert tables.limits["99213"].per_day and not tables.limits["81002"].per_day
    assert tables.loaded() == {"HCPCS", "PTP", "MUE"}


def test_parsers_name_the_bad_line():
    with pytest.raises(CodeFileError, match="line 1"):
        list(parse_ptp("93000\t93005\t*\t1996\t*\t0\tx"))
    with pytest.raises(CodeFileError, match="line 1"):
        list(parse_mue('"93000","one","3 x","y"'))
    with pytest.raises(CodeFileError, match="line 1"):
        list(parse_hcpcs("G0439".ljust(10) + "9" + "x" * 300))


def test_cli_builds_the_release(tmp_path):
    import argparse

    from clinicflow.codesets import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["codesets", "build", "--out", str(tmp_path)])
    assert args.func(args) == 0
    built = tmp_path / "icd10cm-2026-04.json.gz"
    assert built.read_bytes() == (icd10.DATA_DIR / built.name).read_bytes()  # reproducible
    shutil.rmtree(tmp_path)
