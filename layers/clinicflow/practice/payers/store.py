"""DynamoDB adapter of the payer directory (main table).

Key: PK `<practice>#PAYER`, SK `<payer_id>`. Other capabilities rely on this exact
shape (coverages check a payer exists by it), so it must not change.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from clinicflow.audit.model import AuditRecord
from clinicflow.platform.cursor import decode_cursor, encode_cursor
from clinicflow.platform.dynamo import tenant_key
from clinicflow.practice.payers.model import Payer, Route
from clinicflow.practice.payers.service import PayerPage
from clinicflow.practice.store import AddressAttribute, StampedItem, write_with_audit


def payer_pk(practice_id: str) -> str:
    """Partition of a practice's payer directory."""
    return tenant_key(practice_id, "PAYER")


class RouteAttribute(MapAttribute[str, Any]):
    """Storage shape of a Route."""

    clearinghouse_id = UnicodeAttribute(default="")
    clearinghouse_payer_id = UnicodeAttribute(default="")
    endpoint_url = UnicodeAttribute(default="")

    @classmethod
    def of(cls, route: Route | None) -> RouteAttribute | None:
        """The stored form of a route (None stays None)."""
        if route is None:
            return None
        return cls(
            clearinghouse_id=route.clearinghouse_id,
            clearinghouse_payer_id=route.clearinghouse_payer_id,
            endpoint_url=route.endpoint_url,
        )

    def to_route(self) -> Route:
        """The domain route."""
        return Route(
            self.clearinghouse_id or "", self.clearinghouse_payer_id or "", self.endpoint_url or ""
        )


class PayerItem(StampedItem):
    """Storage shape of a payer directory entry."""

    name = UnicodeAttribute()
    claim_filing_indicator = UnicodeAttribute()
    claims = RouteAttribute(null=True)
    eligibility = RouteAttribute(null=True)
    realtime_eligibility = BooleanAttribute(default=False)
    timely_filing_days = NumberAttribute()
    address = AddressAttribute(null=True)
    phone = UnicodeAttribute(default="")
    active = BooleanAttribute(default=True)

    @classmethod
    def of(cls, p: Payer) -> PayerItem:
        """The item storing a payer."""
        item = cls(
            pk=payer_pk(p.practice_id),
            sk=p.payer_id,
            entity="payer",
            name=p.name,
            claim_filing_indicator=p.claim_filing_indicator,
            claims=RouteAttribute.of(p.claims),
            eligibility=RouteAttribute.of(p.eligibility),
            realtime_eligibility=p.realtime_eligibility,
            timely_filing_days=p.timely_filing_days,
            address=AddressAttribute.of(p.address) if p.address else None,
            phone=p.phone,
            active=p.active,
        )
        item.set_stamp(p.stamp)
        return item

    def to_payer(self, practice_id: str) -> Payer:
        """The domain payer."""
        return Payer(
            practice_id=practice_id,
            payer_id=self.sk,
            name=self.name,
            claim_filing_indicator=self.claim_filing_indicator,
            claims=self.claims.to_route() if self.claims else None,
            eligibility=self.eligibility.to_route() if self.eligibility else None,
            realtime_eligibility=bool(self.realtime_eligibility),
            timely_filing_days=int(self.timely_filing_days),
            address=self.address.to_address() if self.address else None,
            phone=self.phone or "",
            active=bool(self.active),
            stamp=self.stamp(),
        )


class DynamoPayerStore:
    """PayerRepository on the main table."""

    def get_payer(self, practice_id: str, payer_id: str) -> Payer | None:
        """One payer of the practice's directory (GetItem on PK/SK)."""
        try:
            item = PayerItem.get(payer_pk(practice_id), payer_id, consistent_read=True)
        except PayerItem.DoesNotExist:
            return None
        return item.to_payer(practice_id)

    def list_payers(self, practice_id: str, *, limit: int, cursor: str | None) -> PayerPage:
        """A page of the directory in payer id order (Query on PK)."""
        pk = payer_pk(practice_id)
        start = decode_cursor(cursor, partition=("PK", pk))
        result = PayerItem.query(pk, limit=limit, last_evaluated_key=start)
        payers = [item.to_payer(practice_id) for item in result]
        return PayerPage(payers, encode_cursor(result.last_evaluated_key))

    def save_payer(self, payer: Payer, *, previous_version: int, audit: AuditRecord) -> None:
        """Write the payer with its audit record (ConflictError if it changed)."""
        write_with_audit(PayerItem.of(payer), previous_version, audit, "payer")
