"""DynamoDB and S3 adapters of the coverage ports (see docs/data-model.md, "Coverages").

Coverages live in their patient's partition, so one query reads them all:

- coverage  PK `<p>#PATIENT#<patient_id>`  SK `COVERAGE#<coverage_id>`
            GSI2 `<p>#MEMBER#<payer_id>#<member_id>` / `<patient_id>#<coverage_id>`
- order     PK `<p>#PATIENT#<patient_id>`  SK `COVORDER` (ids primary first, version)
- payer     PK `<p>#PAYER`                 SK `<payer_id>` (read only; the practice slice owns it)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem
from clinicflow.coverages.model import (
    CardImage,
    CardSide,
    Coverage,
    CoverageOrder,
    OrderChangedError,
    Payer,
)
from clinicflow.patients.model import StaleVersionError
from clinicflow.patients.store import PATIENT_SK, PatientItem, patient_pk
from clinicflow.platform.config import settings
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import FieldError, NotFoundError, ValidationError
from clinicflow.platform.transact import ConditionsFailedError, Transaction

COVERAGE_PREFIX = "COVERAGE#"
ORDER_SK = "COVORDER"


class MemberIndex(GlobalSecondaryIndex["CoverageItem"]):
    """GSI2 over coverages: find a coverage by payer + member id (eligibility, remittance)."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class CoverageItem(MainModel):
    """Storage shape of a coverage; card requests are attributes so they don't bump version."""

    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    entity = UnicodeAttribute(default="coverage")
    coverage_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    payer_id = UnicodeAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute()
    doc = MapAttribute[str, Any]()
    card_front = MapAttribute[str, Any](null=True)
    card_back = MapAttribute[str, Any](null=True)
    by_member = MemberIndex()

    @classmethod
    def of(cls, practice_id: str, c: Coverage) -> CoverageItem:
        """The item storing `c` (its order is kept in the order item, not here)."""
        item = cls(
            pk=patient_pk(practice_id, c.patient_id),
            sk=COVERAGE_PREFIX + c.id,
            gsi2pk=tenant_key(practice_id, "MEMBER", c.payer_id, c.member_id.upper()),
            gsi2sk=f"{c.patient_id}#{c.id}",
            coverage_id=c.id,
            patient_id=c.patient_id,
            payer_id=c.payer_id,
            status=c.status.value,
            version=c.version,
            doc=c.model_dump(mode="json", exclude_none=True, exclude={"order", "cards"}),
        )
        for side, image in c.cards.items():
            setattr(item, f"card_{side.value}", image.model_dump(mode="json"))
        return item

    def to_coverage(self, order: CoverageOrder) -> Coverage:
        """The domain coverage, with its position in `order`."""
        cards = {
            side.value: raw.as_dict()
            for side in CardSide
            if (raw := getattr(self, f"card_{side.value}")) is not None
        }
        return Coverage.model_validate(
            {**self.doc.as_dict(), "cards": cards, "order": order.position(self.coverage_id)}
        )


class OrderItem(MainModel):
    """The versioned order of a patient's active coverages."""

    ids = ListAttribute[str](default=list)
    version = NumberAttribute(default=0)


class PayerRefItem(MainModel):
    """A payer directory entry, as far as coverages read it."""

    name = UnicodeAttribute(null=True)
    active = BooleanAttribute(null=True)


def _audit(tx: Transaction, record: AuditRecord) -> None:
    tx.put("audit", AuditItem.from_record(record), AuditItem.pk.does_not_exist())


def _payer_key(practice_id: str, payer_id: str) -> tuple[str, str]:
    return tenant_key(practice_id, "PAYER"), payer_id


