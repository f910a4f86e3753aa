"""SQS event sources, polled as Lambda's poller does (moto's own mapping is too thin).

For each `Type: SQS` event of a function in template.yaml: receive up to BatchSize messages,
invoke the handler with the same event shape Lambda sends, then delete what succeeded. With
`FunctionResponseTypes: [ReportBatchItemFailures]` only the reported failures stay; a handler
error leaves the whole batch. Messages that stay reappear after the visibility timeout and,
past the queue's maxReceiveCount, the queue's redrive policy moves them to the DLQ.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clinicflow.local.template import REGION, Template

logger = logging.getLogger("clinicflow.local.sqs")


@dataclass
class SqsPoller:
    """Polls one queue for one function."""

    queue_url: str
    queue_arn: str
    function: str
    invoke: Callable[[str, dict[str, Any]], Any]
    sqs: Any
    batch_size: int = 10
    report_failures: bool = False

    def poll_once(self) -> int:
        """Receive one batch and hand it to the function; returns messages received."""
        received = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.batch_size, 10),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = {"Records": [self._record(m) for m in received]}
        try:
            result = self.invoke(self.function, event)
        except Exception as exc:  # the whole batch returns after its visibility timeout
            logger.warning(
                "sqs batch failed",
                extra={"function": self.function, "error_type": type(exc).__name__},
            )
            return len(received)
        failed = set()
        if self.report_failures and isinstance(result, dict):
            failed = {f.get("itemIdentifier") for f in result.get("batchItemFailures") or []}
        done = [m for m in received if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )
        return len(received)

    def drain(self, max_batches: int = 1000) -> int:
        """Poll until the queue has nothing visible (tests); returns messages received."""
        total = 0
        for _ in range(max_batches):
            got = self.poll_once()
            if not got:
                break
            total += got
        return total

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {k[0].lower() + k[1:]: v for k, v in value.items()}
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": REGION,
        }


def sqs_pollers(
    template: Template, sqs: Any, invoke: Callable[[str, dict[str, Any]], Any]
) -> list[SqsPoller]:
    """One poller per `Type: SQS` event in the template."""
    pollers = []
    for logical_id, resource in template.of_type("AWS::Serverless::Function"):
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "SQS":
                continue
            p = template.resolve(event["Properties"])
            arn = str(p["Queue"])
            name = arn.rsplit(":", 1)[-1]
            pollers.append(
                SqsPoller(
                    queue_url=sqs.get_queue_url(QueueName=name)["QueueUrl"],
                    queue_arn=arn,
                    function=logical_id,
                    invoke=invoke,
                    sqs=sqs,
                    batch_size=int(p.get("BatchSize", 10)),
                    report_failures="ReportBatchItemFailures" in p.get("FunctionResponseTypes", []),
                )
            )
    return pollers
