"""AWS adapters of claim submission: S3 objects (raw EDI), the SQS claim queue, SNS notices.

Clients are created lazily (cold starts of routes that never touch them skip boto3) and
can be injected (tests). Keys and message bodies carry ids only, never PHI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from clinicflow.platform.config import settings

SUBMIT_QUEUE_URL = "CLAIM_SUBMIT_QUEUE_URL"
SUBMIT_DLQ_URL = "CLAIM_SUBMIT_DLQ_URL"
NOTIFY_TOPIC_ARN = "BILLING_TOPIC_ARN"


@lru_cache(maxsize=8)
def client(service: str) -> Any:
    """A shared boto3 client (s3 with SigV4 for presigned URLs)."""
    import boto3
    from botocore.config import Config

    config = Config(signature_version="s3v4") if service == "s3" else None
    return boto3.client(service, region_name=settings().region, config=config)


class S3Objects:
    """ObjectStore on the documents bucket (SSE-KMS with the data key) plus presigned GETs."""

    def __init__(self, s3: Any = None, bucket: str | None = None) -> None:
        self._s3 = s3
        self._bucket = bucket

    @property
    def s3(self) -> Any:
        """The injected client or the shared one."""
        return self._s3 or client("s3")

    @property
    def bucket(self) -> str:
        """The documents bucket."""
        return self._bucket or settings().documents_bucket

    def put(self, key: str, body: bytes) -> None:
        """Store an object, encrypted with the bucket's KMS key."""
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/edi-x12",
            ServerSideEncryption="aws:kms",
        )

    def get(self, key: str) -> bytes | None:
        """An object's bytes, or None."""
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.NoSuchKey:
            return None
        data: bytes = response["Body"].read()
        return data

    def keys(self, prefix: str) -> list[str]:
        """Keys under a prefix, sorted."""
        out: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    def delete(self, key: str) -> None:
        """Remove an object."""
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def download_url(self, key: str, expires_in: int) -> str:
        """A presigned GET (downloaded as `<file id>.x12`)."""
        name = key.rsplit("/", 2)[-2]
        url: str = self.s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{name}.x12"',
            },
            ExpiresIn=expires_in,
        )
        return url


class SqsClaimQueue:
    """The claim submission queue (standard SQS, with a DLQ)."""

    def __init__(self, sqs: Any = None, url: str | None = None) -> None:
        self._sqs = sqs
        self._url = url

    @property
    def url(self) -> str:
        """The queue URL (template: CLAIM_SUBMIT_QUEUE_URL)."""
        return self._url or os.environ[SUBMIT_QUEUE_URL]

    def send(self, messages: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None:
        """Send messages (ids only) in batches of ten; raises when any is refused."""
        sqs = self._sqs or client("sqs")
        for start in range(0, len(messages), 10):
            entries = [
                {
                    "Id": str(i),
                    "MessageBody": json.dumps(m, separators=(",", ":")),
                    "DelaySeconds": delay_seconds,
                }
                for i, m in enumerate(messages[start : start + 10])
            ]
            result = sqs.send_message_batch(QueueUrl=self.url, Entries=entries)
            if result.get("Failed"):
                raise RuntimeError("the claim queue refused a message")


def redrive(sqs: Any, dlq_url: str, queue_url: str, *, limit: int = 10_000) -> int:
    """Move messages from the DLQ back to the queue (send first, then delete); returns moved."""
    moved = 0
    while moved < limit:
        got = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not got:
            break
        sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(got)],
        )
        sqs.delete_message_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ],
        )
        moved += len(got)
    return moved


class SnsNotifier:
    """Billers' notices on the billing topic (subscribers: billers' email addresses)."""

    def __init__(self, sns: Any = None, topic_arn: str | None = None) -> None:
        self._sns = sns
        self._topic = topic_arn

    def notify(self, subject: str, message: dict[str, Any]) -> str:
        """Publish a notice (ids and counts only); returns the message id."""
        sns = self._sns or client("sns")
        topic = self._topic or os.environ[NOTIFY_TOPIC_ARN]
        result = sns.publish(
            TopicArn=topic, Subject=subject[:100], Message=json.dumps(message, default=str)
        )
        return str(result.get("MessageId", ""))
