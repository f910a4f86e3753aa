"""DynamoDB adapter of messaging (main table; every tenant key starts with the practice id).

- message      PK `<p>#MSG#<message_id>`          SK `MSG`
               GSI1 `<p>#APPTMSG#<appointment_id>` / `<atZ>#<message_id>` (on the appointment)
- suppression  PK `<p>#SUPPRESS#EMAIL#<address>`  SK `SUPPRESS` (bounce, complaint)
- inbound      PK `<p>#SMSIN#<inbound id>`        SK `SMSIN` (dedupe; TTL 30 days)
- task         PK `<p>#TASK#<task_id>`            SK `TASK`  GSI1 `<p>#TASKS#OPEN` while open
- settings     PK `<p>#MSGSET`                    SK `SETTINGS`
- number       PK `ROUTE#SMS#<e164>`              SK `ROUTE` → practice id. The one key that
               is not tenant-scoped: an inbound text names only the number it was sent to,
               and that number is the practice's own (not PHI). A conditional put makes a
               number belong to one practice at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import write_records
from clinicflow.messaging.model import RANK, Channel, MessageRecord, MessageStatus
from clinicflow.messaging.tasks import Task, TaskStatus
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError
from clinicflow.platform.transact import ConditionsFailedError, Transaction

INBOUND_RETENTION = timedelta(days=30)


def zulu(moment: datetime) -> str:
    """A UTC instant as a sortable key part."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _conditional_failed(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", "")
    return cause == "ConditionalCheckFailedException"


class ByGsi1(GlobalSecondaryIndex["MessageItem"]):
    """GSI1: messages of an appointment."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class MessageItem(MainModel):
    """One message: ids, channel, kind, status (monotonic by rank) and its history."""

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK", null=True)
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK", null=True)
    entity = UnicodeAttribute(default="message")
    message_id = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    patient_id = UnicodeAttribute(null=True)
    appointment_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    status_rank = NumberAttribute(null=True)
    status_at = UTCDateTimeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    by_appointment = ByGsi1()

    def to_record(self) -> MessageRecord:
        """The domain record."""
        return MessageRecord(
            message_id=self.message_id or self.pk.rsplit("#", 1)[-1],
            channel=Channel(self.channel or "sms"),
            kind=self.kind or "",
            status=MessageStatus(self.status or "queued"),
            at=self.at or datetime.now(UTC),
            patient_id=self.patient_id or "",
            appointment_id=self.appointment_id or "",
            reason=self.reason or "",
            status_at=self.status_at,
            detail=self.detail or "",
        )


class FlagItem(MainModel):
    """Small marker items: suppressions, inbound dedupe, number routes."""

    practice_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class DocByGsi1(GlobalSecondaryIndex["DocItem"]):
    """GSI1: open tasks."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class DocItem(MainModel):
    """A versioned JSON document (settings, tasks), optionally on GSI1."""

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK", null=True)
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK", null=True)
    version = NumberAttribute(default=1)
    doc = JSONAttribute()
    by_gsi1 = DocByGsi1()


def _message_pk(practice_id: str, message_id: str) -> str:
    return tenant_key(practice_id, "MSG", message_id)


def _route_pk(number: str) -> str:
    return f"ROUTE#SMS#{number}"


