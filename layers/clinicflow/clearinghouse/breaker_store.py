"""BreakerStore on the main table: one item per breaker, changed only by conditional writes.

PK `_clearinghouse#BREAKER#<endpoint host>/<payer id>`, SK `BREAKER`. Breakers describe a
payer connection, not a practice's data: the key holds no practice id and no PHI.
"""

from __future__ import annotations

from dataclasses import replace

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from clinicflow.clearinghouse.resilience import BreakerState, BreakerStatus
from clinicflow.platform.dynamo import MainModel

BREAKER_SK = "BREAKER"
KEEP_SECONDS = 7 * 24 * 3600  # an idle breaker item expires (TTL) a week after its last change


def breaker_pk(key: str) -> str:
    """Partition key of a breaker."""
    return f"_clearinghouse#BREAKER#{key}"


class BreakerItem(MainModel):
    """Storage shape of a breaker state."""

    status = UnicodeAttribute()
    failures = NumberAttribute()
    window_start = NumberAttribute()
    opened_at = NumberAttribute()
    probe_until = NumberAttribute()
    version = NumberAttribute()
    expires_at = NumberAttribute(null=True)


class DynamoBreakerStore:
    """Breaker states shared by every Lambda instance."""

    def load(self, key: str) -> BreakerState:
        """The stored state (strongly consistent), or a fresh closed one."""
        try:
            item = BreakerItem.get(breaker_pk(key), BREAKER_SK, consistent_read=True)
        except BreakerItem.DoesNotExist:
            return BreakerState()
        return BreakerState(
            status=BreakerStatus(item.status),
            failures=int(item.failures),
            window_start=float(item.window_start),
            opened_at=float(item.opened_at),
            probe_until=float(item.probe_until),
            version=int(item.version),
        )

    def save(self, key: str, state: BreakerState, *, expected_version: int) -> bool:
        """Put the state at version + 1 if the stored version is `expected_version`."""
        stored = replace(state, version=expected_version + 1)
        item = BreakerItem(
            breaker_pk(key),
            BREAKER_SK,
            status=stored.status.value,
            failures=stored.failures,
            window_start=stored.window_start,
            opened_at=stored.opened_at,
            probe_until=stored.probe_until,
            version=stored.version,
            expires_at=int(max(stored.window_start, stored.opened_at) + KEEP_SECONDS),
        )
        condition = (
            BreakerItem.pk.does_not_exist()
            if expected_version == 0
            else BreakerItem.version == expected_version
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
