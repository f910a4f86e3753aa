"""DynamoDB and S3 adapters of the eligibility ports.

- check     PK `<p>#ELIGCHECK#<check_id>`  SK `CHECK`
            GSI1 `<p>#COVELIG#<coverage_id>` / `<requested_at>#<check_id>` (history per coverage)
- settings  PK `<p>#ELIGSETTINGS`  SK `SETTINGS`; while nightly checks are on, also
            GSI2 `_eligibility#NIGHTLY` / `<p>` (the practices the nightly batch visits: ids only)
- raw    s3://<documents>/<p>/eligibility/<check_id>/270.x12 and 271.x12 (SSE-KMS)
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem
from clinicflow.eligibility.model import EligibilityCheck
from clinicflow.eligibility.policy import EligibilitySettings
from clinicflow.platform.config import settings
from clinicflow.platform.cursor import Key, decode_cursor, encode_cursor
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError, NotFoundError
from clinicflow.platform.transact import ConditionsFailedError, Transaction

CHECK_SK = "CHECK"


def check_pk(practice_id: str, check_id: str) -> str:
    """Partition key of a check."""
    return tenant_key(practice_id, "ELIGCHECK", check_id)


def history_pk(practice_id: str, coverage_id: str) -> str:
    """GSI1 partition of a coverage's checks."""
    return tenant_key(practice_id, "COVELIG", coverage_id)


class ByCoverage(GlobalSecondaryIndex["CheckItem"]):
    """GSI1 over checks: a coverage's checks by time."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class CheckItem(MainModel):
    """Storage shape of a check: ids and dates as attributes, the check as JSON."""

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    patient_id = UnicodeAttribute()
    coverage_id = UnicodeAttribute()
    status = UnicodeAttribute()
    body = UnicodeAttribute()
    revision = NumberAttribute(default=1)
    by_coverage = ByCoverage()

    @classmethod
    def of(cls, practice_id: str, check: EligibilityCheck) -> CheckItem:
        """The item for a check."""
        return cls(
            check_pk(practice_id, check.id),
            CHECK_SK,
            gsi1pk=history_pk(practice_id, check.coverage_id),
            gsi1sk=f"{check.requested_at.isoformat()}#{check.id}",
            patient_id=check.patient_id,
            coverage_id=check.coverage_id,
            status=check.result.status.value,
            body=check.model_dump_json(),
            revision=check.revision,
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

    def for_coverage(
        self,
        practice_id: str,
        coverage_id: str,
        *,
        since: datetime | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> tuple[list[EligibilityCheck], str | None]:
        """A page of the coverage's checks, newest first (one Query of GSI1)."""
        pk = history_pk(practice_id, coverage_id)
        start: Key | None = decode_cursor(cursor, partition=("GSI1PK", pk))
        condition = CheckItem.gsi1sk >= since.astimezone(UTC).isoformat() if since else None
        result = CheckItem.by_coverage.query(
            pk,
            condition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )
        found = [item.to_check() for item in result]
        last = result.last_evaluated_key
        more = len(found) == limit and last
        return found, encode_cursor(last) if more else None

    def replace(
        self,
        practice_id: str,
        before: EligibilityCheck,
        after: EligibilityCheck,
        audit: AuditRecord,
    ) -> None:
        """Store `after` if the check is still at `before.revision`, with the audit record."""
        tx = Transaction()
        condition = CheckItem.revision == before.revision
        if before.revision == 1:  # checks stored before revisions existed have none
            condition = condition | (CheckItem.pk.exists() & CheckItem.revision.does_not_exist())
        tx.put("check", CheckItem.of(practice_id, after), condition)
        tx.put("audit", AuditItem.from_record(audit), AuditItem.pk.does_not_exist())
        try:
            tx.commit()
        except ConditionsFailedError:
            raise ConflictError("the eligibility check was changed by someone else") from None


SETTINGS_SK = "SETTINGS"
NIGHTLY_PK = "_eligibility#NIGHTLY"


class ByGsi2(GlobalSecondaryIndex["SettingsItem"]):
    """GSI2 over settings: the practices with nightly checks on."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class SettingsItem(MainModel):
    """A practice's eligibility settings (no PHI)."""

    gsi2pk = UnicodeAttribute(attr_name="GSI2PK", null=True)
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK", null=True)
    practice_id = UnicodeAttribute()
    version = NumberAttribute()
    body = UnicodeAttribute()
    nightly = ByGsi2()


class DynamoSettingsRepository:
    """SettingsRepository on the main table."""

    def get(self, practice_id: str) -> EligibilitySettings:
        """The stored settings, or the defaults."""
        try:
            item = SettingsItem.get(tenant_key(practice_id, "ELIGSETTINGS"), SETTINGS_SK)
        except SettingsItem.DoesNotExist:
            return EligibilitySettings()
        return EligibilitySettings.model_validate_json(item.body)

    def put(
        self, practice_id: str, value: EligibilitySettings, *, previous_version: int
    ) -> EligibilitySettings:
        """Store the settings if still at `previous_version` (0: never set); 409 otherwise."""
        stored = value.model_copy(update={"version": previous_version + 1})
        item = SettingsItem(
            tenant_key(practice_id, "ELIGSETTINGS"),
            SETTINGS_SK,
            practice_id=practice_id,
            version=stored.version,
            body=stored.model_dump_json(),
            gsi2pk=NIGHTLY_PK if stored.nightly_enabled else None,
            gsi2sk=practice_id if stored.nightly_enabled else None,
        )
        condition = (
            SettingsItem.pk.does_not_exist()
            if previous_version == 0
            else SettingsItem.version == previous_version
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise ConflictError(
                    "version: the settings were changed by someone else; reload them"
                ) from None
            raise
        return stored

    def nightly_practices(self) -> list[str]:
        """Ids of the practices with nightly checks on."""
        return [item.practice_id for item in SettingsItem.nightly.query(NIGHTLY_PK)]


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