class DynamoMessageStore:
    """The messaging store on the main table."""

    # --- messages ----------------------------------------------------------------------
    def record(self, practice_id: str, message: MessageRecord) -> None:
        """Write a message's facts; a status that already arrived is kept (events race)."""
        item = MessageItem(_message_pk(practice_id, message.message_id), "MSG")
        actions: list[Any] = [
            MessageItem.entity.set("message"),
            MessageItem.message_id.set(message.message_id),
            MessageItem.channel.set(message.channel.value),
            MessageItem.kind.set(message.kind),
            MessageItem.patient_id.set(message.patient_id),
            MessageItem.appointment_id.set(message.appointment_id),
            MessageItem.reason.set(message.reason),
            MessageItem.at.set(message.at),
            MessageItem.status.set(MessageItem.status | message.status.value),
            MessageItem.status_rank.set(MessageItem.status_rank | RANK[message.status]),
            MessageItem.status_at.set(MessageItem.status_at | message.at),
        ]
        if message.appointment_id:
            actions += [
                MessageItem.gsi1pk.set(tenant_key(practice_id, "APPTMSG", message.appointment_id)),
                MessageItem.gsi1sk.set(f"{zulu(message.at)}#{message.message_id}"),
            ]
        item.update(actions=actions)

    def update_status(
        self,
        practice_id: str,
        message_id: str,
        status: MessageStatus,
        at: datetime,
        detail: str = "",
    ) -> bool:
        """Raise the message's status; an event of lower rank than the stored one is ignored."""
        item = MessageItem(_message_pk(practice_id, message_id), "MSG")
        rank = RANK[status]
        try:
            item.update(
                actions=[
                    MessageItem.message_id.set(message_id),
                    MessageItem.status.set(status.value),
                    MessageItem.status_rank.set(rank),
                    MessageItem.status_at.set(at),
                    MessageItem.detail.set(detail),
                ],
                condition=MessageItem.status_rank.does_not_exist()
                | (MessageItem.status_rank < rank)
                | ((MessageItem.status_rank == rank) & (MessageItem.status != status.value)),
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def messages_of(self, practice_id: str, appointment_id: str) -> list[MessageRecord]:
        """The messages recorded on an appointment, oldest first."""
        rows = MessageItem.by_appointment.query(tenant_key(practice_id, "APPTMSG", appointment_id))
        return [row.to_record() for row in rows]

    def get(self, practice_id: str, message_id: str) -> MessageRecord | None:
        """One message."""
        try:
            return MessageItem.get(
                _message_pk(practice_id, message_id), "MSG", consistent_read=True
            ).to_record()
        except MessageItem.DoesNotExist:
            return None

    # --- suppressions ------------------------------------------------------------------
    def suppressed(self, practice_id: str, address: str) -> bool:
        """True when email to the address must stop (it bounced or complained)."""
        pk = tenant_key(practice_id, "SUPPRESS", "EMAIL", address.lower())
        try:
            FlagItem.get(pk, "SUPPRESS", consistent_read=True)
        except FlagItem.DoesNotExist:
            return False
        return True

    def suppress(self, practice_id: str, address: str, reason: str, at: datetime) -> None:
        """Stop email to an address."""
        pk = tenant_key(practice_id, "SUPPRESS", "EMAIL", address.lower())
        FlagItem(pk, "SUPPRESS", reason=reason, at=at).save()

    # --- inbound dedupe ----------------------------------------------------------------
    def first_delivery(self, practice_id: str, inbound_id: str, at: datetime) -> bool:
        """True the first time an inbound message id is seen (SNS delivers at least once)."""
        expires = int((at + INBOUND_RETENTION).timestamp())
        item = FlagItem(
            tenant_key(practice_id, "SMSIN", inbound_id), "SMSIN", at=at, expires_at=expires
        )
        try:
            item.save(condition=FlagItem.pk.does_not_exist())
        except PutError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    # --- number routes and settings ----------------------------------------------------
    def practice_of_number(self, number: str) -> str | None:
        """The practice an origination number belongs to."""
        try:
            return FlagItem.get(_route_pk(number), "ROUTE", consistent_read=True).practice_id
        except FlagItem.DoesNotExist:
            return None

    def settings_doc(self, practice_id: str) -> tuple[dict[str, Any], int]:
        """The practice's messaging settings document and version (0: none yet)."""
        try:
            item = DocItem.get(tenant_key(practice_id, "MSGSET"), "SETTINGS", consistent_read=True)
        except DocItem.DoesNotExist:
            return {}, 0
        return dict(item.doc or {}), int(item.version)

    def save_settings(
        self,
        practice_id: str,
        doc: dict[str, Any],
        *,
        previous_version: int,
        old_number: str | None,
        new_number: str | None,
        audit: AuditRecord,
    ) -> None:
        """Store settings on their version, moving the number route in the same transaction."""
        from clinicflow.audit.store import AuditItem, put_condition

        tx = Transaction()
        condition = (
            DocItem.pk.does_not_exist()
            if previous_version == 0
            else DocItem.version == previous_version
        )
        item = DocItem(
            tenant_key(practice_id, "MSGSET"), "SETTINGS", version=previous_version + 1, doc=doc
        )
        tx.put("settings", item, condition)
        if new_number != old_number:
            if old_number:
                tx.delete(
                    "old_route",
                    FlagItem(_route_pk(old_number), "ROUTE"),
                    FlagItem.pk.does_not_exist() | (FlagItem.practice_id == practice_id),
                )
            if new_number:
                tx.put(
                    "route",
                    FlagItem(_route_pk(new_number), "ROUTE", practice_id=practice_id),
                    FlagItem.pk.does_not_exist() | (FlagItem.practice_id == practice_id),
                )
        tx.put("audit", AuditItem.from_record(audit), put_condition())
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "route" in exc.failed:
                raise ConflictError(
                    "sms_number: already used by another practice; a number serves one practice"
                ) from None
            raise ConflictError("the settings changed since they were read; reload them") from None

    # --- tasks -------------------------------------------------------------------------
    def add_task(self, practice_id: str, task: Task) -> None:
        """Store a new front-desk task (idempotent on its id)."""
        item = DocItem(
            tenant_key(practice_id, "TASK", task.task_id),
            "TASK",
            gsi1pk=tenant_key(practice_id, "TASKS", "OPEN"),
            gsi1sk=f"{zulu(task.created_at)}#{task.task_id}",
            doc=task.model_dump(mode="json"),
        )
        try:
            item.save(condition=DocItem.pk.does_not_exist())
        except PutError as exc:
            if not _conditional_failed(exc):
                raise

    def open_tasks(self, practice_id: str, limit: int) -> list[Task]:
        """Open tasks, oldest first."""
        rows = DocItem.by_gsi1.query(tenant_key(practice_id, "TASKS", "OPEN"), limit=limit)
        return [Task.model_validate(r.doc) for r in rows]

    def get_task(self, practice_id: str, task_id: str) -> Task | None:
        """One task."""
        try:
            item = DocItem.get(tenant_key(practice_id, "TASK", task_id), "TASK")
        except DocItem.DoesNotExist:
            return None
        return Task.model_validate(item.doc)

    def close_task(self, practice_id: str, task: Task, audit: AuditRecord) -> None:
        """Mark a task done (it leaves the open list), with its audit record; only one of
        two people closing it at once succeeds (409 for the other)."""
        from clinicflow.audit.store import AuditItem, put_condition

        done = task.model_copy(update={"status": TaskStatus.DONE})
        item = DocItem(tenant_key(practice_id, "TASK", task.task_id), "TASK")
        tx = Transaction()
        tx.update(
            "task",
            item,
            [
                DocItem.doc.set(done.model_dump(mode="json")),
                DocItem.gsi1pk.remove(),
                DocItem.gsi1sk.remove(),
            ],
            DocItem.pk.exists() & DocItem.gsi1pk.exists(),
        )
        tx.put("audit", AuditItem.from_record(audit), put_condition())
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "task" in exc.failed:
                raise ConflictError("task: already closed") from None
            raise


class DynamoAuditLog:
    """Appends read (and system send) records to the audit table."""

    def append(self, records: Iterable[AuditRecord]) -> None:
        """Append the records."""
        pending = list(records)
        if pending:
            write_records(pending)
