"""Build-time precomputation of an ICD-10-CM release artefact (`clinicflow codesets build`).

Reads CMS's tabular XML through the `simple-icd-10-cm` package (a development dependency:
the Lambda layer never parses XML) and writes one gzip'd JSON artefact holding:

- the billable (leaf) codes, sorted, and their tabular titles in the same order;
- the non-billable codes (chapters' categories and subcategories), so a header code can be
  told apart from an unknown one;
- the Excludes1 notes reduced to code ranges: `node_lo node_hi -> [ref_lo-ref_hi, ...]`.

With no files given it uses the release the package ships (April 2026). For a later release
(FY2027 from 2026-10-01) pass CMS's files: `--tabular icd10cm-tabular-2027.xml --codes
icd10cm-codes-2027.txt` (the codes file lists every valid code, one per line, code first).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

FORMAT = 1
DATA_DIR = Path(__file__).resolve().parent / "data"

# One code reference inside an Excludes1 note's parentheses: "E08.-", "O24.4-", "A15-A19",
# "I63.3-I63.5-", "K52.1". Items with qualifiers ("with 5th character 1") are skipped: they
# name narrower sets than their codes, and a false conflict is worse than a missed one.
_REF = re.compile(
    r"^([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{0,4})?)\.?-?"
    r"(?:-([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{0,4})?)\.?-?)?$"
)
_PARENS = re.compile(r"\(([^()]*)\)")
_BLOCK = re.compile(r"^([A-Z]\d[0-9A-Z])-([A-Z]\d[0-9A-Z])$")


@dataclass(frozen=True)
class ReleaseInfo:
    """How a release is named and when it applies (dates of service, inclusive)."""

    release: str
    name: str
    effective_from: date
    effective_to: date
    source: str


APRIL_2026 = ReleaseInfo(
    release="2026-04",
    name="ICD-10-CM 2026-04 (FY2026 April update)",
    effective_from=date(2026, 4, 1),
    effective_to=date(2026, 9, 30),
    source="CMS ICD-10-CM tabular, April 1 2026, via simple-icd-10-cm 1.5.0 (MIT)",
)


def _dotless(code: str) -> str:
    return code.replace(".", "")


def parse_references(note: str) -> list[str]:
    """The code ranges an Excludes1 note names, as `lo-hi` (dotless; lo == hi for one code)."""
    refs: list[str] = []
    for group in _PARENS.findall(note):
        for item in group.split(","):
            match = _REF.match(item.strip())
            if match:
                lo = _dotless(match.group(1))
                hi = _dotless(match.group(2)) if match.group(2) else lo
                refs.append(f"{lo}-{hi}")
    return refs


def _node_range(cm: Any, name: str) -> tuple[str, str] | None:
    """The codes a chapter or block spans, as (first category, last category)."""
    block = _BLOCK.match(name)
    if block:
        return block.group(1), block.group(2)
    children = cm.get_children(name, prioritize_blocks=True)
    if not children:
        return None
    return min(c.split("-")[0] for c in children), max(c.split("-")[-1] for c in children)


def build_artefact(
    info: ReleaseInfo, *, tabular: Path | None = None, codes: Path | None = None
) -> dict[str, Any]:
    """The artefact of one release as a JSON-ready dict."""
    import simple_icd_10_cm as cm  # type: ignore[import-untyped]  # dev dependency only

    if tabular is not None and codes is not None:
        cm.change_version(str(codes), str(tabular), suppress_warnings=True)
    billable: dict[str, str] = {}
    headers: list[str] = []
    excludes: list[str] = []
    for name in cm.get_all_codes(True):
        # Chapters are numbers and blocks ranges ("A00-A09"); a few one-category blocks share
        # their name with a code (B20, F99, R99, Z66), which is then both.
        grouping = "-" in name or cm.is_chapter(name)
        nodes: list[tuple[tuple[str, str] | None, list[str]]] = []
        if grouping:
            nodes.append((_node_range(cm, name), cm.get_excludes1(name, prioritize_blocks=True)))
        else:
            code = _dotless(name)
            if cm.is_leaf(name, prioritize_blocks=False):
                billable[code] = cm.get_description(name, prioritize_blocks=False)
            else:
                headers.append(code)
            nodes.append(((code, code), cm.get_excludes1(name, prioritize_blocks=False)))
            if cm.is_chapter_or_block(name):
                nodes.append(((code, code), cm.get_excludes1(name, prioritize_blocks=True)))
        for node, notes in nodes:
            refs = sorted({r for note in notes for r in parse_references(note)})
            if node and refs:
                excludes.append(f"{node[0]}\t{node[1]}\t{','.join(refs)}")
    return {
        "format": FORMAT,
        "code_set": "ICD-10-CM",
        "release": info.release,
        "name": info.name,
        "effective_from": info.effective_from.isoformat(),
        "effective_to": info.effective_to.isoformat(),
        "source": info.source,
        "billable": "\n".join(sorted(billable)),
        "descriptions": "\n".join(billable[c] for c in sorted(billable)),
        "headers": "\n".join(sorted(set(headers))),
        "excludes1": "\n".join(sorted(set(excludes))),
    }


def artefact_path(release: str, folder: Path = DATA_DIR) -> Path:
    """Where the artefact of a release lives."""
    return folder / f"icd10cm-{release}.json.gz"


def write_artefact(artefact: dict[str, Any], folder: Path = DATA_DIR) -> Path:
    """Write the artefact (deterministic bytes: no gzip timestamp), return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = artefact_path(str(artefact["release"]), folder)
    raw = json.dumps(artefact, ensure_ascii=False, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    return path
