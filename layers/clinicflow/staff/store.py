"""DynamoDB adapter of the staff index (main table).

Cognito's ListUsers cannot filter on custom attributes, so the practice's staff are
listed from this index: PK `<practice>#STAFF`, SK `<username>`, one item per user,
written when they are invited and updated with every change (in one transaction with
the change's audit record, conditioned on the version read).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem, put_condition
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError
from clinicflow.platform.identity import Role
from clinicflow.platform.transact import ConditionsFailedError, Transaction
from clinicflow.staff.model import StaffMember


def staff_pk(practice_id: str) -> str:
    """Partition of a practice's staff index."""
    return tenant_key(practice_id, "STAFF")


class StaffItem(MainModel):
    """Storage shape of a staff index entry (staff contact details, never PHI)."""

    entity = UnicodeAttribute(default="staff")
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    roles: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute)
    locations: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, default=list)
    enabled = BooleanAttribute()
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute()

    @classmethod
    def of(cls, m: StaffMember) -> StaffItem:
        """The item storing a member."""
        return cls(
            pk=staff_pk(m.practice_id),
            sk=m.username,
            email=m.email,
            name=m.name,
            roles=sorted(r.value for r in m.roles),
            locations=list(m.locations),
            enabled=m.enabled,
            version=m.version,
            created_at=m.created_at,
            created_by=m.created_by,
            updated_at=m.updated_at,
            updated_by=m.updated_by,
        )

    def to_member(self, practice_id: str) -> StaffMember:
        """The domain member."""
        known = {r.value: r for r in Role}
        return StaffMember(
            practice_id=practice_id,
            username=self.sk,
            email=self.email,
            name=self.name,
            roles=frozenset(known[r] for r in self.roles or [] if r in known),
            locations=tuple(str(x) for x in self.locations or []),
            enabled=bool(self.enabled),
            version=int(self.version),
            created_at=self.created_at,
            created_by=self.created_by,
            updated_at=self.updated_at,
            updated_by=self.updated_by,
        )


class DynamoStaffStore:
    """StaffRepository on the main table."""

    def get(self, practice_id: str, username: str) -> StaffMember | None:
        """GetItem on the practice's partition."""
        try:
            item = StaffItem.get(staff_pk(practice_id), username, consistent_read=True)
        except StaffItem.DoesNotExist:
            return None
        return item.to_member(practice_id)

    def list_members(self, practice_id: str) -> list[StaffMember]:
        """Query on the practice's partition (all pages), by username."""
        return [item.to_member(practice_id) for item in StaffItem.query(staff_pk(practice_id))]

    def save(self, member: StaffMember, *, previous_version: int, audit: AuditRecord) -> None:
        """Put the member and the audit record atomically, if the version is unchanged."""
        condition = (
            StaffItem.pk.does_not_exist()
            if previous_version == 0
            else StaffItem.version == previous_version
        )
        tx = Transaction()
        tx.put("staff", StaffItem.of(member), condition)
        tx.put("audit", AuditItem.from_record(audit), put_condition())
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            raise ConflictError(
                "the staff member was changed by someone else; reload and retry"
            ) from exc
