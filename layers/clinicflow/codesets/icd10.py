"""ICD-10-CM lookups by date of service over the releases built by `clinicflow codesets build`.

Artefacts are gzip'd JSON files (`icd10cm-<release>.json.gz`) in this package's `data/`
folder and, when set, in `$CLINICFLOW_CODESETS_DIR` (where a build or a test can put a later
release, such as FY2027 from 2026-10-01). Nothing is read at import: the first lookup loads
the releases once per process (a few tens of milliseconds; see docs/benchmarks.md).

Codes are handled without their dot ("E119"); `normalise` accepts either form.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
ENV_DIR = "CLINICFLOW_CODESETS_DIR"
_FORMAT = re.compile(r"^[A-Z]\d[0-9A-Z]{1,5}$")
_PREFIX = re.compile(r"^[A-Z]\d[0-9A-Z]{0,5}$")
_Refs = tuple[tuple[str, str], ...]  # Excludes1 references as (first, last) code prefixes


def normalise(code: str) -> str:
    """An ICD-10-CM code as stored: upper case, no dot, no spaces."""
    return code.strip().upper().replace(".", "")


def is_well_formed(code: str) -> bool:
    """True when `code` (normalised) looks like an ICD-10-CM code: letter, digit, 1-5 more."""
    return bool(_FORMAT.match(code))


def is_code_prefix(text: str) -> bool:
    """True when `text` reads as the start of a code ("E1", "e11.6"), not as words."""
    return bool(_PREFIX.match(normalise(text)))


def with_dot(code: str) -> str:
    """The usual display form ("E11.9")."""
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def _covers(lo: str, hi: str, code: str) -> bool:
    return code[: len(lo)] >= lo and code[: len(hi)] <= hi


@dataclass(frozen=True)
class Excludes1Conflict:
    """Two diagnoses an Excludes1 note says are never coded together."""

    code: str
    excluded: str
    note_at: str  # the code or block whose Excludes1 note names the other code


@dataclass
class Icd10Release:
    """One ICD-10-CM release, applying to dates of service in [effective_from, effective_to]."""

    release: str
    name: str
    effective_from: date
    effective_to: date
    source: str
    _billable_text: str = field(repr=False)
    _descriptions_text: str = field(repr=False)
    _headers_text: str = field(repr=False)
    _excludes_text: str = field(repr=False)

    def covers(self, service_date: date) -> bool:
        """True when the release applies on the date of service."""
        return self.effective_from <= service_date <= self.effective_to

    @cached_property
    def _codes(self) -> list[str]:
        return self._billable_text.split("\n")

    @cached_property
    def _billable(self) -> frozenset[str]:
        return frozenset(self._codes)

    @cached_property
    def _descriptions(self) -> list[str]:
        return self._descriptions_text.split("\n")

    @cached_property
    def _headers(self) -> frozenset[str]:
        return frozenset(self._headers_text.split("\n"))

    @cached_property
    def _excludes(self) -> tuple[dict[str, _Refs], list[tuple[str, str, _Refs]]]:
        by_code: dict[str, _Refs] = {}
        ranges: list[tuple[str, str, _Refs]] = []
        for line in self._excludes_text.split("\n"):
            if not line:
                continue
            lo, hi, refs_text = line.split("\t")
            refs = tuple((r.split("-")[0], r.split("-")[1]) for r in refs_text.split(","))
            if lo == hi:
                by_code[lo] = by_code.get(lo, ()) + refs
            else:
                ranges.append((lo, hi, refs))
        return by_code, ranges

    @property
    def size(self) -> int:
        """How many billable codes the release has."""
        return len(self._billable)

    def is_billable(self, code: str) -> bool:
        """True when `code` is a billable (leaf) code of this release."""
        return normalise(code) in self._billable

    def is_header(self, code: str) -> bool:
        """True when `code` exists in this release but is a category, not billable."""
        return normalise(code) in self._headers

    def description(self, code: str) -> str | None:
        """The tabular title of a billable code, or None."""
        code = normalise(code)
        i = bisect_left(self._codes, code)
        if i < len(self._codes) and self._codes[i] == code:
            return self._descriptions[i]
        return None

    def search(self, prefix: str, limit: int = 20) -> list[tuple[str, str]]:
        """Billable codes starting with `prefix`, with their titles (for code pickers)."""
        prefix = normalise(prefix)
        i = bisect_left(self._codes, prefix)
        found: list[tuple[str, str]] = []
        while i < len(self._codes) and self._codes[i].startswith(prefix) and len(found) < limit:
            found.append((self._codes[i], self._descriptions[i]))
            i += 1
        return found

    @cached_property
    def _lower_descriptions(self) -> list[str]:
        return self._descriptions_text.lower().split("\n")

    def find(self, query: str, limit: int = 20) -> list[tuple[str, str]]:
        """Billable codes for a picker: by code prefix ("E11", "E11.6") or by words that all
        appear in the title ("type 2 diabetes"), in code order."""
        text = query.strip()
        if is_code_prefix(text):
            return self.search(text, limit)
        words = text.lower().split()
        if not words:
            return []
        found: list[tuple[str, str]] = []
        for i, title in enumerate(self._lower_descriptions):
            if all(w in title for w in words):
                found.append((self._codes[i], self._descriptions[i]))
                if len(found) >= limit:
                    break
        return found

    def _notes_of(self, code: str) -> Iterable[tuple[str, _Refs]]:
        by_code, ranges = self._excludes
        for k in range(3, len(code) + 1):
            refs = by_code.get(code[:k])
            if refs:
                yield code[:k], refs
        for lo, hi, refs in ranges:
            if _covers(lo, hi, code):
                yield f"{lo}-{hi}", refs

    def excludes1(self, codes: Iterable[str]) -> list[Excludes1Conflict]:
        """Every pair of `codes` an Excludes1 note forbids together (each pair once)."""
        normal = list(dict.fromkeys(normalise(c) for c in codes))
        conflicts: list[Excludes1Conflict] = []
        seen: set[frozenset[str]] = set()
        for code in normal:
            for at, refs in self._notes_of(code):
                for other in normal:
                    pair = frozenset((code, other))
                    if other == code or pair in seen:
                        continue
                    for lo, hi in refs:
                        # A note naming a range that holds the code itself is not a conflict.
                        if _covers(lo, hi, other) and not _covers(lo, hi, code):
                            seen.add(pair)
                            conflicts.append(Excludes1Conflict(code, other, at))
                            break
        return conflicts


def _load(path: Path) -> Icd10Release:
    data = json.loads(gzip.decompress(path.read_bytes()))
    if data.get("format") != 1 or data.get("code_set") != "ICD-10-CM":
        raise ValueError(f"{path.name} is not an ICD-10-CM artefact of format 1")
    return Icd10Release(
        release=data["release"],
        name=data["name"],
        effective_from=date.fromisoformat(data["effective_from"]),
        effective_to=date.fromisoformat(data["effective_to"]),
        source=data["source"],
        _billable_text=data["billable"],
        _descriptions_text=data["descriptions"],
        _headers_text=data["headers"],
        _excludes_text=data["excludes1"],
    )


def _folders() -> list[Path]:
    folders = [DATA_DIR]
    extra = os.environ.get(ENV_DIR)
    if extra:
        folders.append(Path(extra))
    return folders


@lru_cache(maxsize=1)
def releases() -> tuple[Icd10Release, ...]:
    """Every loaded release, oldest first (one per release id; an extra folder wins)."""
    found: dict[str, Icd10Release] = {}
    for folder in _folders():
        for path in sorted(folder.glob("icd10cm-*.json.gz")):
            release = _load(path)
            found[release.release] = release
    return tuple(sorted(found.values(), key=lambda r: r.effective_from))


@dataclass(frozen=True)
class ReleaseChoice:
    """The release to check a date of service against; `exact` False means none covers it."""

    release: Icd10Release
    exact: bool


def release_for(service_date: date) -> ReleaseChoice | None:
    """The release covering the date, else the nearest one (exact=False), else None."""
    loaded = releases()
    for release in loaded:
        if release.covers(service_date):
            return ReleaseChoice(release, True)
    if not loaded:
        return None

    def distance(r: Icd10Release) -> int:
        if service_date < r.effective_from:
            return (r.effective_from - service_date).days
        return (service_date - r.effective_to).days

    return ReleaseChoice(min(loaded, key=distance), False)
