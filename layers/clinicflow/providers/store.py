"""DynamoDB adapter of providers (main table).

Keys (every one starts with the practice id from the caller's token):
- provider:  PK `<practice>#PROVIDER`, SK `<provider_id>` (list = one Query on PK)
- NPI claim: PK `<practice>#PROVIDER_NPI`, SK `<npi>`, holding the provider id
Each write goes with its audit record in one TransactWriteItems: a new provider on
condition that neither its id nor its NPI claim exists; a change on condition that the
stored version is the one read, moving the NPI claim (delete the old one if still ours,
put the new one if free) when the NPI changes. A lost race answers 409, never a half write.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError
from clinicflow.platform.transact import ConditionsFailedError, Transaction
from clinicflow.providers.model import Provider


def provider_pk(practice_id: str) -> str:
    """Partition of a practice's providers."""
    return tenant_key(practice_id, "PROVIDER")


def npi_pk(practice_id: str) -> str:
    """Partition of a practice's NPI claims (one item per NPI in use)."""
    return tenant_key(practice_id, "PROVIDER_NPI")


class ProviderItem(MainModel):
    """Storage shape of a provider."""

    entity = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    npi = UnicodeAttribute()
    taxonomy_code = UnicodeAttribute()
    credentials: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, default=list)
    specialty = UnicodeAttribute(default="")
    location_ids: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, default=list)
    color = UnicodeAttribute()
    accepts_new_patients = BooleanAttribute()
    active = BooleanAttribute()
    version = NumberAttribute()
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute()

    @classmethod
    def of(cls, p: Provider) -> ProviderItem:
        """The item storing a provider."""
        return cls(
            pk=provider_pk(p.practice_id),
            sk=p.provider_id,
            entity="provider",
            first_name=p.first_name,
            last_name=p.last_name,
            npi=p.npi,
            taxonomy_code=p.taxonomy_code,
            credentials=list(p.credentials),
            specialty=p.specialty,
            location_ids=list(p.location_ids),
            color=p.color,
            accepts_new_patients=p.accepts_new_patients,
            active=p.active,
            version=p.version,
            updated_at=p.updated_at,
            updated_by=p.updated_by,
        )

    def to_provider(self, practice_id: str) -> Provider:
        """The domain provider."""
        return Provider(
            practice_id=practice_id,
            provider_id=self.sk,
            first_name=self.first_name,
            last_name=self.last_name,
            npi=self.npi,
            taxonomy_code=self.taxonomy_code,
            credentials=tuple(self.credentials or ()),
            specialty=self.specialty or "",
            location_ids=tuple(self.location_ids or ()),
            color=self.color,
            accepts_new_patients=bool(self.accepts_new_patients),
            active=bool(self.active),
            version=int(self.version),
            updated_at=self.updated_at,
            updated_by=self.updated_by,
        )


class NpiClaimItem(MainModel):
    """Uniqueness of an NPI within a practice: exists while a provider holds the NPI."""

    entity = UnicodeAttribute()
    provider_id = UnicodeAttribute()

    @classmethod
    def of(cls, p: Provider) -> NpiClaimItem:
        """The claim of the provider's NPI."""
        return cls(
            pk=npi_pk(p.practice_id), sk=p.npi, entity="provider_npi", provider_id=p.provider_id
        )

    @classmethod
    def key_of(cls, practice_id: str, npi: str) -> NpiClaimItem:
        """The claim item's key only (for a delete)."""
        return cls(pk=npi_pk(practice_id), sk=npi)


def _npi_conflict(practice_id: str, npi: str) -> ConflictError:
    holder = ""
    with suppress(NpiClaimItem.DoesNotExist):  # released since: name no holder
        holder = NpiClaimItem.get(npi_pk(practice_id), npi, consistent_read=True).provider_id
    details: dict[str, Any] = {
        "fields": [{"field": "npi", "message": "is already used by another provider"}]
    }
    if holder:
        details["existing_provider_id"] = holder
    return ConflictError(
        "npi: is already used by another provider of the practice", details=details
    )


def _audit(tx: Transaction, audit: AuditRecord) -> None:
    tx.put("audit", AuditItem.from_record(audit), AuditItem.pk.does_not_exist())


class DynamoProviderStore:
    """ProviderRepository on the main table."""

    def get(self, practice_id: str, provider_id: str) -> Provider | None:
        """One provider of the practice."""
        try:
            item = ProviderItem.get(provider_pk(practice_id), provider_id, consistent_read=True)
        except ProviderItem.DoesNotExist:
            return None
        return item.to_provider(practice_id)

    def list_all(self, practice_id: str) -> list[Provider]:
        """Every provider of the practice (one Query on its partition)."""
        return [
            item.to_provider(practice_id)
            for item in ProviderItem.query(provider_pk(practice_id), consistent_read=True)
        ]

    def add(self, provider: Provider, *, audit: AuditRecord) -> None:
        """Write a new provider with its NPI claim and audit record (409 when taken)."""
        tx = Transaction()
        tx.put("provider", ProviderItem.of(provider), ProviderItem.pk.does_not_exist())
        tx.put("npi", NpiClaimItem.of(provider), NpiClaimItem.pk.does_not_exist())
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "provider" in exc.failed:
                raise ConflictError(
                    "provider_id: a provider with this id already exists",
                    details={"fields": [{"field": "provider_id", "message": "already exists"}]},
                ) from None
            if "npi" in exc.failed:
                raise _npi_conflict(provider.practice_id, provider.npi) from None
            raise ConflictError("the providers changed concurrently; retry") from None

    def save(self, provider: Provider, *, previous: Provider, audit: AuditRecord) -> None:
        """Replace `previous` if unchanged since read; move the NPI claim when it changed."""
        tx = Transaction()
        tx.put("provider", ProviderItem.of(provider), ProviderItem.version == previous.version)
        if provider.npi != previous.npi:
            tx.delete(
                "old_npi",
                NpiClaimItem.key_of(previous.practice_id, previous.npi),
                NpiClaimItem.provider_id == previous.provider_id,
            )
            tx.put("npi", NpiClaimItem.of(provider), NpiClaimItem.pk.does_not_exist())
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "provider" in exc.failed or "old_npi" in exc.failed or not exc.failed:
                raise ConflictError(
                    "the provider was changed by someone else; reload it and retry"
                ) from None
            if "npi" in exc.failed:
                raise _npi_conflict(provider.practice_id, provider.npi) from None
            raise
