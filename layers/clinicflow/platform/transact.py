"""Labelled DynamoDB write transactions.

A `Transaction` collects puts, updates, deletes and condition checks, each with a label,
and commits them all or nothing. When DynamoDB cancels the transaction, the caller learns
which labelled items failed their condition (`ConditionsFailedError.failed`), so it can
answer a precise 404/409. Cancellations caused only by a concurrent transaction on the
same items (`TransactionConflict`) are retried a few times before being reported.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from clinicflow.platform.config import settings

_Op = Callable[[TransactWrite], None]


class ConditionsFailedError(Exception):
    """A transaction was cancelled; `failed` names the items whose condition failed."""

    def __init__(self, failed: frozenset[str], *, conflict: bool = False) -> None:
        super().__init__("transaction cancelled")
        self.failed = failed
        self.conflict = conflict


@dataclass
class Transaction:
    """All-or-nothing writes to one or more tables, each item labelled."""

    _checks: list[tuple[str, _Op]] = field(default_factory=list)
    _deletes: list[tuple[str, _Op]] = field(default_factory=list)
    _puts: list[tuple[str, _Op]] = field(default_factory=list)
    _updates: list[tuple[str, _Op]] = field(default_factory=list)

    def check(
        self, label: str, model: type[Model], hash_key: str, range_key: str, condition: Condition
    ) -> None:
        """Require `condition` on an item without writing it."""
        self._checks.append(
            (label, lambda t: t.condition_check(model, hash_key, range_key, condition=condition))
        )

    def put(self, label: str, item: Model, condition: Condition | None = None) -> None:
        """Put a whole item."""
        self._puts.append((label, lambda t: t.save(item, condition=condition)))

    def delete(self, label: str, item: Model, condition: Condition | None = None) -> None:
        """Delete an item."""
        self._deletes.append(
            (label, lambda t: t.delete(item, condition=condition, add_version_condition=False))
        )

    def update(
        self,
        label: str,
        item: Model,
        actions: Sequence[Action],
        condition: Condition | None = None,
    ) -> None:
        """Update attributes of an item."""
        self._updates.append(
            (
                label,
                lambda t: t.update(
                    item, list(actions), condition=condition, add_version_condition=False
                ),
            )
        )

    def __len__(self) -> int:
        return len(self._checks) + len(self._deletes) + len(self._puts) + len(self._updates)

    def _labels(self) -> list[str]:
        # pynamodb sends condition checks, deletes, puts, then updates: reasons follow that order.
        return [label for label, _ in (*self._checks, *self._deletes, *self._puts, *self._updates)]

    def commit(self, *, attempts: int = 4) -> None:
        """Write everything or nothing; raise ConditionsFailedError naming failed items."""
        ops = [op for _, op in (*self._checks, *self._deletes, *self._puts, *self._updates)]
        for attempt in range(1, attempts + 1):
            try:
                with TransactWrite(connection=_connection()) as tx:
                    for op in ops:
                        op(tx)
                return
            except TransactWriteError as exc:
                failed, conflict = _reasons(exc, self._labels())
                if failed:
                    raise ConditionsFailedError(frozenset(failed)) from None
                if not conflict:
                    raise
                if attempt == attempts:
                    raise ConditionsFailedError(frozenset(), conflict=True) from None
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 (jitter only)


def _reasons(exc: TransactWriteError, labels: list[str]) -> tuple[list[str], bool]:
    failed: list[str] = []
    conflict = exc.cause_response_code in {
        "TransactionConflictException",
        "TransactionInProgressException",
    }
    for label, reason in zip(labels, exc.cancellation_reasons, strict=False):
        code = getattr(reason, "code", None)
        if code == "ConditionalCheckFailed":
            failed.append(label)
        elif code == "TransactionConflict":
            conflict = True
    return failed, conflict


_connections: dict[str, Connection] = {}


def _connection() -> Connection:
    """The process's DynamoDB connection for transactions (one botocore client per region:
    creating a client costs ~0.2 s of CPU, far more than the call)."""
    region = settings().region
    if region not in _connections:
        _connections[region] = Connection(region=region)
    return _connections[region]
