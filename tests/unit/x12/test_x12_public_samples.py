"""Public sample files, read in place from ../shared/data/x12 (never copied here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from x12_support import SHARED, needs_shared

from clinicflow.x12 import X12ParseError, parse_file, read

pytestmark = needs_shared()


def _files(folder: str) -> list[Path]:
    return sorted((SHARED / folder).glob("*")) if SHARED.is_dir() else []


@pytest.mark.parametrize("path", _files("271"), ids=lambda p: p.name)
def test_public_271s_parse(path: Path) -> None:
    parsed = parse_file(path.read_bytes())
    docs = [t for ic in parsed.interchanges for g in ic.groups for t in g.transactions]
    assert docs and all(d.transaction == "271" for d in docs)
    assert all(d.sources[0].receivers[0].subscribers for d in docs)


def test_aaa_and_eb_p_sample() -> None:
    doc = parse_file((SHARED / "271" / "inteligenz_aaa42_eb_p.txt").read_bytes())
    sub = doc.interchanges[0].groups[0].transactions[0].sources[0].receivers[0].subscribers[0]  # type: ignore[union-attr]
    assert [(e.loop, e.reject_reason) for e in sub.errors] == [("2100C", "42")]
    assert [b.code for b in sub.benefits] == ["P"]


def test_pre_a1_sample_with_shared_repetition_and_component_separator() -> None:
    doc = parse_file((SHARED / "271" / "inteligenz_x279_pre_a1.txt").read_bytes())
    sub = doc.interchanges[0].groups[0].transactions[0].sources[0].receivers[0].subscribers[0]  # type: ignore[union-attr]
    dep = sub.dependents[0]
    copays = [b for b in dep.benefits if b.code == "B"]
    assert copays[0].service_types[:3] == ["1", "33", "35"]
    assert [c.amount for c in copays] == [10, 30]
    assert dep.benefits[1].related_entities[0].name.entity_code == "P3"


@pytest.mark.parametrize("path", _files("999"), ids=lambda p: p.name)
def test_public_999s_parse(path: Path) -> None:
    parsed = parse_file(path.read_bytes(), strict=False)
    docs = [t for ic in parsed.interchanges for g in ic.groups for t in g.transactions]
    assert docs and all(d.transaction == "999" for d in docs)


ENVELOPE_FILES = [p for f in ("837p", "837i", "835", "276", "277", "277ca") for p in _files(f)]


@pytest.mark.parametrize("path", ENVELOPE_FILES, ids=lambda p: p.name)
def test_every_public_file_tokenizes_and_its_envelopes_read_leniently(path: Path) -> None:
    x12 = read(path.read_bytes(), strict=False)
    assert list(x12.transactions())


def test_known_bad_counts_are_reported() -> None:
    path = SHARED / "837p_negative" / "837p_bad_se_count.edi"
    with pytest.raises(X12ParseError, match=r"\(SE\) at byte \d+.*SE01 segment count is wrong"):
        read(path.read_bytes())
    iea = SHARED / "837p_negative" / "837p_iea_mismatch.edi"
    with pytest.raises(X12ParseError, match="IEA02: control number does not match ISA13"):
        read(iea.read_bytes())
