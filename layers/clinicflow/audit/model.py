"""The audit record: append-only, one per read or write of PHI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from clinicflow.platform.identity import Caller


class Action(StrEnum):
    """What was done to the resource."""

    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    SEARCH = "search"
    EXPORT = "export"


@dataclass(frozen=True)
class AuditRecord:
    """One access to a resource holding PHI. Never updated, never deleted."""

    practice_id: str
    actor: str
    action: Action
    resource_type: str
    resource_id: str
    source_ip: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    patient_id: str = ""

    @classmethod
    def of(
        cls,
        caller: Caller,
        action: Action,
        resource_type: str,
        resource_id: str,
        *,
        patient_id: str = "",
    ) -> AuditRecord:
        """A record of the caller doing `action` to one resource."""
        return cls(
            practice_id=caller.practice_id,
            actor=caller.username,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            source_ip=caller.source_ip,
            patient_id=patient_id,
        )
