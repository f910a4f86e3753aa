"""DynamoDB and S3 adapters of the eligibility ports.

- check  PK `<p>#ELIGCHECK#<check_id>`  SK `CHECK`
         GSI1 `<p>#COVELIG#<coverage_id>` / `<requested_at>#<check_id>` (history per coverage)
- raw    s3://<documents>/<p>/eligibility/<check_id>/270.x12 and 271.x12 (SSE-KMS)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem
from clinicflow.eligibility.model import EligibilityCheck
from clinicflow.platform.config import settings
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.platform.transact import ConditionsFailedError, Transaction

CHECK_SK = "CHECK"


def check_pk(practice_id: str, check_id: str) -> str:
    """Partition key of a check."""
    return tenant_key(practice_id, "ELIGCHECK", check_id)


class CheckItem(MainModel):
    """Storage shape of a check: ids and dates as attributes, the check as JSON."""

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    patient_id = UnicodeAttribute()
    coverage_id = UnicodeAttribute()
    status = UnicodeAttribute()
    body = UnicodeAttribute()

    @classmethod
    def of(cls, practice_id: str, check: EligibilityCheck) -> CheckItem:
        """The item for a check."""
        return cls(
            check_pk(practice_id, check.id),
            CHECK_SK,
            gsi1pk=tenant_key(practice_id, "COVELIG", check.coverage_id),
            gsi1sk=f"{check.requested_at.isoformat()}#{check.id}",
            patient_id=check.patient_id,
            coverage_id=check.coverage_id,
            status=check.result.status.value,
            body=check.model_dump_json(),
        )

    def to_check(self) -> EligibilityCheck:
        """The domain check (Decimals come back exactly: JSON keeps them as strings)."""
        return EligibilityCheck.model_validate_json(self.body)


class DynamoCheckRepository:
    """CheckRepository on the main table."""

    def save(self, practice_id: str, check: EligibilityCheck, audit: AuditRecord) -> None:
        """Put the check (never overwriting one) and its audit record in one transaction."""
        tx = Transaction()
        tx.put("check", CheckItem.of(practice_id, check), CheckItem.pk.does_not_exist())
        tx.put("audit", AuditItem.from_record(audit), AuditItem.pk.does_not_exist())
        try:
            tx.commit()
        except ConditionsFailedError:
            raise ConflictError("the eligibility check was already saved") from None

    def get(self, practice_id: str, check_id: str) -> EligibilityCheck | None:
        """The check, or None."""
        try:
            item = CheckItem.get(check_pk(practice_id, check_id), CHECK_SK, consistent_read=True)
        except CheckItem.DoesNotExist:
            return None
        return item.to_check()


@lru_cache(maxsize=1)
def _s3() -> Any:
    import boto3  # lazy: cold starts of routes that don't touch S3 skip it
    from botocore.config import Config

    return boto3.client(
        "s3", region_name=settings().region, config=Config(signature_version="s3v4")
    )


class S3DocumentStore:
    """DocumentStore on the documents bucket (SSE-KMS with the data key, set on the bucket)."""

    def __init__(self, client: Any = None, bucket: str | None = None) -> None:
        self._client = client
        self._bucket = bucket

    @property
    def client(self) -> Any:
        """The injected client, or the shared one."""
        return self._client or _s3()

    @property
    def bucket(self) -> str:
        """The bucket name."""
        return self._bucket or settings().documents_bucket

    def put(self, key: str, body: bytes, content_type: str) -> None:
        """Store the object, encrypted with the bucket's KMS key."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ServerSideEncryption="aws:kms",
        )

    def get(self, key: str) -> bytes:
        """The object's bytes, or NotFoundError."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            raise NotFoundError("the raw file is not stored") from None
        data: bytes = response["Body"].read()
        return data

    def download_url(self, key: str, expires_in: int) -> str:
        """Presigned GET."""
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in
        )
        return url
