"""DynamoDB conventions shared by every store: table names, tenant keys, base models.

Every partition key starts with the practice id taken from the caller's identity, so a
key of one practice can never address an item of another.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from clinicflow.platform.config import settings

SEP = "#"


def tenant_key(practice_id: str, *parts: str) -> str:
    """A tenant-scoped key: `<practice_id>#part#part...`."""
    if not practice_id or SEP in practice_id:
        raise ValueError("practice id must be non-empty and contain no '#'")
    return SEP.join((practice_id, *parts))


class MainModel(Model):
    """Base of every item in the main (single) table: PK/SK plus two overloaded GSIs."""

    class Meta:
        table_name = settings().table_name
        region = settings().region

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