class DynamoCoverageRepository:
    """CoverageRepository on the main table."""

    def patient_exists(self, practice_id: str, patient_id: str) -> bool:
        """True when the patient item exists."""
        try:
            PatientItem.get(
                patient_pk(practice_id, patient_id),
                PATIENT_SK,
                consistent_read=True,
                attributes_to_get=["PK"],
            )
        except PatientItem.DoesNotExist:
            return False
        return True

    def _order(self, practice_id: str, patient_id: str) -> CoverageOrder:
        try:
            item = OrderItem.get(
                patient_pk(practice_id, patient_id), ORDER_SK, consistent_read=True
            )
        except OrderItem.DoesNotExist:
            return CoverageOrder()
        return CoverageOrder(ids=tuple(item.ids or ()), version=int(item.version))

    def coverages_of(
        self, practice_id: str, patient_id: str
    ) -> tuple[list[Coverage], CoverageOrder]:
        """Every coverage of the patient and the current order."""
        order = self._order(practice_id, patient_id)
        items = CoverageItem.query(
            patient_pk(practice_id, patient_id),
            CoverageItem.sk.startswith(COVERAGE_PREFIX),
            consistent_read=True,
        )
        return [item.to_coverage(order) for item in items], order

    def find_by_member(self, practice_id: str, payer_id: str, member_id: str) -> list[Coverage]:
        """Coverages of the practice with this payer and member id (GSI2)."""
        items = CoverageItem.by_member.query(
            tenant_key(practice_id, "MEMBER", payer_id, member_id.upper())
        )
        return [item.to_coverage(CoverageOrder()) for item in items]

    def _order_write(
        self,
        tx: Transaction,
        practice_id: str,
        patient_id: str,
        before: CoverageOrder,
        after: CoverageOrder,
    ) -> None:
        pk = patient_pk(practice_id, patient_id)
        unchanged = (
            OrderItem.pk.does_not_exist()
            if before.version == 0
            else OrderItem.version == before.version
        )
        if after.version == before.version:
            tx.check("order", OrderItem, pk, ORDER_SK, unchanged)
        else:
            tx.put(
                "order",
                OrderItem(pk, ORDER_SK, ids=list(after.ids), version=after.version),
                unchanged,
            )

    def _check_ordered(
        self, tx: Transaction, practice_id: str, ordered: Sequence[Coverage]
    ) -> None:
        for c in ordered:
            tx.check(
                "ordered",
                CoverageItem,
                patient_pk(practice_id, c.patient_id),
                COVERAGE_PREFIX + c.id,
                (CoverageItem.version == c.version) & (CoverageItem.status == "active"),
            )

    def save(
        self,
        practice_id: str,
        coverage: Coverage,
        *,
        previous_version: int | None,
        order_before: CoverageOrder,
        order_after: CoverageOrder,
        ordered: Sequence[Coverage],
        audit: AuditRecord,
    ) -> None:
        """Put the coverage and the order in one transaction with the audit record."""
        pk = patient_pk(practice_id, coverage.patient_id)
        tx = Transaction()
        tx.check("patient", PatientItem, pk, PATIENT_SK, PatientItem.pk.exists())
        tx.check(
            "payer",
            PayerRefItem,
            *_payer_key(practice_id, coverage.payer_id),
            PayerRefItem.pk.exists()
            & (PayerRefItem.active.does_not_exist() | (PayerRefItem.active == True)),  # noqa: E712
        )
        condition = (
            CoverageItem.pk.does_not_exist()
            if previous_version is None
            else CoverageItem.version == previous_version
        )
        tx.put("coverage", CoverageItem.of(practice_id, coverage), condition)
        self._order_write(tx, practice_id, coverage.patient_id, order_before, order_after)
        self._check_ordered(tx, practice_id, ordered)
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "patient" in exc.failed:
                raise NotFoundError("patient not found") from None
            if "payer" in exc.failed:
                raise ValidationError(
                    FieldError("payer_id", "is not in the practice's payer directory")
                ) from None
            if "coverage" in exc.failed:
                raise StaleVersionError() from None
            raise OrderChangedError() from None

    def reorder(
        self,
        practice_id: str,
        patient_id: str,
        *,
        order_before: CoverageOrder,
        order_after: CoverageOrder,
        ordered: Sequence[Coverage],
        audit: AuditRecord,
    ) -> None:
        """Replace the order atomically, conditioned on what was read."""
        tx = Transaction()
        self._order_write(tx, practice_id, patient_id, order_before, order_after)
        self._check_ordered(tx, practice_id, ordered)
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError:
            raise OrderChangedError() from None

    def record_card(
        self, practice_id: str, coverage: Coverage, image: CardImage, audit: AuditRecord
    ) -> None:
        """Note the requested card image on the coverage, with its audit record."""
        attr = CoverageItem.card_front if image.side is CardSide.FRONT else CoverageItem.card_back
        tx = Transaction()
        tx.update(
            "coverage",
            CoverageItem(
                patient_pk(practice_id, coverage.patient_id), COVERAGE_PREFIX + coverage.id
            ),
            [attr.set(image.model_dump(mode="json"))],
            CoverageItem.pk.exists(),
        )
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError:
            raise NotFoundError("coverage not found") from None


class DynamoPayerLookup:
    """PayerLookup on the practice's payer directory items."""

    def get(self, practice_id: str, payer_id: str) -> Payer | None:
        """The payer, or None."""
        try:
            item = PayerRefItem.get(*_payer_key(practice_id, payer_id), consistent_read=True)
        except PayerRefItem.DoesNotExist:
            return None
        return Payer(payer_id=payer_id, name=item.name, active=item.active is not False)


@lru_cache(maxsize=1)
def _s3() -> Any:
    import boto3  # lazy: only card routes pay for it
    from botocore.config import Config

    return boto3.client(
        "s3", region_name=settings().region, config=Config(signature_version="s3v4")
    )


class S3CardImages:
    """CardImageStore on the documents bucket, by presigned URLs."""

    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        """Presigned PUT; the browser must send the same Content-Type."""
        url: str = _s3().generate_presigned_url(
            "put_object",
            Params={"Bucket": settings().documents_bucket, "Key": key, "ContentType": content_type},
            ExpiresIn=expires_in,
        )
        return url

    def download_url(self, key: str, expires_in: int) -> str:
        """Presigned GET."""
        url: str = _s3().generate_presigned_url(
            "get_object",
            Params={"Bucket": settings().documents_bucket, "Key": key},
            ExpiresIn=expires_in,
        )
        return url
