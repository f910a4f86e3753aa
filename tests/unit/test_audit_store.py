"""The append-only audit store on DynamoDB Local."""

from __future__ import annotations

import pytest
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.audit.store import AuditItem, list_records, put_condition, write_records
from clinicflow.platform.identity import Caller, Role

CALLER = Caller("frontdesk1", "prac1", frozenset({Role.FRONT_DESK}), "10.0.0.1")


def _read(i: int) -> AuditRecord:
    return AuditRecord.of(CALLER, Action.READ, "patient", f"pat{i}", patient_id=f"pat{i}")


def test_records_come_back_newest_first_per_practice_and_per_patient(tables):
    write_records([_read(i) for i in range(3)])
    records, _ = list_records("prac1")
    assert [r.resource_id for r in records] == ["pat2", "pat1", "pat0"]
    assert list_records("prac2")[0] == []
    only, _ = list_records("prac1", subject_id="pat1")
    assert [(r.actor, r.source_ip) for r in only] == [("frontdesk1", "10.0.0.1")]


def test_more_records_than_one_transaction_holds_are_all_written(tables):
    write_records([_read(i) for i in range(150)])
    seen, cursor = [], None
    while True:
        page, cursor = list_records("prac1", limit=100, cursor=cursor)
        seen += page
        if not cursor:
            break
    assert len({r.record_id for r in seen}) == 150


def test_a_record_can_never_be_overwritten(tables):
    record = _read(1)
    write_records([record])
    with (
        pytest.raises(TransactWriteError),
        TransactWrite(connection=Connection(region="us-east-1")) as transaction,
    ):
        transaction.save(AuditItem.from_record(record), condition=put_condition())
