"""DynamoDB adapter of the practice profile and locations (main table).

Keys (every one starts with the practice id from the caller's token):
- profile:  PK `<practice>#PRACTICE`, SK `PROFILE`
- location: PK `<practice>#LOCATION`, SK `<location_id>` (list = one Query on PK)
Each write goes with its audit record in one TransactWriteItems, conditioned on the
version read (or on absence), so concurrent edits answer 409 instead of losing one.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem, put_condition
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError
from clinicflow.platform.transact import ConditionsFailedError, Transaction
from clinicflow.practice.model import (
    DEFAULT_BILLING_HOUR,
    Address,
    Location,
    PracticeProfile,
    Stamp,
)

PROFILE_SK = "PROFILE"


def profile_pk(practice_id: str) -> str:
    """Partition of a practice's profile."""
    return tenant_key(practice_id, "PRACTICE")


def location_pk(practice_id: str) -> str:
    """Partition of a practice's locations."""
    return tenant_key(practice_id, "LOCATION")


class AddressAttribute(MapAttribute[str, Any]):
    """Storage shape of an Address."""

    line1 = UnicodeAttribute()
    line2 = UnicodeAttribute(default="")
    city = UnicodeAttribute()
    state = UnicodeAttribute()
    postal_code = UnicodeAttribute()

    @classmethod
    def of(cls, address: Address) -> AddressAttribute:
        """The stored form of an address."""
        return cls(
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            state=address.state,
            postal_code=address.postal_code,
        )

    def to_address(self) -> Address:
        """The domain address."""
        return Address(
            line1=self.line1,
            line2=self.line2 or "",
            city=self.city,
            state=self.state,
            postal_code=self.postal_code,
        )


class StampedItem(MainModel):
    """Version and last-change fields shared by the practice's records."""

    entity = UnicodeAttribute()
    version = NumberAttribute()
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute()

    def set_stamp(self, stamp: Stamp) -> None:
        """Copy a domain stamp onto the item."""
        self.version = stamp.version
        self.updated_at = stamp.updated_at
        self.updated_by = stamp.updated_by

    def stamp(self) -> Stamp:
        """The domain stamp of the item."""
        return Stamp(int(self.version), self.updated_at, self.updated_by)


def write_with_audit(
    item: StampedItem, previous_version: int, audit: AuditRecord, what: str
) -> None:
    """Put `item` and its audit record atomically, if the stored version is unchanged."""
    condition: Condition = (
        type(item).pk.does_not_exist()
        if previous_version == 0
        else type(item).version == previous_version
    )
    tx = Transaction()
    tx.put("record", item, condition)
    tx.put("audit", AuditItem.from_record(audit), put_condition())
    try:
        tx.commit()
    except ConditionsFailedError as exc:
        raise ConflictError(f"the {what} was changed by someone else; reload it and retry") from exc


class ProfileItem(StampedItem):
    """Storage shape of the practice profile."""

    legal_name = UnicodeAttribute()
    tax_id = UnicodeAttribute()
    group_npi = UnicodeAttribute()
    taxonomy_code = UnicodeAttribute()
    billing_address = AddressAttribute()
    pay_to_address = AddressAttribute(null=True)
    phone = UnicodeAttribute()
    time_zone = UnicodeAttribute()
    billing_hour = NumberAttribute(null=True)  # absent on profiles saved before it existed

    @classmethod
    def of(cls, p: PracticeProfile) -> ProfileItem:
        """The item storing a profile."""
        item = cls(
            pk=profile_pk(p.practice_id),
            sk=PROFILE_SK,
            entity="practice",
            legal_name=p.legal_name,
            tax_id=p.tax_id,
            group_npi=p.group_npi,
            taxonomy_code=p.taxonomy_code,
            billing_address=AddressAttribute.of(p.billing_address),
            pay_to_address=AddressAttribute.of(p.pay_to_address) if p.pay_to_address else None,
            phone=p.phone,
            time_zone=p.time_zone,
            billing_hour=p.billing_hour,
        )
        item.set_stamp(p.stamp)
        return item

    def to_profile(self, practice_id: str) -> PracticeProfile:
        """The domain profile."""
        return PracticeProfile(
            practice_id=practice_id,
            legal_name=self.legal_name,
            tax_id=self.tax_id,
            group_npi=self.group_npi,
            taxonomy_code=self.taxonomy_code,
            billing_address=self.billing_address.to_address(),
            pay_to_address=self.pay_to_address.to_address() if self.pay_to_address else None,
            phone=self.phone,
            time_zone=self.time_zone,
            billing_hour=(
                DEFAULT_BILLING_HOUR if self.billing_hour is None else int(self.billing_hour)
            ),
            stamp=self.stamp(),
        )


class LocationItem(StampedItem):
    """Storage shape of a location."""

    name = UnicodeAttribute()
    address = AddressAttribute()
    time_zone = UnicodeAttribute()
    place_of_service = UnicodeAttribute()
    phone = UnicodeAttribute(default="")
    npi = UnicodeAttribute(default="")
    active = BooleanAttribute(default=True)

    @classmethod
    def of(cls, loc: Location) -> LocationItem:
        """The item storing a location."""
        item = cls(
            pk=location_pk(loc.practice_id),
            sk=loc.location_id,
            entity="location",
            name=loc.name,
            address=AddressAttribute.of(loc.address),
            time_zone=loc.time_zone,
            place_of_service=loc.place_of_service,
            phone=loc.phone,
            npi=loc.npi,
            active=loc.active,
        )
        item.set_stamp(loc.stamp)
        return item

    def to_location(self, practice_id: str) -> Location:
        """The domain location."""
        return Location(
            practice_id=practice_id,
            location_id=self.sk,
            name=self.name,
            address=self.address.to_address(),
            time_zone=self.time_zone,
            place_of_service=self.place_of_service,
            phone=self.phone or "",
            npi=self.npi or "",
            active=bool(self.active),
            stamp=self.stamp(),
        )


def _get(model: type[StampedItem], pk: str, sk: str) -> Model | None:
    try:
        return model.get(pk, sk, consistent_read=True)
    except model.DoesNotExist:
        return None


class DynamoPracticeStore:
    """PracticeRepository on the main table."""

    def get_profile(self, practice_id: str) -> PracticeProfile | None:
        """The practice's profile, if saved."""
        item = _get(ProfileItem, profile_pk(practice_id), PROFILE_SK)
        return item.to_profile(practice_id) if isinstance(item, ProfileItem) else None

    def save_profile(
        self, profile: PracticeProfile, *, previous_version: int, audit: AuditRecord
    ) -> None:
        """Write the profile with its audit record (ConflictError if it changed)."""
        write_with_audit(ProfileItem.of(profile), previous_version, audit, "practice profile")

    def get_location(self, practice_id: str, location_id: str) -> Location | None:
        """One location of the practice."""
        item = _get(LocationItem, location_pk(practice_id), location_id)
        return item.to_location(practice_id) if isinstance(item, LocationItem) else None

    def list_locations(self, practice_id: str) -> list[Location]:
        """Every location of the practice (one Query on its partition)."""
        return [
            item.to_location(practice_id)
            for item in LocationItem.query(location_pk(practice_id), consistent_read=True)
        ]

    def save_location(
        self, location: Location, *, previous_version: int, audit: AuditRecord
    ) -> None:
        """Write the location with its audit record (ConflictError if it changed)."""
        write_with_audit(LocationItem.of(location), previous_version, audit, "location")
