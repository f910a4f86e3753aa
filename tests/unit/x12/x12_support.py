"""Paths and skip markers shared by the X12 tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "x12"
PYX12_MAPS = SHARED / "pyx12-maps"


def fixture_bytes(name: str) -> bytes:
    """Raw bytes of a project-written fixture."""
    return (FIXTURES / name).read_bytes()


def needs_shared() -> pytest.MarkDecorator:
    """Skip when the public samples (../shared/data/x12) are not on this machine."""
    return pytest.mark.skipif(
        not SHARED.is_dir(), reason=f"public X12 samples not present at {SHARED} (clean clone)"
    )


def needs_pyx12_maps() -> pytest.MarkDecorator:
    """Skip when the pyx12 map folder with the X279A1 maps is not on this machine."""
    return pytest.mark.skipif(
        not PYX12_MAPS.is_dir(), reason=f"pyx12 X279A1 maps not present at {PYX12_MAPS}"
    )
