"""Audit table adapter. Functions may put and query; IAM grants no update or delete."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.config import settings
from clinicflow.platform.dynamo import tenant_key
from clinicflow.platform.transact import Transaction


class ByResourceIndex(GlobalSecondaryIndex["AuditItem"]):
    """Audit records of one resource (a patient, a coverage), newest first."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class AuditItem(Model):
    """Storage shape of an audit record."""

    class Meta:
        table_name = settings().audit_table_name
        region = settings().region

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    resource_type = UnicodeAttribute()
    resource_id = UnicodeAttribute()
    patient_id = UnicodeAttribute(default="")
    source_ip = UnicodeAttribute(default="")
    at = UTCDateTimeAttribute()
    by_resource = ByResourceIndex()

    @classmethod
    def from_record(cls, r: AuditRecord) -> AuditItem:
        """The item to put for a record (in a transaction or a batch)."""
        sort = f"{r.at.isoformat()}#{r.record_id}"
        subject = r.patient_id or r.resource_id
        return cls(
            pk=tenant_key(r.practice_id, "AUDIT"),
            sk=sort,
            gsi1pk=tenant_key(r.practice_id, "AUDIT", subject),
            gsi1sk=sort,
            actor=r.actor,
            action=r.action.value,
            resource_type=r.resource_type,
            resource_id=r.resource_id,
            patient_id=r.patient_id,
            source_ip=r.source_ip,
            at=r.at,
        )

    def to_record(self, practice_id: str) -> AuditRecord:
        """The domain record this item stores."""
        return AuditRecord(
            practice_id=practice_id,
            actor=self.actor,
            action=Action(self.action),
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            source_ip=self.source_ip,
            at=self.at,
            record_id=self.sk.rsplit("#", 1)[-1],
            patient_id=self.patient_id,
        )


TRANSACTION_LIMIT = 100  # DynamoDB's maximum actions per TransactWriteItems


def put_condition() -> Condition:
    """Condition for every audit put: never overwrite an existing record."""
    return AuditItem.pk.does_not_exist()


def write_records(records: Iterable[AuditRecord]) -> None:
    """Append read records (e.g. one per patient a search returned).

    Transactions of conditional puts, not BatchWriteItem: IAM then grants only PutItem,
    and no record can ever overwrite another. A transaction conflict is retried.
    """
    pending = list(records)
    for start in range(0, len(pending), TRANSACTION_LIMIT):
        transaction = Transaction()
        for record in pending[start : start + TRANSACTION_LIMIT]:
            transaction.put("audit", AuditItem.from_record(record), put_condition())
        transaction.commit()


def list_records(
    practice_id: str,
    *,
    subject_id: str = "",
    since: datetime | None = None,
    limit: int = 50,
    cursor: dict[str, dict[str, str]] | None = None,
) -> tuple[list[AuditRecord], dict[str, dict[str, str]] | None]:
    """Newest-first audit records of a practice, or of one patient/resource."""
    condition = AuditItem.sk >= since.isoformat() if since else None
    if subject_id:
        result = AuditItem.by_resource.query(
            tenant_key(practice_id, "AUDIT", subject_id),
            AuditItem.gsi1sk >= since.isoformat() if since else None,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=cursor,
        )
    else:
        result = AuditItem.query(
            tenant_key(practice_id, "AUDIT"),
            condition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=cursor,
        )
    items = [item.to_record(practice_id) for item in result]
    return items, result.last_evaluated_key
