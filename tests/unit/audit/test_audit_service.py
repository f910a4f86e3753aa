"""Audit listing: filters, `since`, limits and cursors that cannot cross practices."""

from datetime import UTC, datetime

import pytest

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.audit.service import AuditQuery, list_audit, parse_since
from clinicflow.platform.cursor import encode_cursor
from clinicflow.platform.errors import Problems, ValidationError
from clinicflow.platform.identity import Caller, Role

ADMIN = Caller("sunrise-admin", "sunrise", frozenset({Role.ADMIN}))


class FakeReader:
    """Stands in for audit.store.list_records and remembers how it was called."""

    def __init__(self, last_key=None):
        self.calls = []
        self.last_key = last_key

    def __call__(self, practice_id, *, subject_id, since, limit, cursor):
        self.calls.append((practice_id, subject_id, since, limit, cursor))
        record = AuditRecord(practice_id, "u", Action.READ, "patient", "pat-1", "10.0.0.1")
        return [record], self.last_key


def test_lists_the_callers_practice_with_a_next_cursor():
    key = {"PK": {"S": "sunrise#AUDIT"}, "SK": {"S": "2026-11-29T10:00:00+00:00#abc"}}
    reader = FakeReader(last_key=key)
    page = list_audit(ADMIN, AuditQuery(limit=10), reader=reader)
    assert reader.calls == [("sunrise", "", None, 10, None)]
    again = list_audit(ADMIN, AuditQuery(cursor=page.cursor), reader=reader)
    assert reader.calls[-1][4] == key and again.cursor == page.cursor


def test_patient_filter_and_since_are_passed_as_utc():
    reader = FakeReader()
    list_audit(
        ADMIN, AuditQuery(patient_id="pat-7f3a", since="2026-11-01T06:00:00-06:00"), reader=reader
    )
    assert reader.calls == [
        ("sunrise", "pat-7f3a", datetime(2026, 11, 1, 12, tzinfo=UTC), 50, None)
    ]


def test_cursor_of_another_practice_or_subject_is_refused():
    reader = FakeReader()
    foreign = encode_cursor({"PK": {"S": "lakeside#AUDIT"}, "SK": {"S": "x"}})
    with pytest.raises(ValidationError) as exc:
        list_audit(ADMIN, AuditQuery(cursor=foreign), reader=reader)
    assert [e.field for e in exc.value.errors] == ["cursor"]
    other_subject = encode_cursor(
        {
            "PK": {"S": "sunrise#AUDIT"},
            "SK": {"S": "x"},
            "GSI1PK": {"S": "sunrise#AUDIT#pat-2"},
            "GSI1SK": {"S": "x"},
        }
    )
    with pytest.raises(ValidationError):
        list_audit(ADMIN, AuditQuery(patient_id="pat-1", cursor=other_subject), reader=reader)
    for junk in ("!!!", "bm90IGpzb24", "eyJQSyI6MX0"):
        with pytest.raises(ValidationError):
            list_audit(ADMIN, AuditQuery(cursor=junk), reader=reader)
    assert reader.calls == []


def test_bad_filters_name_each_field():
    with pytest.raises(ValidationError) as exc:
        list_audit(
            ADMIN,
            AuditQuery(patient_id="a#b", resource_id="r", since="yesterday", limit=0),
            reader=FakeReader(),
        )
    assert [e.field for e in exc.value.errors] == ["patient_id", "resource_id", "since", "limit"]


def test_parse_since_treats_a_naive_time_as_utc():
    assert parse_since("2026-11-01", Problems()) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T00:00:00Z", Problems()) == datetime(2026, 11, 1, tzinfo=UTC)
