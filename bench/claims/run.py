"""Claims built and scrubbed per second on one core; ICD-10-CM artefact load time.

    .venv/bin/python bench/claims/run.py [--claims 5000] [--no-write]

Builds claims from synthetic signed encounters (pricing from a fee schedule), and scrubs
each with every rule on, the NCCI/MUE sample tables loaded in memory and a patient history
of 5 other claims (duplicate checks). Writes only the "## Claims" section of
docs/benchmarks.md, keeping its billing-cycle part (bench/claims/cycle.py writes that).
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "layers"))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "claims"))

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Claims"
FIXTURES = ROOT / "tests" / "unit" / "claims" / "fixtures"


def import_and_load_ms() -> tuple[float, float]:
    """Fresh interpreter: import of the ICD module, then the first lookup (artefact load)."""
    code = (
        "import time; t=time.perf_counter(); from clinicflow.codesets import icd10; "
        "t1=time.perf_counter(); from datetime import date; "
        "icd10.release_for(date(2026,5,1)).release.is_billable('E119'); "
        "t2=time.perf_counter(); print((t1-t)*1000, (t2-t1)*1000)"
    )
    best = (1e9, 1e9)
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(ROOT / "layers")},
        ).stdout.split()
        best = (min(best[0], float(out[0])), min(best[1], float(out[1])))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    from claims_support import make_claim

    from clinicflow.claims.model import Encounter, EncounterInput, FeeSchedule, ServiceLine
    from clinicflow.claims.scrubber import RULES, ScrubContext, scrub
    from clinicflow.claims.service import ClaimFacts, build_claim
    from clinicflow.codesets import icd10, service

    import_ms, load_ms = import_and_load_ms()
    tables = service.InMemoryReferenceTables()
    service.import_ncci(FIXTURES / "ccipra-v321r0-f1_sample.txt", tables)
    service.import_mue(FIXTURES / "MCR_MUE_PractitionerServices_sample.csv", tables)
    base = make_claim()
    facts = ClaimFacts(
        billing=base.billing,
        rendering=base.rendering,
        facility=base.facility,  # type: ignore[arg-type]
        default_place_of_service="11",
        patient=base.patient,
        subscriber=base.subscriber,
        payer=base.payer,
        timely_filing_days=365,
    )
    fees = FeeSchedule(
        "sunrise",
        "default",
        {
            "99213": Decimal("120"),
            "93000": Decimal("45.5"),
            "36415": Decimal("12"),
            "85025": Decimal("20"),
        },
    )
    dos = date(2026, 5, 4)
    history = []
    for i in range(1, 6):
        day = dos - timedelta(days=30 * i)
        lines = tuple(replace(x, service_date=day) for x in base.lines)
        history.append(replace(base, claim_id=f"C2605040000{i}", service_date=day, lines=lines))
    icd10.release_for(dos)  # load once, outside the timing
    encounters = [
        Encounter(
            "sunrise",
            f"enc-{i}",
            EncounterInput(
                patient_id="pat-1",
                coverage_id="cov-1",
                rendering_provider_id="prov-1",
                location_id="loc-1",
                service_date=dos,
                diagnoses=("E119", "I10", "E785"),
                lines=(
                    ServiceLine("99213", Decimal("1"), (1, 2), ("25",)),
                    ServiceLine("93000", Decimal("1"), (2,)),
                    ServiceLine("36415", Decimal("1"), (3,)),
                    ServiceLine("85025", Decimal("1"), (3,)),
                ),
                clia_number="05D1234567",
            ),
        )
        for i in range(args.claims)
    ]
    now = datetime(2026, 5, 10, tzinfo=UTC)
    start = time.perf_counter()
    claims = [
        build_claim(e, facts, fees, claim_id=f"C{i:012d}", now=now)
        for i, e in enumerate(encounters)
    ]
    built = time.perf_counter() - start
    start = time.perf_counter()
    findings = 0
    for claim in claims:
        ctx = ScrubContext(
            claim=claim,
            today=date(2026, 5, 10),
            tables=tables,
            other_claims=history,
            timely_filing_days=365,
        )
        findings += len(scrub(ctx).findings)
    scrubbed = time.perf_counter() - start
    n = args.claims
    lines = [
        f"Measured by `bench/claims/run.py` (`make bench`) on {date.today()}, Python "
        f"{platform.python_version()} on {platform.machine()}, one core, {n} claims of 4 lines "
        f"and 3 diagnoses, all {len(RULES)} rules on, NCCI/MUE sample tables in memory, 5 "
        "earlier claims of the patient for the duplicate check.",
        "",
        "| step | per second | ms per claim |",
        "| --- | ---: | ---: |",
        f"| build (price from the fee schedule, copy facts) | {n / built:,.0f} | {built / n * 1000:.3f} |",  # noqa: E501
        f"| scrub (every rule) | {n / scrubbed:,.0f} | {scrubbed / n * 1000:.3f} |",
        f"| build + scrub | {n / (built + scrubbed):,.0f} | {(built + scrubbed) / n * 1000:.3f} |",
        "",
        f"ICD-10-CM artefact (`icd10cm-2026-04.json.gz`, "
        f"{(icd10.DATA_DIR / 'icd10cm-2026-04.json.gz').stat().st_size / 1e6:.2f} MB): import of "
        f"`clinicflow.codesets.icd10` {import_ms:.1f} ms, first lookup (gunzip, JSON, code set) "
        f"{load_ms:.1f} ms; best of 5 fresh interpreters. Findings on the benchmark claims: "
        f"{findings} (expected 0: they are clean).",
    ]
    print("\n".join(lines))
    if not args.no_write:
        section = "\n".join([HEADING, "", *lines]) + "\n"
        text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
        # Keep the billing cycle's part, written by bench/claims/cycle.py.
        cycle = re.search(
            r"^### Billing cycle on the local stack\n.*?(?=^## |\Z)", text, re.S | re.M
        )
        if cycle:
            section += "\n" + cycle.group(0).rstrip("\n") + "\n"
        pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
        else:
            text = text.rstrip("\n") + "\n\n" + section
        DOC.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
