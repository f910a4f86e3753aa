"""Benchmark: ClinicFlow's typed X12 parse vs pyx12 validation on the same large files.

A generated 271 file and a generated 837P file (built by ``build_837p``, which is timed too).
Run from the repository root: ``.venv/bin/python bench/x12/run.py [--mb 3]``. Writes MB/s to
the "## X12 parsing" section of docs/benchmarks.md (other sections are left alone).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from clinicflow.x12 import (
    Group,
    InterchangeHeader,
    InterchangeWriter,
    TransactionContent,
    parse_file,
    read,
    tokenize,
)
from clinicflow.x12.claims import (
    BillingProvider,
    Claim,
    ClaimBatch,
    ContactInfo,
    Patient,
    Payer,
    PostalAddress,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
    build_837p,
    parse_837p,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "benchmarks.md"
MAPS = ROOT.parent / "shared" / "data" / "x12" / "pyx12-maps"
HEADING = "## X12 parsing"

# A synthetic 271 body (no real people) that pyx12's X279A1 map accepts.
BODY = """BHT*0022*11*TRACE{n}*20250301*0931
HL*1**20*1
NM1*PR*2*SANDBOX HEALTH*****PI*87726
PER*IC*PROVIDER SERVICES*TE*5555550100
HL*2*1*21*1
NM1*1P*2*RIVERSIDE CLINIC*****XX*1234567893
HL*3*2*22*0
TRN*2*TRACE{n}*1123456789
NM1*IL*1*DOE*JANE****MI*W{n:09d}
REF*6P*GRP1
N3*100 MAIN ST
N4*SPRINGFIELD*IL*62701
DMG*D8*19800517*F
DTP*346*D8*20250101
EB*1*FAM*30**GOLD PLAN PPO
EB*B*IND*98*PR**27*25*****Y
EB*B*IND*UC*PR**27*50*****N
EB*A*IND*30***27**0.2****N
EB*C*IND*30***23*1500*****Y
EB*C*IND*30***29*1250.55*****Y
EB*C*FAM*30***23*3000*****Y
EB*G*IND*30***23*5000*****Y
EB*G*IND*30***29*4500*****Y
EB*F*IND*AD******VS*20
HSD*VS*20***22
MSG*TWENTY VISITS PER CALENDAR YEAR
EB*I**AL
MSG*VISION SERVICES ARE NOT COVERED"""


HEADER_837 = InterchangeHeader(
    sender_id="CLINICFLOW",
    receiver_id="SANDBOXCH",
    control_number=1,
    created=datetime(2025, 3, 5, 14, 2),
    usage="T",
)


def build_file(megabytes: float) -> str:
    """An interchange with as many 271 sets as it takes to reach ``megabytes``."""
    one = len(BODY) + 60
    count = max(1, int(megabytes * 1_000_000 / one))
    sets = [
        TransactionContent(
            "271",
            n + 1,
            [tuple(line.split("*")) for line in BODY.format(n=n).split("\n")],
            "005010X279A1",
        )
        for n in range(count)
    ]
    header = InterchangeHeader(
        sender_id="SANDBOXPAYER",
        receiver_id="CLINICFLOW",
        control_number=1,
        created=datetime(2025, 3, 1, 9, 31),
        usage="T",
    )
    group = Group("HB", "SANDBOXPAYER", "CLINICFLOW", 1, "005010X279A1", sets)
    return InterchangeWriter(line_breaks=True).write(header, [group])


def claim_batches(megabytes: float) -> list[ClaimBatch]:
    """Synthetic 837P batches (1,000 claims each, 3 lines per claim) of about ``megabytes``."""
    addr = PostalAddress(line1="100 MAIN ST", city="SPRINGFIELD", state="IL", postal_code="62701")
    providers = [
        BillingProvider(npi=npi, name=f"CLINIC {n}", taxonomy="207Q00000X", tax_id="123456789",
                        address=addr)
        for n, npi in enumerate(("1234567893", "1245319599"))
    ]  # fmt: skip
    payer = Payer(id="87726", name="SANDBOX HEALTH")
    lines = [
        ServiceLine(procedure_code=code, charge=Decimal("100.50"), units=Decimal(1),
                    diagnosis_pointers=[1, 2], service_date=date(2025, 3, 4), modifiers=mods)
        for code, mods in (("99213", ["25"]), ("87070", []), ("36415", ["59", "XE"]))
    ]  # fmt: skip
    count = max(1, int(megabytes * 1_000_000 / 480))
    claims = []
    for n in range(count):
        sub = Subscriber(
            member_id=f"W{n // 3:09d}",
            last_name="DOE",
            first_name="JANE",
            address=addr,
            birth_date=date(1980, 5, 17),
            gender="F",
        )
        patient = (
            None
            if n % 3 == 0
            else Patient(
                relationship="19",
                last_name="DOE",
                first_name=f"KID{n % 3}",
                address=addr,
                birth_date=date(2012, 1, 2),
                gender="M",
            )
        )
        claims.append(Claim(
            claim_id=f"CF-{n:08d}", total_charge=Decimal("301.50"), place_of_service="11",
            diagnoses=["J069", "R509"], lines=lines, billing_provider=providers[n % 2],
            subscriber=sub, payer=payer, patient=patient,
        ))  # fmt: skip
    submitter = Submitter(name="RIVERSIDE", id="CLINICFLOW",
                          contact=ContactInfo(phone="5555550100"))  # fmt: skip
    return [
        ClaimBatch(submitter=submitter, receiver=Receiver(name="SANDBOX", id="SANDBOXCH"),
                   reference=f"B{i}", created=datetime(2025, 3, 5, 14, 2),
                   claims=claims[i : i + 1000])
        for i in range(0, count, 1000)
    ]  # fmt: skip


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def pyx12_validate(text: str, maps: Path | None = MAPS) -> bool:
    """pyx12's full validation of ``text`` (X279A1 maps from ``maps``; None = bundled maps)."""
    import logging

    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    param = pyx12.params.params()
    path = str(maps) if maps else None
    if path:
        param.set("map_path", path)
    return bool(
        pyx12.x12n_document.x12n_document(
            param, io.StringIO(text), io.StringIO(), None, None, None, map_path=path
        )
    )


