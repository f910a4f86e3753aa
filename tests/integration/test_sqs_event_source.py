"""The local SQS poller behaves like Lambda's: batches, partial failures, redrive to the DLQ."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clinicflow.local.event_sources import SqsPoller
from clinicflow.local.stack import LocalStack

pytestmark = pytest.mark.integration


def _queues(stack: LocalStack, name: str) -> tuple[Any, str, str, str]:
    sqs = stack.client("sqs")
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return sqs, url, arn, dlq


def test_partial_failures_retry_and_poison_lands_in_the_dlq(stack: LocalStack):
    sqs, url, arn, dlq = _queues(stack, "poller-probe")
    handled: list[str] = []
    attempts: dict[str, int] = {}

    def handler(function: str, event: dict[str, Any]) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            body = record["body"]
            attempts[body] = attempts.get(body, 0) + 1
            assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
            if body == "poison" or (body == "flaky" and attempts[body] == 1):
                failures.append({"itemIdentifier": record["messageId"]})
            else:
                handled.append(body)
        return {"batchItemFailures": failures}

    for body in ["a", "b", "flaky", "poison", "c"]:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    poller = SqsPoller(url, arn, "Probe", handler, sqs, batch_size=10, report_failures=True)
    poller.drain(max_batches=20)
    assert sorted(handled) == ["a", "b", "c", "flaky"]
    assert attempts["flaky"] == 2
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in dead] == ["poison"]
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []


def test_a_crashing_handler_loses_nothing(stack: LocalStack):
    sqs, url, arn, dlq = _queues(stack, "crash-probe")
    calls = {"n": 0}

    def crashes_once(function: str, event: dict[str, Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker died")

    sqs.send_message(QueueUrl=url, MessageBody="claim-1")
    poller = SqsPoller(url, arn, "Probe", crashes_once, sqs)
    poller.drain(max_batches=5)
    assert calls["n"] == 2  # redelivered after the crash, then deleted
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []
