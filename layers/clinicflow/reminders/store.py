"""DynamoDB adapter of reminders (main table; every key starts with the practice id `<p>`).

- plan      PK `<p>#REM#<appointment_id>`  SK `PLAN`   the reminders as scheduled, the
            timing version; written only forward (a replayed stream record cannot undo it)
- gate      PK `<p>#REM#<appointment_id>`  SK `SENT#<kind>#v<version>`  one conditional put
            per (appointment, kind, version): the send that wins it is the only send
- upcoming  PK `<p>#REMPAT#<patient_id>`   SK `<startZ>#<appointment_id>`  the patient's
            future active appointments (a reply confirms the next unconfirmed one); TTL
- policy    PK `<p>#REMPOLICY`             SK `POLICY`
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DeleteError, PutError

from clinicflow.audit.model import AuditRecord
from clinicflow.messaging.model import Channel
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError
from clinicflow.platform.transact import ConditionsFailedError, Transaction
from clinicflow.reminders.model import AppointmentFacts, Plan, PlannedReminder, ReminderPolicy

GATE_RETENTION = timedelta(days=60)
UPCOMING_RETENTION = timedelta(days=2)


def zulu(moment: datetime) -> str:
    """A UTC instant as a sortable key part."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException"


class PlanItem(MainModel):
    """A plan, a gate, a policy: a version number and a JSON document."""

    version = NumberAttribute(default=0)
    doc = JSONAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class UpcomingItem(MainModel):
    """One future appointment of a patient."""

    appointment_id = UnicodeAttribute()
    status = UnicodeAttribute()
    expires_at = NumberAttribute()


def _plan_doc(plan: Plan) -> dict[str, Any]:
    return {
        "appointment_id": plan.appointment_id,
        "patient_id": plan.patient_id,
        "start": zulu(plan.start),
        "reminders": [
            {"kind": r.kind, "channel": r.channel.value, "send_at": zulu(r.send_at)}
            for r in plan.reminders
        ],
        "skipped": list(plan.skipped),
        "kinds_ever": list(plan.kinds_ever),
        "cancelled": plan.cancelled,
    }


def _plan(doc: dict[str, Any], version: int) -> Plan:
    return Plan(
        appointment_id=doc["appointment_id"],
        patient_id=doc["patient_id"],
        timing_version=version,
        start=datetime.fromisoformat(doc["start"]),
        reminders=tuple(
            PlannedReminder(r["kind"], Channel(r["channel"]), datetime.fromisoformat(r["send_at"]))
            for r in doc.get("reminders", [])
        ),
        skipped=tuple(doc.get("skipped", [])),
        kinds_ever=tuple(doc.get("kinds_ever", [])),
        cancelled=bool(doc.get("cancelled")),
    )


