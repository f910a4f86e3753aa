"""DynamoDB and SQS adapters of the nightly batch's ports.

- flag     PK `<p>#ELIGFLAG#<appointment_id>`  SK `FLAG`
           GSI1 `<p>#ELIGFLAGS` / `<start UTC>#<appointment_id>` (flags by appointment time);
           expires (TTL) 30 days after the appointment.
- limiter  PK `<p>#ELIGLIMIT#<payer_id>`  SK `LIMIT`: `leases` {lease id: expiry epoch},
           `version`; every change is conditioned on the version read, expired leases are
           dropped in the same write that adds one.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from clinicflow.eligibility.batch import plan_lease
from clinicflow.eligibility.flags import AppointmentFlag
from clinicflow.platform.config import settings
from clinicflow.platform.cursor import Key, decode_cursor, encode_cursor
from clinicflow.platform.dynamo import MainModel, tenant_key

FLAG_SK = "FLAG"
LIMIT_SK = "LIMIT"
FLAG_KEEP = timedelta(days=30)


def zulu(moment: datetime) -> str:
    """A UTC instant as a sortable key part."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flags_pk(practice_id: str) -> str:
    """GSI1 partition of a practice's flags."""
    return tenant_key(practice_id, "ELIGFLAGS")


class ByStart(GlobalSecondaryIndex["FlagItem"]):  # type: ignore[no-untyped-call]
    """GSI1 over flags: by appointment start."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class FlagItem(MainModel):
    """Storage shape of a flag."""

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    kind = UnicodeAttribute()
    body = UnicodeAttribute()
    expires_at = NumberAttribute()
    by_start = ByStart()


class DynamoFlagStore:
    """FlagStore (and the calendar's reads) on the main table."""

    def put(self, practice_id: str, flag: AppointmentFlag) -> None:
        """Replace the appointment's flag."""
        FlagItem(
            tenant_key(practice_id, "ELIGFLAG", flag.appointment_id),
            FLAG_SK,
            gsi1pk=flags_pk(practice_id),
            gsi1sk=f"{zulu(flag.appointment_start)}#{flag.appointment_id}",
            kind=flag.kind.value,
            body=flag.model_dump_json(),
            expires_at=int((flag.appointment_start + FLAG_KEEP).timestamp()),
        ).save()

    def between(
        self,
        practice_id: str,
        start: datetime,
        end: datetime,
        *,
        problems_only: bool = False,
        limit: int = 200,
        cursor: str | None = None,
    ) -> tuple[list[AppointmentFlag], str | None]:
        """Flags of appointments starting in [start, end), by start (one Query)."""
        pk = flags_pk(practice_id)
        start_key: Key | None = decode_cursor(cursor, partition=("GSI1PK", pk))
        result = FlagItem.by_start.query(
            pk,
            FlagItem.gsi1sk.between(zulu(start), zulu(end - timedelta(seconds=1)) + "#~"),
            filter_condition=(FlagItem.kind != "ok") if problems_only else None,
            limit=limit,
            last_evaluated_key=start_key,
        )
        found = [AppointmentFlag.model_validate_json(item.body) for item in result]
        last = result.last_evaluated_key
        return found, encode_cursor(last) if last and len(found) == limit else None


@lru_cache(maxsize=1)
def _dynamodb() -> Any:
    import boto3

    return boto3.client("dynamodb", region_name=settings().region)


class DynamoPayerLimiter:
    """PayerLimiter: a leases map per practice and payer, changed by conditional writes."""

    def __init__(
        self,
        client: Any = None,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        attempts: int = 8,
    ) -> None:
        self._client = client
        self.clock = clock
        self.new_id = new_id
        self.attempts = attempts

    @property
    def client(self) -> Any:
        """The injected client, or the shared one."""
        return self._client or _dynamodb()

    def _key(self, practice_id: str, payer_id: str) -> dict[str, Any]:
        return {
            "PK": {"S": tenant_key(practice_id, "ELIGLIMIT", payer_id)},
            "SK": {"S": LIMIT_SK},
        }

    def acquire(
        self, practice_id: str, payer_id: str, *, limit: int, lease_seconds: int
    ) -> str | None:
        """A lease id, or None when `limit` unexpired leases are held (or on heavy contention)."""
        table = settings().table_name
        key = self._key(practice_id, payer_id)
        for _ in range(self.attempts):
            got = self.client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            leases = {
                k: float(v["N"]) for k, v in (got or {}).get("leases", {}).get("M", {}).items()
            }
            version = int(got["version"]["N"]) if got else 0
            now = self.clock()
            expired, fits = plan_lease(leases, now, limit)
            if not fits:
                return None
            lease = self.new_id()
            names = {"#n": lease, **{f"#x{i}": k for i, k in enumerate(expired)}}
            values: dict[str, Any] = {
                ":until": {"N": str(int(now + lease_seconds))},
                ":one": {"N": "1"},
            }
            if got is None:
                update = "SET leases = :fresh, version = :one"
                values = {":fresh": {"M": {lease: values[":until"]}}, ":one": {"N": "1"}}
                names = {}
                condition = "attribute_not_exists(PK)"
            else:
                update = "SET leases.#n = :until, version = version + :one"
                if expired:
                    update += " REMOVE " + ", ".join(f"leases.#x{i}" for i in range(len(expired)))
                condition = "version = :v"
                values[":v"] = {"N": str(version)}
            try:
                self.client.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeValues=values,
                    **({"ExpressionAttributeNames": names} if names else {}),
                )
            except self.client.exceptions.ConditionalCheckFailedException:
                continue  # another worker changed the leases: read again
            return lease
        return None

    def release(self, practice_id: str, payer_id: str, lease_id: str) -> None:
        """Drop the lease (a lease already dropped as expired is fine)."""
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
            self.client.update_item(
                TableName=settings().table_name,
                Key=self._key(practice_id, payer_id),
                UpdateExpression="REMOVE leases.#n SET version = version + :one",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#n": lease_id},
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    def in_flight(self, practice_id: str, payer_id: str) -> int:
        """Unexpired leases now (tests, metrics)."""
        got = self.client.get_item(
            TableName=settings().table_name,
            Key=self._key(practice_id, payer_id),
            ConsistentRead=True,
        ).get("Item")
        leases = (got or {}).get("leases", {}).get("M", {})
        now = self.clock()
        return sum(1 for v in leases.values() if float(v["N"]) > now)


class SqsWorkQueue:
    """WorkQueue and message deferral on the eligibility queue."""

    def __init__(self, queue_url: str | None = None, client: Any = None) -> None:
        self._url = queue_url
        self._client = client

    @property
    def url(self) -> str:
        """The queue URL (ELIGIBILITY_QUEUE_URL)."""
        import os

        return self._url or os.environ["ELIGIBILITY_QUEUE_URL"]

    @property
    def client(self) -> Any:
        """The injected client, or an SQS client."""
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs", region_name=settings().region)
        return self._client

    def send(self, bodies: Sequence[str]) -> None:
        """Send in batches of 10; a message SQS refused raises (the schedule retries the run)."""
        for start in range(0, len(bodies), 10):
            chunk = bodies[start : start + 10]
            result = self.client.send_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)],
            )
            if result.get("Failed"):
                raise RuntimeError(f"{len(result['Failed'])} eligibility messages were not sent")

    def defer(self, receipt_handle: str, seconds: int) -> None:
        """Make a received message visible again in `seconds`."""
        self.client.change_message_visibility(
            QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
