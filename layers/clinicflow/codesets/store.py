"""DynamoDB adapter of the imported reference tables (HCPCS Level II, NCCI PTP, MUE).

They are national reference data, not a practice's: their keys start with the reserved
partition prefix `_codesets` (practice ids never start with "_"), and hold no PHI.
- HCPCS code:  PK `_codesets#HCPCS`, SK `<code>`
- PTP pair:    PK `_codesets#PTP#<column 1>`, SK `<column 2>`, holding every dated edit of
               the pair (a claim's pairs are read with one BatchGetItem)
- MUE:         PK `_codesets#MUE`, SK `<code>`
- table info:  PK `_codesets#META`, SK `HCPCS` | `PTP` | `MUE` (what was imported, when)
An import replaces items of the same key, so re-running one is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from clinicflow.codesets.procedures import HcpcsCode, MueLimit, PtpEdit
from clinicflow.platform.dynamo import SEP, MainModel

PREFIX = "_codesets"
_BATCH = 100


def _pk(*parts: str) -> str:
    return SEP.join((PREFIX, *parts))


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class HcpcsItem(MainModel):
    """Storage shape of a HCPCS Level II code or modifier."""

    entity = UnicodeAttribute(default="hcpcs")
    short_description = UnicodeAttribute(default="")
    long_description = UnicodeAttribute(default="")
    added = UnicodeAttribute(null=True)
    terminated = UnicodeAttribute(null=True)
    is_modifier = BooleanAttribute(default=False)


class PtpWindow(MapAttribute[str, Any]):
    """One dated edit of a pair."""

    effective = UnicodeAttribute()
    deleted = UnicodeAttribute(null=True)
    modifier_indicator = UnicodeAttribute()


class PtpItem(MainModel):
    """Storage shape of the NCCI edits of one (column 1, column 2) pair."""

    entity = UnicodeAttribute(default="ptp")
    windows = ListAttribute(of=PtpWindow)


class MueItem(MainModel):
    """Storage shape of an MUE limit."""

    entity = UnicodeAttribute(default="mue")
    units = NumberAttribute()
    adjudication_indicator = UnicodeAttribute()
    rationale = UnicodeAttribute(default="")


class MetaItem(MainModel):
    """What was imported into a table, and when."""

    entity = UnicodeAttribute(default="codeset_meta")
    source = UnicodeAttribute()
    rows = NumberAttribute()
    imported_at = UnicodeAttribute()


class DynamoReferenceTables:
    """The ReferenceTables port (scrubber) and the import sink (codesets service)."""

    # --- reads ----------------------------------------------------------------------------
    def loaded(self) -> frozenset[str]:
        """Which tables ("HCPCS", "PTP", "MUE") have been imported."""
        return frozenset(item.sk for item in MetaItem.query(_pk("META")))

    def hcpcs(self, codes: Iterable[str]) -> dict[str, HcpcsCode]:
        """The stored HCPCS codes among `codes`."""
        keys = [(_pk("HCPCS"), c) for c in sorted(set(codes))]
        found: dict[str, HcpcsCode] = {}
        for start in range(0, len(keys), _BATCH):
            for item in HcpcsItem.batch_get(keys[start : start + _BATCH]):
                found[item.sk] = HcpcsCode(
                    code=item.sk,
                    short_description=item.short_description,
                    long_description=item.long_description,
                    added=_day(item.added),
                    terminated=_day(item.terminated),
                    is_modifier=bool(item.is_modifier),
                )
        return found

    def ptp(self, pairs: Iterable[tuple[str, str]]) -> list[PtpEdit]:
        """Every stored edit of the given (column 1, column 2) pairs."""
        keys = [(_pk("PTP", a), b) for a, b in sorted(set(pairs))]
        edits: list[PtpEdit] = []
        for start in range(0, len(keys), _BATCH):
            for item in PtpItem.batch_get(keys[start : start + _BATCH]):
                column1 = item.pk.rsplit(SEP, 1)[1]
                for w in item.windows:
                    edits.append(
                        PtpEdit(
                            column1,
                            item.sk,
                            date.fromisoformat(w.effective),
                            _day(w.deleted),
                            w.modifier_indicator,
                        )
                    )
        return edits

    def mue(self, codes: Iterable[str]) -> dict[str, MueLimit]:
        """The stored MUE limits of `codes`."""
        keys = [(_pk("MUE"), c) for c in sorted(set(codes))]
        found: dict[str, MueLimit] = {}
        for start in range(0, len(keys), _BATCH):
            for item in MueItem.batch_get(keys[start : start + _BATCH]):
                found[item.sk] = MueLimit(
                    item.sk, int(item.units), item.adjudication_indicator, item.rationale
                )
        return found

    # --- writes (the import commands) -----------------------------------------------------
    def put_hcpcs(self, codes: Sequence[HcpcsCode], source: str) -> int:
        """Store the codes (replacing any of the same code)."""
        with HcpcsItem.batch_write() as batch:
            for c in codes:
                batch.save(
                    HcpcsItem(
                        pk=_pk("HCPCS"),
                        sk=c.code,
                        short_description=c.short_description,
                        long_description=c.long_description,
                        added=c.added.isoformat() if c.added else None,
                        terminated=c.terminated.isoformat() if c.terminated else None,
                        is_modifier=c.is_modifier,
                    )
                )
        self._meta("HCPCS", source, len(codes))
        return len(codes)

    def put_ptp(self, edits: Sequence[PtpEdit], source: str) -> int:
        """Store the edits grouped by pair (replacing the pairs' stored windows)."""
        pairs: dict[tuple[str, str], list[PtpEdit]] = {}
        for e in edits:
            pairs.setdefault((e.column1, e.column2), []).append(e)
        with PtpItem.batch_write() as batch:
            for (a, b), group in pairs.items():
                windows = [
                    PtpWindow(
                        effective=e.effective.isoformat(),
                        deleted=e.deleted.isoformat() if e.deleted else None,
                        modifier_indicator=e.modifier_indicator,
                    )
                    for e in group
                ]
                batch.save(PtpItem(pk=_pk("PTP", a), sk=b, windows=windows))
        self._meta("PTP", source, len(edits))
        return len(edits)

    def put_mue(self, limits: Sequence[MueLimit], source: str) -> int:
        """Store the limits (replacing any of the same code)."""
        with MueItem.batch_write() as batch:
            for m in limits:
                batch.save(
                    MueItem(
                        pk=_pk("MUE"),
                        sk=m.code,
                        units=m.units,
                        adjudication_indicator=m.adjudication_indicator,
                        rationale=m.rationale,
                    )
                )
        self._meta("MUE", source, len(limits))
        return len(limits)

    def _meta(self, table: str, source: str, count: int) -> None:
        MetaItem(
            pk=_pk("META"),
            sk=table,
            source=source,
            rows=count,
            imported_at=datetime.now(UTC).isoformat(),
        ).save()
