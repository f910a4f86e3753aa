from clinicflow.audit.model import Action, AuditRecord
from clinicflow.audit.store import list_records, write_records
from clinicflow.platform.identity import Caller, Role


def test_audit_records_round_trip_newest_first(tables):
    caller = Caller("frontdesk1", "prac1", frozenset({Role.FRONT_DESK}), "10.0.0.1")
    write_records(
        [
            AuditRecord.of(caller, Action.READ, "patient", f"pat{i}", patient_id=f"pat{i}")
            for i in range(3)
        ]
    )
    records, _ = list_records("prac1")
    assert [r.resource_id for r in records] == ["pat2", "pat1", "pat0"]
    assert list_records("prac2")[0] == []
    only, _ = list_records("prac1", subject_id="pat1")
    assert [r.actor for r in only] == ["frontdesk1"]
