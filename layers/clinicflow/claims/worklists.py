"""Superbills by state, for the portal's work lists: drafts and signed superbills waiting for a
provider or for billing. Newest date of service first; every listed superbill is an audited
read (they name patients)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims import serial
from clinicflow.claims.model import Encounter, EncounterStatus
from clinicflow.claims.service import ENCOUNTER, AuditLog
from clinicflow.claims.store import ClaimsItem
from clinicflow.platform.dynamo import tenant_key
from clinicflow.platform.identity import Caller


class EncounterIndex(Protocol):
    """Encounters by lifecycle state."""

    def encounters_in_state(
        self, practice_id: str, status: EncounterStatus, limit: int
    ) -> Sequence[Encounter]:
        """Newest date of service first, at most `limit`."""
        ...


class DynamoEncounterIndex:
    """EncounterIndex over the claims items' state index (GSI2)."""

    def encounters_in_state(
        self, practice_id: str, status: EncounterStatus, limit: int
    ) -> list[Encounter]:
        """One query of the state's partition, newest first."""
        key = tenant_key(practice_id, "ENCOUNTER_STATE", status.value)
        items = ClaimsItem.by_state.query(key, scan_index_forward=False, limit=limit)
        return [serial.loads(Encounter, i.body) for i in items]


def list_encounters(
    caller: Caller,
    status: EncounterStatus,
    *,
    limit: int,
    index: EncounterIndex,
    audit: AuditLog,
) -> list[Encounter]:
    """The practice's superbills in one state (audited reads)."""
    found = list(index.encounters_in_state(caller.practice_id, status, limit))
    audit.append(
        [
            AuditRecord.of(caller, Action.READ, ENCOUNTER, e.encounter_id, patient_id=e.patient_id)
            for e in found
        ]
    )
    return found