def write_section(lines: list[str]) -> None:
    """Replace (or append) only the "## X12 parsing" section of docs/benchmarks.md."""
    section = "\n".join([HEADING, "", *lines]) + "\n"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=3.0, help="size of the generated file")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--skip-pyx12", action="store_true", help="skip pyx12 on the 837P")
    args = parser.parse_args()

    load = os.getloadavg()  # the machine may be shared: the figures are only as quiet as it
    text = build_file(args.mb)
    size = len(text.encode()) / 1_000_000
    sets = sum(1 for _ in read(text).transactions())
    rows = [
        ("tokenize (segments only)", timed(lambda: tokenize(text))),
        ("read (tokenize + envelope checks)", timed(lambda: read(text))),
        ("typed parse (`parse_file`, pydantic models)", timed(lambda: parse_file(text))),
    ]
    if MAPS.is_dir():
        valid = pyx12_validate(text)  # warm-up run also checks the file is valid
        rows.append(
            (f"pyx12 4.0 validation (valid={valid})", timed(lambda: pyx12_validate(text), 1))
        )
    else:
        print(f"pyx12 skipped: no X279A1 maps at {MAPS}", file=sys.stderr)

    batches = claim_batches(args.mb)
    claims_text = build_837p(batches, HEADER_837, group_control_number=1, line_breaks=True)
    claims_size = len(claims_text.encode()) / 1_000_000
    claim_rows = [
        ("build (`build_837p` from typed batches)", timed(
            lambda: build_837p(batches, HEADER_837, group_control_number=1, line_breaks=True))),
        ("read (tokenize + envelope checks)", timed(lambda: read(claims_text))),
        ("typed parse (`parse_837p`)", timed(lambda: parse_837p(claims_text))),
        ("typed parse (`parse_file`, with envelopes)", timed(lambda: parse_file(claims_text))),
    ]  # fmt: skip
    if not args.skip_pyx12:
        valid = pyx12_validate(claims_text, None)
        claim_rows.append(
            (f"pyx12 4.0 validation, bundled X222A1 map (valid={valid})",
             timed(lambda: pyx12_validate(claims_text, None), 1))
        )  # fmt: skip
    claim_count = sum(len(b.claims) for b in batches)

    lines = [
        f"Generated 271 file: {size:.2f} MB, {sets} transaction sets, one run "
        f"(`.venv/bin/python bench/x12/run.py --mb {args.mb:g}`), "
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{datetime.now().date().isoformat()}. Best of 3 (pyx12: 1 run). Load average at "
        f"the start: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min) on "
        f"{os.cpu_count()} CPUs.",
        "",
        "| step | seconds | MB/s |",
        "|---|---:|---:|",
        *[f"| {name} | {secs:.3f} | {size / secs:.2f} |" for name, secs in rows],
        "",
        f"Generated 837P file: {claims_size:.2f} MB, {claim_count} claims of 3 lines in "
        f"{len(batches)} transaction sets, same run.",
        "",
        "| step | seconds | MB/s | claims/s |",
        "|---|---:|---:|---:|",
        *[
            f"| {name} | {secs:.3f} | {claims_size / secs:.2f} | {claim_count / secs:,.0f} |"
            for name, secs in claim_rows
        ],
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section(lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