class DynamoReminderStore:
    """The reminders store on the main table."""

    def get_plan(self, practice_id: str, appointment_id: str) -> Plan | None:
        """The appointment's plan (consistent read)."""
        try:
            item = PlanItem.get(
                tenant_key(practice_id, "REM", appointment_id), "PLAN", consistent_read=True
            )
        except PlanItem.DoesNotExist:
            return None
        return _plan(item.doc or {}, int(item.version))

    def save_plan(self, practice_id: str, plan: Plan) -> bool:
        """Store a plan unless a newer timing version is stored; False when it is."""
        item = PlanItem(
            tenant_key(practice_id, "REM", plan.appointment_id),
            "PLAN",
            version=plan.timing_version,
            doc=_plan_doc(plan),
        )
        try:
            item.save(
                condition=PlanItem.pk.does_not_exist() | (PlanItem.version <= plan.timing_version)
            )
        except PutError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def claim(
        self, practice_id: str, appointment_id: str, kind: str, version: int, at: datetime
    ) -> bool:
        """Win the right to send (appointment, kind, version); False when already won."""
        item = PlanItem(
            tenant_key(practice_id, "REM", appointment_id),
            f"SENT#{kind}#v{version}",
            version=version,
            outcome="sending",
            at=at,
            expires_at=int((at + GATE_RETENTION).timestamp()),
        )
        try:
            item.save(condition=PlanItem.pk.does_not_exist())
        except PutError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def settle(
        self,
        practice_id: str,
        appointment_id: str,
        kind: str,
        version: int,
        *,
        outcome: str,
        message_id: str,
    ) -> None:
        """Record what the winning send did."""
        item = PlanItem(tenant_key(practice_id, "REM", appointment_id), f"SENT#{kind}#v{version}")
        item.update(actions=[PlanItem.outcome.set(outcome), PlanItem.message_id.set(message_id)])

    def release(self, practice_id: str, appointment_id: str, kind: str, version: int) -> None:
        """Give the claim back after a failed send (the schedule's retry may then send)."""
        item = PlanItem(tenant_key(practice_id, "REM", appointment_id), f"SENT#{kind}#v{version}")
        try:
            item.delete(condition=PlanItem.outcome == "sending")
        except DeleteError as exc:
            if not _conditional_failed(exc):
                raise

    def sync_upcoming(
        self, practice_id: str, old: AppointmentFacts | None, new: AppointmentFacts | None
    ) -> None:
        """Keep the patient's upcoming list in step with one appointment change."""
        if old is not None and (
            new is None or (old.patient_id, old.start) != (new.patient_id, new.start)
        ):
            UpcomingItem(
                tenant_key(practice_id, "REMPAT", old.patient_id),
                f"{zulu(old.start)}#{old.appointment_id}",
                appointment_id=old.appointment_id,
                status=old.status,
                expires_at=0,
            ).delete()
        if new is None:
            return
        key = (
            tenant_key(practice_id, "REMPAT", new.patient_id),
            f"{zulu(new.start)}#{new.appointment_id}",
        )
        if new.active:
            UpcomingItem(
                *key,
                appointment_id=new.appointment_id,
                status=new.status,
                expires_at=int((new.start + UPCOMING_RETENTION).timestamp()),
            ).save()
        else:
            UpcomingItem(*key, appointment_id=new.appointment_id, status="", expires_at=0).delete()

    def upcoming(self, practice_id: str, patient_id: str, after: datetime) -> list[tuple[str, str]]:
        """(appointment id, status) of the patient's active appointments after `after`."""
        rows = UpcomingItem.query(
            tenant_key(practice_id, "REMPAT", patient_id), UpcomingItem.sk > zulu(after)
        )
        return [(r.appointment_id, r.status) for r in rows]

    def policy(self, practice_id: str) -> ReminderPolicy:
        """The practice's reminder policy (the defaults when never set)."""
        try:
            item = PlanItem.get(tenant_key(practice_id, "REMPOLICY"), "POLICY")
        except PlanItem.DoesNotExist:
            return ReminderPolicy()
        return ReminderPolicy.model_validate({**(item.doc or {}), "version": int(item.version)})

    def save_policy(
        self, practice_id: str, policy: ReminderPolicy, *, previous_version: int, audit: AuditRecord
    ) -> None:
        """Store the policy on its version, with the audit record."""
        from clinicflow.audit.store import AuditItem, put_condition

        item = PlanItem(
            tenant_key(practice_id, "REMPOLICY"),
            "POLICY",
            version=previous_version + 1,
            doc=policy.model_dump(mode="json", exclude={"version"}),
        )
        condition = (
            PlanItem.pk.does_not_exist()
            if previous_version == 0
            else PlanItem.version == previous_version
        )
        tx = Transaction()
        tx.put("policy", item, condition)
        tx.put("audit", AuditItem.from_record(audit), put_condition())
        try:
            tx.commit()
        except ConditionsFailedError:
            raise ConflictError(
                "the reminder policy changed since it was read; reload it"
            ) from None
