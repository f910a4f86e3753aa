"""``clinicflow x12 check``: structure faults and scrubber findings, each with its location,
and the exit status (0 nothing blocks, 1 something blocks, 2 unreadable)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from claims_factory import CHILD, HEADER, PROVIDER, batch, claim, line
from x12_support import FIXTURES, SHARED, needs_shared

from clinicflow.cli import main
from clinicflow.x12 import Segment, X12ParseError, build_loops, read
from clinicflow.x12.claims import Claim, build_837p
from clinicflow.x12.claims.specs import SPEC_837P

TODAY = "2025-03-20"  # the factory's claims are for 2025-03-04
CMS = Path(__file__).resolve().parents[1] / "claims" / "fixtures"
Run = Callable[..., tuple[int, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``clinicflow x12 check ARGS`` through the main entry point: (exit status, stdout)."""

    def call(*argv: str) -> tuple[int, str]:
        code = main(["x12", "check", "--today", TODAY, *argv])
        return code, capsys.readouterr().out

    return call


def _write(tmp_path: Path, *claims: Claim, edit: Callable[[str], str] = str) -> str:
    path = tmp_path / "claims.837"
    path.write_text(edit(build_837p(batch(*claims), HEADER, group_control_number=5)))
    return str(path)


def _segment(path: str, test: Callable[[Segment], bool]) -> Segment:
    """The first segment of the file passing `test` (body segments know their loop)."""
    segments: list[Segment] = []
    for ts in read(Path(path).read_bytes(), strict=False).transactions():
        with contextlib.suppress(X12ParseError):
            build_loops(ts.segments, SPEC_837P)
        segments += ts.segments
    return next(s for s in segments if test(s))


def _se_count(text: str, change: int) -> str:
    return re.sub(r"SE\*(\d+)\*", lambda m: f"SE*{int(m[1]) + change}*", text)


def _drop_hi(text: str) -> str:
    """The file without its HI segment (and SE01 counting one segment less)."""
    return _se_count(re.sub(r"HI\*[^~]*~\n?", "", text), -1)


def _errors(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if ": error " in ln]


def test_a_clean_project_file_passes(tmp_path: Path, run: Run) -> None:
    code, out = run(_write(tmp_path, claim()))
    assert code == 0 and not _errors(out)
    assert "ok: 0 blocking" in out and "1 claim(s) checked" in out
    assert "note: ncci.ptp: skipped (no NCCI PTP table loaded)" in out
    assert "note: timely_filing: skipped" in out and "note: payer enrollment" in out


@pytest.mark.parametrize(
    ("fault", "where", "expected"),
    [
        (
            {"billing_provider": PROVIDER.model_copy(update={"npi": "1234567890"})},
            lambda s: s.id == "NM1" and s.get(1) == "85",
            r"\(loop 2010AA\) element NM109 claim CF-0001: error npi\.check_digit billing\.npi: ",
        ),
        (
            {"total_charge": Decimal("101")},
            lambda s: s.id == "CLM",
            r"\(loop 2300\) element CLM02 claim CF-0001: error charges\.total total_charge: ",
        ),
        (
            {"lines": [line(diagnosis_pointers=[2])]},
            lambda s: s.id == "SV1",
            r"\(loop 2400\) element SV107 claim CF-0001: error pointers\.valid "
            r"lines\.0\.pointers: points to diagnosis 2, but the claim has 1",
        ),
        (
            {"frequency_code": "9"},
            lambda s: s.id == "CLM",
            r"\(loop 2300\) element CLM05-3 claim CF-0001: error x12\.frequency_code frequency: ",
        ),
        (
            {"diagnoses": ["J06"]},
            lambda s: s.id == "HI",
            r"\(loop 2300\) element HI01 claim CF-0001: error icd10\.billable diagnoses\.0: "
            r"is a category",
        ),
    ],
    ids=["npi", "clm02", "pointer", "frequency", "category"],
)
def test_business_faults_are_located(
    tmp_path: Path,
    run: Run,
    fault: dict[str, object],
    where: Callable[[Segment], bool],
    expected: str,
) -> None:
    path = _write(tmp_path, claim(**fault))
    code, out = run(path)
    seg = _segment(path, where)
    assert code == 1
    (error,) = _errors(out)
    assert re.search(rf"^{re.escape(path)}: segment {seg.ordinal} {seg.id} {expected}", error)


