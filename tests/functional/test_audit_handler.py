"""functions/audit/app.py with events from events/audit, against DynamoDB Local."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.audit.store import write_records
from clinicflow.platform.identity import Caller, Role

E = "audit/"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def seed():
    sunrise = Caller("sunrise-frontdesk", "sunrise", frozenset({Role.FRONT_DESK}), "203.0.113.5")
    lakeside = Caller("lakeside-frontdesk", "lakeside", frozenset({Role.FRONT_DESK}), "10.1.1.1")
    records = []
    for i in range(6):
        r = AuditRecord.of(
            sunrise, Action.READ, "patient", f"pat-{i % 2}", patient_id=f"pat-{i % 2}"
        )
        records.append(replace(r, at=T0 + timedelta(hours=i)))
    records.append(AuditRecord.of(lakeside, Action.READ, "patient", "pat-0", patient_id="pat-0"))
    write_records(records)


def test_admin_lists_newest_first_and_pages(invoke):
    seed()
    first = invoke("audit", E + "list_audit.json", query={"limit": "4"})
    assert first.status == 200, first.body
    times = [r["at"] for r in first.body["records"]]
    assert times == sorted(times, reverse=True) and len(times) == 4
    assert {r["actor"] for r in first.body["records"]} == {"sunrise-frontdesk"}
    assert first.body["records"][0]["source_ip"] == "203.0.113.5"
    second = invoke(
        "audit", E + "list_audit.json", query={"limit": "4", "cursor": first.body["cursor"]}
    )
    assert len(second.body["records"]) == 2 and second.body["cursor"] is None
    ids = {r["record_id"] for r in first.body["records"] + second.body["records"]}
    assert len(ids) == 6


def test_patient_filter_and_since(invoke):
    seed()
    res = invoke(
        "audit",
        E + "list_audit_for_patient.json",
        query={"patient_id": "pat-1", "since": "2026-11-20T11:30:00Z"},
    )
    assert res.status == 200
    assert [(r["patient_id"], r["at"][:13]) for r in res.body["records"]] == [
        ("pat-1", "2026-11-20T14"),
        ("pat-1", "2026-11-20T12"),
    ]
    everything = invoke("audit", E + "list_audit_for_patient.json")
    assert len(everything.body["records"]) == 0  # the event's patient has no records


def test_other_practices_records_and_cursors_stay_out(invoke):
    seed()
    lake = invoke("audit", E + "list_audit.json", practice_id="lakeside", username="lakeside-admin")
    assert [r["actor"] for r in lake.body["records"]] == ["lakeside-frontdesk"]
    page = invoke("audit", E + "list_audit.json", query={"limit": "1"})
    stolen = invoke(
        "audit",
        E + "list_audit.json",
        practice_id="lakeside",
        query={"cursor": page.body["cursor"]},
    )
    assert stolen.status == 422 and stolen.body["fields"][0]["field"] == "cursor"


@pytest.mark.parametrize("group", ["front-desk", "biller", "provider", ""])
def test_only_admins_read_the_audit_trail(invoke, group):
    assert invoke("audit", E + "list_audit.json", groups=group).status == 403


def test_bad_query_names_fields(invoke):
    res = invoke("audit", E + "list_audit.json", query={"since": "last week", "limit": "0"})
    assert res.status == 422
    assert [f["field"] for f in res.body["fields"]] == ["since", "limit"]
    res = invoke("audit", E + "list_audit.json", query={"limit": "many"})
    assert res.status == 422 and [f["field"] for f in res.body["fields"]] == ["limit"]
    res = invoke("audit", E + "list_audit.json", query={"patient_id": "a/b"})
    assert res.status == 422 and [f["field"] for f in res.body["fields"]] == ["patient_id"]
