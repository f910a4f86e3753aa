"""HTTP routes of messaging and reminders: settings, the reminder policy, front-desk tasks,
an appointment's messages. Ids only in URLs; the practice always comes from the token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from clinicflow.messaging import service
from clinicflow.messaging.model import MessageRecord
from clinicflow.messaging.tasks import MAX_NOTE, Task
from clinicflow.platform.http import authorized
from clinicflow.platform.identity import ALL_ROLES, Role
from clinicflow.reminders import service as reminders
from clinicflow.reminders.model import QuietHoursPolicy, ReminderPolicy, ReminderRule, Rules

router = APIGatewayRouter()  # type: ignore[no-untyped-call]
ADMINS = frozenset({Role.ADMIN})


class SettingsOut(BaseModel):
    """The practice's messaging settings."""

    sms_number: str | None
    version: int


class SettingsBody(BaseModel):
    """PUT /messaging/settings: the SMS origination number (E.164) and the version read."""

    sms_number: Annotated[str, Field(max_length=16)] | None = None
    version: Annotated[int, Field(ge=0)]


class PolicyBody(BaseModel):
    """PUT /reminders/policy: the practice's reminders, overrides per appointment type and
    quiet hours (local times HH:MM; default 21:00-08:00, at least 120 minutes' notice)."""

    rules: Rules
    by_type: Annotated[dict[str, Rules], Field(max_length=200)] = {}
    quiet_hours: QuietHoursPolicy = QuietHoursPolicy()
    version: Annotated[int, Field(ge=0)]


class PolicyOut(BaseModel):
    """The practice's reminder policy."""

    rules: list[ReminderRule]
    by_type: dict[str, list[ReminderRule]]
    quiet_hours: QuietHoursPolicy
    version: int

    @classmethod
    def of(cls, p: ReminderPolicy) -> PolicyOut:
        """The response form."""
        return cls(
            rules=list(p.rules),
            by_type={k: list(v) for k, v in p.by_type.items()},
            quiet_hours=p.quiet_hours,
            version=p.version,
        )


class CloseBody(BaseModel):
    """POST /messaging/tasks/<id>/close: what was done (optional, up to 500 characters)."""

    note: Annotated[str, Field(max_length=MAX_NOTE)] = ""


class TaskList(BaseModel):
    """Open front-desk tasks, oldest first."""

    tasks: list[Task]


class MessageOut(BaseModel):
    """One message of an appointment: channel, kind, status, when (never the text)."""

    message_id: str
    channel: str
    kind: str
    status: str
    reason: str
    at: datetime
    status_at: datetime | None
    detail: str

    @classmethod
    def of(cls, m: MessageRecord) -> MessageOut:
        """The response form."""
        return cls(
            message_id=m.message_id,
            channel=m.channel.value,
            kind=m.kind,
            status=m.status.value,
            reason=m.reason,
            at=m.at,
            status_at=m.status_at,
            detail=m.detail,
        )


class MessageList(BaseModel):
    """Messages of an appointment."""

    messages: list[MessageOut]


@router.get("/messaging/settings", summary="Messaging settings")
def get_settings() -> SettingsOut:
    """The practice's SMS origination number (admins)."""
    caller = authorized(router, ADMINS)
    s = service.settings_of(caller.practice_id)
    return SettingsOut(sms_number=s.sms_number, version=s.version)


@router.put("/messaging/settings", summary="Set the messaging settings")
def put_settings(body: SettingsBody) -> SettingsOut:
    """Set the SMS origination number; inbound texts to it reach this practice."""
    caller = authorized(router, ADMINS)
    s = service.put_settings(caller, sms_number=body.sms_number, expected_version=body.version)
    return SettingsOut(sms_number=s.sms_number, version=s.version)


@router.get("/reminders/policy", summary="The reminder policy")
def get_policy() -> PolicyOut:
    """Which reminders appointments get (defaults: email 72 h and SMS 24 h before)."""
    caller = authorized(router, ALL_ROLES)
    return PolicyOut.of(reminders.get_policy(caller))


@router.put("/reminders/policy", summary="Replace the reminder policy")
def put_policy(body: PolicyBody) -> PolicyOut:
    """Replace the practice's reminders (admins); applies to bookings and moves from now on."""
    caller = authorized(router, ADMINS)
    policy = service_policy(body)
    return PolicyOut.of(reminders.put_policy(caller, policy, expected_version=body.version))


def service_policy(body: PolicyBody) -> ReminderPolicy:
    """The domain policy of a request body (422 naming the field when invalid)."""
    from clinicflow.patients.model import parse

    data = {"rules": body.rules, "by_type": body.by_type, "quiet_hours": body.quiet_hours}
    policy: ReminderPolicy = parse(ReminderPolicy, data)
    return policy


@router.get("/messaging/tasks", summary="Open front-desk tasks")
def list_tasks() -> TaskList:
    """Replies a person must handle: reschedule requests, replies from shared numbers."""
    caller = authorized(router, service.TASK_ROLES)
    return TaskList(tasks=service.list_tasks(caller))


@router.post("/messaging/tasks/<task_id>/close", summary="Close a front-desk task")
def close_task(task_id: str, body: CloseBody | None = None) -> Task:
    """Mark a task done, with a note of what was done (409 when already closed)."""
    caller = authorized(router, service.TASK_ROLES)
    return service.close_task(caller, task_id, body.note if body else "")


@router.get("/appointments/<appointment_id>/messages", summary="Messages of an appointment")
def appointment_messages(appointment_id: str) -> MessageList:
    """Reminders and replies of an appointment, each with its delivery status."""
    caller = authorized(router, service.MESSAGE_READ_ROLES)
    messages = service.appointment_messages(caller, appointment_id)
    return MessageList(messages=[MessageOut.of(m) for m in messages])