def test_a_wrong_se_count_blocks_and_the_claims_are_still_checked(tmp_path: Path, run: Run) -> None:
    path = _write(
        tmp_path,
        claim(total_charge=Decimal("90")),
        edit=lambda text: _se_count(text, -1),
    )
    code, out = run(path)
    se = _segment(path, lambda s: s.id == "SE")
    assert code == 1
    first, second = _errors(out)
    assert f"segment {se.ordinal} SE element SE01: error x12.envelope: SE01 segment count" in first
    assert "error charges.total total_charge" in second  # structure first, then the rules


def test_structure_errors_stop_the_set_with_their_position(tmp_path: Path, run: Run) -> None:
    path = _write(tmp_path, claim(), edit=_drop_hi)
    code, out = run(path)
    assert code == 1
    (error,) = _errors(out)
    assert re.search(r"segment \d+ CLM \(loop 2300\): error x12\.structure: claim has no HI", error)
    assert "0 claim(s) checked" in out


def test_a_dependents_claim_in_a_multi_claim_file(tmp_path: Path, run: Run) -> None:
    born_later = CHILD.model_copy(update={"birth_date": date(2026, 1, 2)})
    path = _write(tmp_path, claim("CF-0001"), claim("CF-0002", patient=born_later))
    code, out = run(path)
    dmg = _segment(path, lambda s: s.id == "DMG" and s.loop == "2010CA")
    (error,) = _errors(out)
    assert code == 1 and "2 claim(s) checked" in out
    assert error.endswith(
        f"segment {dmg.ordinal} DMG (loop 2010CA) element DMG02 claim CF-0002: "
        "error dates.birth_before_service patient.birth_date: "
        "is after the date of service: check both dates"
    )


def test_the_claims_date_of_service_is_its_earliest_lines(tmp_path: Path, run: Run) -> None:
    later = line(service_date=date(2025, 3, 5))
    path = _write(tmp_path, claim(total_charge=Decimal(200), lines=[later, line()]))
    code, out = run(path)
    dtp = _segment(path, lambda s: s.id == "DTP" and s.get(3) == "20250304")
    assert code == 0
    assert f"segment {dtp.ordinal} DTP (loop 2400) element DTP03 claim CF-0001: warning " in out
    assert "icd10.release service_date: no loaded ICD-10-CM release covers this date" in out


def test_json_output(tmp_path: Path, run: Run) -> None:
    path = _write(tmp_path, claim(total_charge=Decimal("101")))
    code, out = run("--json", path)
    report = json.loads(out)
    assert code == 1 and report["blocked"] is True and report["today"] == TODAY
    (file,) = report["files"]
    assert file["file"] == path and file["claims"] == ["CF-0001"]
    (problem,) = [p for p in file["problems"] if p["blocks"]]
    clm = _segment(path, lambda s: s.id == "CLM")
    assert problem["rule_id"] == "charges.total" and problem["claim_id"] == "CF-0001"
    assert problem["location"] == {
        "segment": clm.ordinal,
        "byte_offset": clm.location().byte_offset,
        "segment_id": "CLM",
        "loop": "2300",
        "element": "CLM02",
    }
    assert "mue.units: skipped (no MUE table loaded)" in report["skipped"]


def test_cms_tables_turn_on_ncci_and_mue(tmp_path: Path, run: Run) -> None:
    lines = [line("93000", "40", units=Decimal(2)), line("93005", "20")]
    path = _write(tmp_path, claim(total_charge=Decimal("60"), lines=lines))
    code, out = run(path)
    assert code == 0 and "note: ncci.ptp: skipped" in out
    tables = [
        *("--hcpcs", str(CMS / "HCPC2026_JAN_ANWEB_sample.txt")),
        *("--ncci", str(CMS / "ccipra-v321r0-f1_sample.txt")),
        *("--mue", str(CMS / "MCR_MUE_PractitionerServices_sample.csv")),
    ]
    code, out = run(*tables, path)
    rules = {ln.split(": error ")[1].split()[0] for ln in _errors(out)}
    assert code == 1 and rules == {"ncci.ptp", "mue.units"}
    assert "skipped (no" not in out and "by format only" not in out


