"""The billing cycle's collect step caps the number of chunks (payload and history limits)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from submission_support import PRACTICE, make_ports

from clinicflow.claims.model import Encounter, EncounterInput, EncounterStatus, ServiceLine
from clinicflow.claims.store import encounter_item
from clinicflow.claims.submission import cycle

pytestmark = pytest.mark.usefixtures("tables")


def _signed(n: int) -> None:
    at = datetime(2026, 5, 5, tzinfo=UTC)
    data = EncounterInput(
        "pat-1", "cov-1", "prov-1", "loc-1", date(2026, 5, 4), ("E11.9",),
        (ServiceLine("99213", Decimal(1), (1,)),),
    )  # fmt: skip
    for i in range(n):
        encounter_item(
            Encounter(PRACTICE, f"enc-{i:03d}", data, EncounterStatus.SIGNED, "dr", at)
        ).save()


def _sizes(ports: object, out: dict[str, object]) -> list[int]:
    store = ports.store  # type: ignore[attr-defined]
    return [
        len(store.chunk(PRACTICE, out["cycle_id"], n)["work"])
        for n in range(int(out["chunk_count"]))  # type: ignore[call-overload]
    ]


def test_chunks_grow_instead_of_multiplying_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    _signed(23)
    ports, *_ = make_ports()
    monkeypatch.setenv("BILLING_CHUNK_SIZE", "5")
    out = cycle.collect({"practice_id": PRACTICE, "execution": "arn:x:c1"}, ports)
    assert out["work_items"] == 23 and _sizes(ports, out) == [5, 5, 5, 5, 3]
    monkeypatch.setattr(cycle, "MAX_CHUNKS", 3)
    out = cycle.collect({"practice_id": PRACTICE, "execution": "arn:x:c2"}, ports)
    assert out["chunk_count"] == 3 and _sizes(ports, out) == [8, 8, 7]
    assert len(out["chunks"]) == 3  # the Map's items: one small descriptor per chunk
