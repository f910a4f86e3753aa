"""Mutated files only ever raise typed X12 errors (seeded, deterministic fuzzing)."""

from __future__ import annotations

import contextlib
import random

import pytest
from x12_support import fixture_bytes

from clinicflow.x12 import X12Error, parse_file

FILES = ["271_benefits.x12", "271_aaa_levels.x12", "999_partial.x12", "271_benefits_bom_pipes.x12"]
ALPHABET = "*:^~|>!\r\n 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-."


def _mutate(data: str, rng: random.Random) -> str:
    chars = list(data)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(chars))
        action = rng.random()
        if action < 0.4:
            chars[pos] = rng.choice(ALPHABET)
        elif action < 0.7:
            del chars[pos]
        else:
            chars.insert(pos, rng.choice(ALPHABET))
    text = "".join(chars)
    if rng.random() < 0.1:
        text = text[: rng.randrange(len(text))]
    return text


@pytest.mark.parametrize("name", FILES)
def test_mutations_raise_only_x12_errors(name: str) -> None:
    rng = random.Random(f"clinicflow-{name}")
    base = fixture_bytes(name).decode("utf-8")
    for _ in range(400):
        mutated = _mutate(base, rng)
        for strict in (True, False):
            with contextlib.suppress(X12Error):
                parse_file(mutated, strict=strict)


@pytest.mark.parametrize("name", FILES)
def test_segment_shuffles_raise_only_x12_errors(name: str) -> None:
    rng = random.Random(name)
    base = fixture_bytes(name).decode("utf-8")
    for _ in range(100):
        lines = base.split("~")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        with contextlib.suppress(X12Error):
            parse_file("~".join(lines), strict=False)