def test_a_non_fixed_width_isa_only_warns(tmp_path: Path, run: Run) -> None:
    path = _write(tmp_path, claim(), edit=lambda text: text.replace("CLINICFLOW     *", "CF*", 1))
    code, out = run(path)
    assert code == 0
    assert "segment 1 ISA: warning x12.envelope: ISA is not fixed-width" in out


def test_other_transactions_and_unreadable_files(tmp_path: Path, run: Run) -> None:
    code, out = run(str(FIXTURES / "999_partial.x12"))
    assert code == 1 and "error x12.structure: not an 837P (005010X222) transaction set" in out
    code, _ = run(str(tmp_path / "absent.837"), str(FIXTURES / "999_partial.x12"))
    assert code == 2
    code, _ = run("--ncci", str(tmp_path / "absent.txt"), _write(tmp_path, claim()))
    assert code == 2


# The planted fault of each shared sample: what `x12 check` must say, and where.
NEGATIVE = {
    "837p_bad_date.edi": "segment 34 DTP (loop 2400) element DTP03: error x12.structure: "
    "not a valid CCYYMMDD date",
    "837p_bad_dx_pointer.edi": "segment 42 SV1 (loop 2400) element SV107 claim 26463774: "
    "error pointers.valid lines.3.pointers: points to diagnosis 5, but the claim has 2",
    "837p_bad_freq.edi": "segment 29 CLM (loop 2300) element CLM05-3 claim 26463774: "
    "error x12.frequency_code frequency:",
    "837p_bad_npi_luhn.edi": "segment 10 NM1 (loop 2010AA) element NM109 claim 26463774: "
    "error npi.check_digit billing.npi: NPI check digit is wrong",
    "837p_bad_pos.edi": "segment 29 CLM (loop 2300): error x12.structure: "
    "does not fit the typed model at place_of_service",
    "837p_bad_se_count.edi": "segment 44 SE element SE01: error x12.envelope: "
    "SE01 segment count is wrong: 42 counted",
    "837p_iea_mismatch.edi": "segment 46 IEA (loop ISA) element IEA02: error x12.envelope: "
    "control number does not match ISA13",
    "837p_missing_hi.edi": "segment 29 CLM (loop 2300): error x12.structure: "
    "claim has no HI diagnosis codes",
    "837p_missing_nm1_85.edi": "segment 10 N3 (loop 2000A): error x12.structure: "
    "segment not expected",
    "837p_seg_out_of_order.edi": "segment 19 DMG (loop 2000B): error x12.structure: "
    "segment not expected",
    "837p_unbalanced_clm02.edi": "segment 29 CLM (loop 2300) element CLM02 claim 26463774: "
    "error charges.total total_charge: does not equal the sum of line charges",
}
# What the rules find on 837p_ok.edi itself (a 2006 TR3 example): ICD-9 codes (BK), a
# retired taxonomy code, a 5-digit billing ZIP and lab lines without a CLIA number.
OK_FINDINGS = {
    "taxonomy.format",
    "billing.complete",
    "clia.lab",
    "x12.icd9_codes",
    "icd10.billable",
    "icd10.release",
}


def _rule_ids(out: str) -> set[str]:
    return set(re.findall(r": (?:error|warning) ([a-z0-9_.]+)", out))


@needs_shared()
@pytest.mark.parametrize("name", NEGATIVE)
def test_every_planted_fault_is_reported_with_its_location(name: str, run: Run) -> None:
    path = str(SHARED / "837p_negative" / name)
    code, out = run(path)
    assert code == 1
    assert f"{path}: {NEGATIVE[name]}" in out
    _, ok = run(str(SHARED / "837p_negative" / "837p_ok.edi"))
    assert _rule_ids(out) - _rule_ids(ok)  # the planted fault, beyond what 837p_ok has


@needs_shared()
def test_the_ok_sample_has_no_structure_problem(run: Run) -> None:
    code, out = run(str(SHARED / "837p_negative" / "837p_ok.edi"))
    assert "x12.structure" not in out and "x12.envelope" not in out
    assert _rule_ids(out) == OK_FINDINGS
    assert code == 1  # blocked by the rules, not by its structure
