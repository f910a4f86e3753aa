"""DynamoDB adapter of the patient ports (see docs/data-model.md, "Patients").

Items (main table, every key prefixed with the practice id):

- patient      PK `<p>#PATIENT#<id>`            SK `PATIENT`
               GSI1 `<p>#PATIENTS` / `<updated>#<id>` (recent patients)
- MRN          PK `<p>#MRN#<mrn>`               SK `MRN`      (uniqueness + lookup)
- duplicate    PK `<p>#PDUP#<last>#<first>#<dob>` SK `DUP`    (ids sharing name + DOB)
- name index   PK `<p>#PIDX#NAME#<l>`           SK `<last>#<first>#<dob>#<id>`
- DOB index    PK `<p>#PIDX#DOB#<dob>`          SK `<last>#<first>#<id>`
- phone index  PK `<p>#PIDX#PHONE#<e164>`       SK `<id>`
- MRN counter  PK `<p>#COUNTER`                 SK `MRN`

Names in keys are folded (accents stripped, lower case, letters and digits only). Every
index item is written in the same transaction as the patient and its audit record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem, write_records
from clinicflow.patients.model import (
    MrnTakenError,
    Patient,
    PatientSearch,
    PatientStatus,
    PossibleDuplicateError,
    StaleVersionError,
    fold,
)
from clinicflow.patients.service import Page
from clinicflow.platform.cursor import Key, decode_cursor, encode_cursor
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.platform.transact import ConditionsFailedError, Transaction

PATIENT_SK = "PATIENT"
_PAGE = 50


def patient_pk(practice_id: str, patient_id: str) -> str:
    """Partition of a patient: the patient item and its coverages."""
    return tenant_key(practice_id, "PATIENT", patient_id)


def _recent_pk(practice_id: str) -> str:
    return tenant_key(practice_id, "PATIENTS")


class RecentIndex(GlobalSecondaryIndex["PatientItem"]):
    """GSI1 over patient items: a practice's patients by last update."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class PatientItem(MainModel):
    """Storage shape of a patient: a few key attributes and the whole record as a map."""

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    entity = UnicodeAttribute(default="patient")
    patient_id = UnicodeAttribute()
    mrn = UnicodeAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute()
    updated_at = UnicodeAttribute()
    doc = MapAttribute[str, Any]()
    recent = RecentIndex()

    @classmethod
    def of(cls, practice_id: str, p: Patient) -> PatientItem:
        """The item storing `p`."""
        updated = p.updated_at.isoformat().replace("+00:00", "Z")
        return cls(
            pk=patient_pk(practice_id, p.id),
            sk=PATIENT_SK,
            gsi1pk=_recent_pk(practice_id),
            gsi1sk=f"{updated}#{p.id}",
            patient_id=p.id,
            mrn=p.mrn,
            status=p.status.value,
            version=p.version,
            updated_at=updated,
            doc=p.model_dump(mode="json", exclude_none=True),
        )

    def to_patient(self) -> Patient:
        """The domain patient this item stores."""
        return Patient.model_validate(self.doc.as_dict())


class MrnItem(MainModel):
    """Claims an MRN for one patient of a practice."""

    patient_id = UnicodeAttribute()


class DuplicateItem(MainModel):
    """The ids of patients sharing one normalised name + DOB."""

    patient_ids = UnicodeSetAttribute(null=True)


class IndexItem(MainModel):
    """One search entry (name, DOB or phone) pointing at a patient."""

    patient_id = UnicodeAttribute()


class CounterItem(MainModel):
    """A practice-wide sequence."""

    value = NumberAttribute(default=0)


def _mrn_key(practice_id: str, mrn: str) -> tuple[str, str]:
    return tenant_key(practice_id, "MRN", mrn), "MRN"


def _dup_key(practice_id: str, key: str) -> tuple[str, str]:
    return tenant_key(practice_id, "PDUP", key), "DUP"


