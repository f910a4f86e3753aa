"""DynamoDB stream event sources on DynamoDB Local, polled as Lambda's poller does.

For each `Type: DynamoDB` event of a function in template.yaml: read the table's stream
from where the stack started (LATEST; later shards from TRIM_HORIZON), keep the records the
event's `FilterCriteria` match, invoke the handler with Lambda's event shape and, with
`ReportBatchItemFailures`, re-read from the first reported record next time. Also: SNS
subscriptions of `Type: SNS` events (moto then invokes the handler on every publish).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clinicflow.local.template import REGION, Template

logger = logging.getLogger("clinicflow.local.streams")


def matches(pattern: Any, value: Any) -> bool:
    """An EventBridge-style filter pattern (nested keys, lists of allowed values)."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        return all(k in value and matches(p, value[k]) for k, p in pattern.items())
    if isinstance(pattern, list):
        return any(value == p for p in pattern)
    return bool(value == pattern)


@dataclass
class StreamPoller:
    """Polls one table's stream for one function."""

    stream_arn: str
    function: str
    invoke: Callable[[str, dict[str, Any]], Any]
    streams: Any
    patterns: list[dict[str, Any]] = field(default_factory=list)
    batch_size: int = 100
    report_failures: bool = False
    _iterators: dict[str, str | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self) -> StreamPoller:
        """Begin at the stream's end: changes made before the stack started are not replayed."""
        for shard in self._shards():
            self._iterators[shard] = self._iterator(shard, "LATEST")
        return self

    def _shards(self) -> list[str]:
        stream = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        return [s["ShardId"] for s in stream.get("Shards", [])]

    def _iterator(self, shard: str, kind: str, sequence: str | None = None) -> str | None:
        args: dict[str, Any] = {
            "StreamArn": self.stream_arn,
            "ShardId": shard,
            "ShardIteratorType": kind,
        }
        if sequence:
            args["SequenceNumber"] = sequence
        found = self.streams.get_shard_iterator(**args).get("ShardIterator")
        return str(found) if found else None

    def poll_once(self) -> int:
        """Read every shard once; returns how many records were handed to the function."""
        with self._lock:
            return self._poll()

    def _poll(self) -> int:
        for shard in self._shards():
            if shard not in self._iterators:
                self._iterators[shard] = self._iterator(shard, "TRIM_HORIZON")
        return sum(self._catch_up(shard) for shard in list(self._iterators))

    def _catch_up(self, shard: str, max_reads: int = 1000) -> int:
        """Read the shard to its end (or to a failed batch); returns records delivered.

        Records the filter drops still move the position, as Lambda's filtering does, so a
        burst of other writes (a seed) does not hold back the wanted ones behind it."""
        total = 0
        for _ in range(max_reads):
            iterator = self._iterators[shard]
            if iterator is None:
                break
            answer = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            read = answer.get("Records", [])
            records = [r for r in read if self._wanted(r)]
            self._iterators[shard] = answer.get("NextShardIterator")
            if records:
                total += len(records)
                failed = self._deliver(records)
                if failed:
                    self._iterators[shard] = self._iterator(shard, "AT_SEQUENCE_NUMBER", failed)
                    break
            if not read:
                break
        return total

    def drain(self, max_rounds: int = 50) -> int:
        """Poll until nothing new arrives (tests); returns records delivered."""
        total = 0
        for _ in range(max_rounds):
            got = self.poll_once()
            if not got:
                break
            total += got
        return total

    def _wanted(self, record: dict[str, Any]) -> bool:
        if not self.patterns:
            return True
        plain = json.loads(json.dumps(record, default=str))
        return any(matches(p, plain) for p in self.patterns)

    def _deliver(self, records: list[dict[str, Any]]) -> str | None:
        event = {
            "Records": [
                {
                    **json.loads(json.dumps(r, default=str)),
                    "eventSourceARN": self.stream_arn,
                    "awsRegion": REGION,
                }
                for r in records
            ]
        }
        try:
            result = self.invoke(self.function, event)
        except Exception as exc:
            logger.warning(
                "stream batch failed",
                extra={"function": self.function, "error_type": type(exc).__name__},
            )
            return str(records[0]["dynamodb"]["SequenceNumber"])
        if self.report_failures and isinstance(result, dict):
            failures = result.get("batchItemFailures") or []
            ids = [f.get("itemIdentifier") for f in failures if f.get("itemIdentifier")]
            if ids:
                return str(ids[0])
        return None


def stream_pollers(
    template: Template,
    dynamodb: Any,
    streams: Any,
    invoke: Callable[[str, dict[str, Any]], Any],
) -> list[StreamPoller]:
    """One started poller per `Type: DynamoDB` event in the template."""
    pollers = []
    for logical_id, resource in template.of_type("AWS::Serverless::Function"):
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "DynamoDB":
                continue
            raw = event["Properties"]
            stream = raw["Stream"]
            table_logical = (
                (stream.get("Fn::GetAtt") or [""])[0] if isinstance(stream, dict) else ""
            )
            table = template.physical.get(str(table_logical), str(table_logical))
            arn = dynamodb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
            if not arn:
                continue
            props = template.resolve(raw)
            patterns = [
                json.loads(f["Pattern"])
                for f in (props.get("FilterCriteria") or {}).get("Filters", [])
            ]
            pollers.append(
                StreamPoller(
                    stream_arn=arn,
                    function=logical_id,
                    invoke=invoke,
                    streams=streams,
                    patterns=patterns,
                    batch_size=int(props.get("BatchSize", 100)),
                    report_failures="ReportBatchItemFailures"
                    in props.get("FunctionResponseTypes", []),
                ).start()
            )
    return pollers


def subscribe_sns_functions(template: Template, sns: Any) -> int:
    """Subscribe each function to the topics of its `Type: SNS` events; returns how many."""
    count = 0
    for logical_id, resource in template.of_type("AWS::Serverless::Function"):
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "SNS":
                continue
            topic = str(template.resolve(event["Properties"]["Topic"]))
            sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=template.arns[logical_id])
            count += 1
    return count
