"""Parsers that skip pydantic's second validation (``typed.trusted``) still build valid models.

Every typed document read from the project's fixtures and the public samples must survive a
full validation of its own dump unchanged; a reader that let a wrong type through fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from x12_support import FIXTURES, SHARED

from clinicflow.x12 import X12ParseError, parse_file
from clinicflow.x12.model import Reference
from clinicflow.x12.typed import trusted

_FOLDERS = ("271", "277ca", "835", "999")


def _samples() -> list[Path]:
    own = sorted(FIXTURES.glob("*.x12"))
    public = (
        [p for f in _FOLDERS for p in sorted((SHARED / f).glob("*"))] if SHARED.is_dir() else []
    )
    return own + public


@pytest.mark.parametrize("path", _samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parsed_documents_revalidate_unchanged(path: Path) -> None:
    try:
        parsed = parse_file(path.read_bytes(), strict=False)
    except X12ParseError:
        pytest.skip("sample is not readable as a whole (covered by the error tests)")
    docs = [t for ic in parsed.interchanges for g in ic.groups for t in g.transactions]
    assert docs
    for doc in docs:
        assert type(doc).model_validate(doc.model_dump(round_trip=True)) == doc


def test_trusted_refuses_a_missing_or_unknown_field() -> None:
    with pytest.raises(TypeError, match="Reference needs every field"):
        trusted(Reference, qualifier="6P", value="GRP1")
    with pytest.raises(TypeError, match="Reference needs every field"):
        trusted(Reference, qualifier="6P", value="GRP1", note=None)