def _index_keys(practice_id: str, p: Patient) -> set[tuple[str, str]]:
    last, first, dob = fold(p.name.last), fold(p.name.first), p.dob.isoformat()
    keys = {
        (tenant_key(practice_id, "PIDX", "NAME", last[:1]), f"{last}#{first}#{dob}#{p.id}"),
        (tenant_key(practice_id, "PIDX", "DOB", dob), f"{last}#{first}#{p.id}"),
    }
    keys |= {(tenant_key(practice_id, "PIDX", "PHONE", ph.number), p.id) for ph in p.phones}
    return keys


def _audit(tx: Transaction, record: AuditRecord) -> None:
    tx.put("audit", AuditItem.from_record(record), AuditItem.pk.does_not_exist())


class DynamoPatientRepository:
    """PatientRepository on the main table."""

    def get(self, practice_id: str, patient_id: str) -> Patient | None:
        """The patient, or None."""
        try:
            item = PatientItem.get(
                patient_pk(practice_id, patient_id), PATIENT_SK, consistent_read=True
            )
        except PatientItem.DoesNotExist:
            return None
        return item.to_patient()

    def get_many(self, practice_id: str, ids: Sequence[str]) -> dict[str, Patient]:
        """Patients by id (missing ids are absent from the result)."""
        keys = [(patient_pk(practice_id, i), PATIENT_SK) for i in dict.fromkeys(ids)]
        found: dict[str, Patient] = {}
        for start in range(0, len(keys), 100):
            for item in PatientItem.batch_get(keys[start : start + 100], consistent_read=True):
                found[item.patient_id] = item.to_patient()
        return found

    def find_duplicates(self, practice_id: str, key: str) -> list[Patient]:
        """Patients sharing the duplicate key."""
        try:
            item = DuplicateItem.get(*_dup_key(practice_id, key), consistent_read=True)
        except DuplicateItem.DoesNotExist:
            return []
        found = self.get_many(practice_id, sorted(item.patient_ids or ()))
        return list(found.values())

    def find_by_mrn(self, practice_id: str, mrn: str) -> Patient | None:
        """The patient holding the MRN, or None."""
        try:
            item = MrnItem.get(*_mrn_key(practice_id, mrn), consistent_read=True)
        except MrnItem.DoesNotExist:
            return None
        return self.get(practice_id, item.patient_id)

    def next_mrn(self, practice_id: str) -> int:
        """Atomically advance the practice's MRN sequence."""
        counter = CounterItem(tenant_key(practice_id, "COUNTER"), "MRN")
        counter.update(actions=[CounterItem.value.add(1)])
        return int(counter.value)

    def add(
        self, practice_id: str, patient: Patient, audit: AuditRecord, *, allow_duplicate: bool
    ) -> None:
        """Create the patient, its MRN claim, index entries and audit record atomically."""
        tx = Transaction()
        tx.put("patient", PatientItem.of(practice_id, patient), PatientItem.pk.does_not_exist())
        tx.put(
            "mrn",
            MrnItem(*_mrn_key(practice_id, patient.mrn), patient_id=patient.id),
            MrnItem.pk.does_not_exist(),
        )
        tx.update(
            "duplicate",
            DuplicateItem(*_dup_key(practice_id, patient.duplicate_key)),
            [DuplicateItem.patient_ids.add({patient.id})],
            None if allow_duplicate else DuplicateItem.patient_ids.does_not_exist(),
        )
        for pk, sk in _index_keys(practice_id, patient):
            tx.put("index", IndexItem(pk, sk, patient_id=patient.id))
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "mrn" in exc.failed:
                raise MrnTakenError() from None
            if "duplicate" in exc.failed:
                raise PossibleDuplicateError([]) from None
            raise ConflictError("the patient was changed concurrently; retry") from None

    def replace(
        self, practice_id: str, before: Patient, after: Patient, audit: AuditRecord
    ) -> None:
        """Store `after` over `before`, moving MRN, duplicate and index entries atomically."""
        tx = Transaction()
        tx.put(
            "patient",
            PatientItem.of(practice_id, after),
            PatientItem.version == before.version,
        )
        if after.mrn != before.mrn:
            tx.delete(
                "old-mrn",
                MrnItem(*_mrn_key(practice_id, before.mrn)),
                MrnItem.patient_id == before.id,
            )
            tx.put(
                "mrn",
                MrnItem(*_mrn_key(practice_id, after.mrn), patient_id=after.id),
                MrnItem.pk.does_not_exist(),
            )
        if after.duplicate_key != before.duplicate_key:
            tx.update(
                "old-duplicate",
                DuplicateItem(*_dup_key(practice_id, before.duplicate_key)),
                [DuplicateItem.patient_ids.delete({before.id})],
            )
            tx.update(
                "duplicate",
                DuplicateItem(*_dup_key(practice_id, after.duplicate_key)),
                [DuplicateItem.patient_ids.add({after.id})],
            )
        old, new = _index_keys(practice_id, before), _index_keys(practice_id, after)
        for pk, sk in old - new:
            tx.delete("index", IndexItem(pk, sk))
        for pk, sk in new - old:
            tx.put("index", IndexItem(pk, sk, patient_id=after.id))
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "mrn" in exc.failed:
                raise MrnTakenError() from None
            current = self.get(practice_id, before.id)
            if current is None:
                raise NotFoundError("patient not found") from None
            raise StaleVersionError(current.version) from None

    def search(
        self, practice_id: str, criteria: PatientSearch, *, limit: int, cursor: str | None
    ) -> Page:
        """Serve the criteria from the most selective index: MRN, phone, DOB, then name."""
        if criteria.mrn:
            patient = self.find_by_mrn(practice_id, criteria.mrn)
            return Page([patient] if patient and criteria.matches(patient) else [], None)
        if criteria.phone:
            pk, prefix = tenant_key(practice_id, "PIDX", "PHONE", criteria.phone), ""
        elif criteria.dob:
            pk = tenant_key(practice_id, "PIDX", "DOB", criteria.dob.isoformat())
            prefix = criteria.last_prefix
        else:
            last = criteria.last_prefix
            pk, prefix = tenant_key(practice_id, "PIDX", "NAME", last[:1]), last
        return self._collect(
            practice_id, pk=pk, prefix=prefix, criteria=criteria, limit=limit, cursor=cursor
        )

    def _collect(
        self,
        practice_id: str,
        *,
        pk: str,
        prefix: str,
        criteria: PatientSearch,
        limit: int,
        cursor: str | None,
    ) -> Page:
        start: Key | None = decode_cursor(cursor, partition=("PK", pk))
        found: list[Patient] = []
        while True:
            result = IndexItem.query(
                pk,
                IndexItem.sk.startswith(prefix) if prefix else None,
                consistent_read=True,
                limit=_PAGE,
                last_evaluated_key=start,
            )
            entries = list(result)
            patients = self.get_many(practice_id, [e.patient_id for e in entries])
            for entry in entries:
                patient = patients.get(entry.patient_id)
                if patient is not None and criteria.matches(patient):
                    found.append(patient)
                    if len(found) == limit:
                        last: Key = {"PK": {"S": entry.pk}, "SK": {"S": entry.sk}}
                        return Page(found, encode_cursor(last))
            start = result.last_evaluated_key
            if not start:
                return Page(found, None)

    def list_recent(
        self, practice_id: str, *, status: PatientStatus | None, limit: int, cursor: str | None
    ) -> Page:
        """Most recently updated first (GSI1)."""
        pk = _recent_pk(practice_id)
        result = PatientItem.recent.query(
            pk,
            scan_index_forward=False,
            filter_condition=(PatientItem.status == status.value) if status else None,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, partition=("GSI1PK", pk)),
        )
        items = [item.to_patient() for item in result]
        more = len(items) == limit and result.last_evaluated_key
        return Page(items, encode_cursor(result.last_evaluated_key) if more else None)


class DynamoAuditLog:
    """AuditLog on the audit table."""

    def append(self, records: Iterable[AuditRecord]) -> None:
        """Batch-append read records."""
        write_records(records)


def require_active_patient(tx: Transaction, practice_id: str, patient_id: str, label: str) -> None:
    """Add a condition check to `tx`: the patient exists in the practice and is active.

    For other slices' transactions (a booking names a patient): no extra read, no race.
    """
    tx.check(
        label,
        PatientItem,
        patient_pk(practice_id, patient_id),
        PATIENT_SK,
        PatientItem.status == PatientStatus.ACTIVE.value,
    )
