"""Code-set use cases: import CMS's HCPCS, NCCI PTP and MUE files; read them for scrubbing.

The scrubber depends on the `ReferenceTables` Protocol, never on DynamoDB: unit tests pass
`InMemoryReferenceTables`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from clinicflow.codesets.procedures import (
    HcpcsCode,
    MueLimit,
    PtpEdit,
    level2_only,
    parse_hcpcs,
    parse_mue,
    parse_ptp,
)


class ReferenceTables(Protocol):
    """Imported reference tables, as the scrubber reads them."""

    def loaded(self) -> frozenset[str]:
        """Which of "HCPCS", "PTP", "MUE" have been imported."""
        ...

    def hcpcs(self, codes: Iterable[str]) -> dict[str, HcpcsCode]:
        """The known HCPCS Level II codes among `codes`."""
        ...

    def ptp(self, pairs: Iterable[tuple[str, str]]) -> list[PtpEdit]:
        """Every edit of the given (column 1, column 2) pairs."""
        ...

    def mue(self, codes: Iterable[str]) -> dict[str, MueLimit]:
        """The MUE limits of `codes`."""
        ...


class ReferenceSink(Protocol):
    """Where imports write."""

    def put_hcpcs(self, codes: Sequence[HcpcsCode], source: str) -> int:
        """Store codes; return how many."""
        ...

    def put_ptp(self, edits: Sequence[PtpEdit], source: str) -> int:
        """Store edits; return how many."""
        ...

    def put_mue(self, limits: Sequence[MueLimit], source: str) -> int:
        """Store limits; return how many."""
        ...


@dataclass
class InMemoryReferenceTables:
    """Reference tables held in memory (tests, benchmarks, `clinicflow x12 check`)."""

    codes: dict[str, HcpcsCode] = field(default_factory=dict)
    edits: dict[tuple[str, str], list[PtpEdit]] = field(default_factory=dict)
    limits: dict[str, MueLimit] = field(default_factory=dict)
    tables: set[str] = field(default_factory=set)

    def loaded(self) -> frozenset[str]:
        """Which tables hold data."""
        return frozenset(self.tables)

    def hcpcs(self, codes: Iterable[str]) -> dict[str, HcpcsCode]:
        """Known codes among `codes`."""
        return {c: self.codes[c] for c in codes if c in self.codes}

    def ptp(self, pairs: Iterable[tuple[str, str]]) -> list[PtpEdit]:
        """Edits of the pairs."""
        return [e for pair in set(pairs) for e in self.edits.get(pair, [])]

    def mue(self, codes: Iterable[str]) -> dict[str, MueLimit]:
        """Limits of the codes."""
        return {c: self.limits[c] for c in codes if c in self.limits}

    def put_hcpcs(self, codes: Sequence[HcpcsCode], source: str) -> int:
        """Keep codes."""
        self.codes.update({c.code: c for c in codes})
        self.tables.add("HCPCS")
        return len(codes)

    def put_ptp(self, edits: Sequence[PtpEdit], source: str) -> int:
        """Keep edits."""
        for e in edits:
            self.edits.setdefault((e.column1, e.column2), []).append(e)
        self.tables.add("PTP")
        return len(edits)

    def put_mue(self, limits: Sequence[MueLimit], source: str) -> int:
        """Keep limits."""
        self.limits.update({m.code: m for m in limits})
        self.tables.add("MUE")
        return len(limits)


class CachedTables:
    """ReferenceTables that read the table list, each code and each pair once (a billing
    cycle chunk or a backtest scrubs many claims sharing codes). Safe to share between
    threads."""

    def __init__(self, tables: ReferenceTables) -> None:
        self._tables = tables
        self._lock = threading.Lock()
        self._loaded: frozenset[str] | None = None
        self._hcpcs: dict[str, HcpcsCode | None] = {}
        self._mue: dict[str, MueLimit | None] = {}
        self._ptp: dict[tuple[str, str], list[PtpEdit]] = {}

    def loaded(self) -> frozenset[str]:
        """Which tables are loaded (read once)."""
        with self._lock:
            if self._loaded is None:
                self._loaded = self._tables.loaded()
            return self._loaded

    def hcpcs(self, codes: Iterable[str]) -> dict[str, HcpcsCode]:
        """Known HCPCS codes among `codes`."""
        wanted = set(codes)
        with self._lock:
            if missing := wanted - self._hcpcs.keys():
                found = self._tables.hcpcs(missing)
                self._hcpcs.update({c: found.get(c) for c in missing})
            return {c: v for c in wanted if (v := self._hcpcs[c]) is not None}

    def mue(self, codes: Iterable[str]) -> dict[str, MueLimit]:
        """MUE limits of `codes`."""
        wanted = set(codes)
        with self._lock:
            if missing := wanted - self._mue.keys():
                found = self._tables.mue(missing)
                self._mue.update({c: found.get(c) for c in missing})
            return {c: v for c in wanted if (v := self._mue[c]) is not None}

    def ptp(self, pairs: Iterable[tuple[str, str]]) -> list[PtpEdit]:
        """Edits of the given pairs."""
        wanted = set(pairs)
        with self._lock:
            if missing := wanted - self._ptp.keys():
                self._ptp.update({p: [] for p in missing})
                for edit in self._tables.ptp(missing):
                    self._ptp.setdefault((edit.column1, edit.column2), []).append(edit)
            return [e for p in sorted(wanted) for e in self._ptp[p]]


def _read(path: Path) -> str:
    # CMS publishes these files in Windows-1252/Latin-1; descriptions may hold such letters.
    return path.read_bytes().decode("latin-1")


def import_hcpcs(path: Path, sink: ReferenceSink) -> int:
    """Import the Level II codes and modifiers of a CMS HCPCS contractor file."""
    return sink.put_hcpcs(list(level2_only(parse_hcpcs(_read(path)))), path.name)


def import_ncci(path: Path, sink: ReferenceSink) -> int:
    """Import the edits of a CMS NCCI practitioner PTP file."""
    return sink.put_ptp(list(parse_ptp(_read(path))), path.name)


def import_mue(path: Path, sink: ReferenceSink) -> int:
    """Import the limits of a CMS practitioner services MUE file."""
    return sink.put_mue(list(parse_mue(_read(path))), path.name)
