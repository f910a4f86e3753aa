"""Payer directory use cases.

`get_payer(practice_id, payer_id)` is the entry point other capabilities use (coverages
check that a coverage's payer exists). Ports default to the DynamoDB store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.platform.identity import Caller
from clinicflow.practice.model import Stamp
from clinicflow.practice.payers.model import PAYER_ID, Payer, PayerInput

MAX_PAGE = 200


@dataclass(frozen=True)
class PayerPage:
    """One page of the directory, in payer id order, with the cursor of the next page."""

    payers: list[Payer]
    cursor: str | None


class PayerRepository(Protocol):
    """Storage of payer directory entries (PK `<practice>#PAYER`, SK payer id)."""

    def get_payer(self, practice_id: str, payer_id: str) -> Payer | None:
        """One payer of the practice's directory."""
        ...

    def list_payers(self, practice_id: str, *, limit: int, cursor: str | None) -> PayerPage:
        """A page of the directory; a foreign or malformed cursor is a ValidationError."""
        ...

    def save_payer(self, payer: Payer, *, previous_version: int, audit: AuditRecord) -> None:
        """Write the payer and its audit record in one transaction, on condition that the
        stored version is `previous_version` (0: absent); ConflictError otherwise."""
        ...


_default: PayerRepository | None = None


def default_repository() -> PayerRepository:
    """The DynamoDB store (created on first use)."""
    global _default
    if _default is None:
        from clinicflow.practice.payers.store import DynamoPayerStore

        _default = DynamoPayerStore()
    return _default


def get_payer(practice_id: str, payer_id: str, *, repo: PayerRepository | None = None) -> Payer:
    """A payer of the practice's directory, or NotFoundError."""
    payer = None
    if PAYER_ID.match(payer_id):
        payer = (repo or default_repository()).get_payer(practice_id, payer_id)
    if payer is None:
        raise NotFoundError("payer not found in the practice's directory")
    return payer


def list_payers(
    practice_id: str,
    *,
    limit: int = 100,
    cursor: str | None = None,
    repo: PayerRepository | None = None,
) -> PayerPage:
    """A page of the practice's payer directory, by payer id."""
    limit = max(1, min(limit, MAX_PAGE))
    return (repo or default_repository()).list_payers(practice_id, limit=limit, cursor=cursor)


def put_payer(
    caller: Caller,
    payer_id: str,
    data: PayerInput,
    *,
    expected_version: int | None = None,
    repo: PayerRepository | None = None,
) -> tuple[Payer, bool]:
    """Create or replace a payer of the caller's directory; returns it and whether it is new."""
    repo = repo or default_repository()
    payer = Payer.build(caller.practice_id, payer_id, data, Stamp())  # 422 before any read
    current = repo.get_payer(caller.practice_id, payer_id)
    base = current.stamp if current else Stamp()
    payer = replace(payer, stamp=base.next(caller.username))
    if expected_version is not None and expected_version != base.version:
        raise ConflictError(
            "the payer changed since it was read; reload it and retry",
            details={"current_version": base.version},
        )
    action = Action.UPDATE if current else Action.CREATE
    audit = AuditRecord.of(caller, action, "payer", payer_id)
    repo.save_payer(payer, previous_version=base.version, audit=audit)
    return payer, current is None


def seed_default_payers(caller: Caller, *, repo: PayerRepository | None = None) -> list[Payer]:
    """Add the default (synthetic) directory to the caller's practice; idempotent.

    Payers already in the directory are left as they are. Returns the payers added.
    """
    from clinicflow.practice.payers.defaults import default_payers

    repo = repo or default_repository()
    added: list[Payer] = []
    for payer_id, data in default_payers():
        if repo.get_payer(caller.practice_id, payer_id) is not None:
            continue
        payer = Payer.build(caller.practice_id, payer_id, data, Stamp().next(caller.username))
        audit = AuditRecord.of(caller, Action.CREATE, "payer", payer_id)
        try:
            repo.save_payer(payer, previous_version=0, audit=audit)
        except ConflictError:
            continue  # added concurrently: keep theirs
        added.append(payer)
    return added
