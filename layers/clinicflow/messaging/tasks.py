"""Front-desk tasks raised by patient messages (pure): a person decides, never a guess."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class TaskKind(StrEnum):
    """Why the front desk must act."""

    RESCHEDULE_REQUEST = "reschedule_request"  # the patient replied R
    SHARED_NUMBER = "shared_number"  # a reply from a number several patients share


class TaskStatus(StrEnum):
    """Open until someone at the front desk closes it."""

    OPEN = "open"
    DONE = "done"


MAX_NOTE = 500


class Task(BaseModel):
    """One task: what happened and whom it concerns (ids and the number to call back), and,
    once closed, who closed it, when, and their note (what was done)."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    kind: TaskKind
    created_at: datetime
    status: TaskStatus = TaskStatus.OPEN
    phone: str = ""
    patient_ids: tuple[str, ...] = ()
    appointment_id: str = ""
    intent: str = ""
    inbound_message_id: str = ""
    note: str = ""
    closed_by: str = ""
    closed_at: datetime | None = None

    def closed(self, by: str, at: datetime, note: str) -> Task:
        """This task, done."""
        update = {"status": TaskStatus.DONE, "closed_by": by, "closed_at": at, "note": note}
        return self.model_copy(update=update)


def task_id_for(inbound_message_id: str, kind: TaskKind) -> str:
    """A task's id derived from the inbound message: a redelivered message makes no second task."""
    return "task-" + hashlib.sha256(f"{inbound_message_id}\n{kind}".encode()).hexdigest()[:20]
