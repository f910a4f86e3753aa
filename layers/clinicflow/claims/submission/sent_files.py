"""The claims of the 837P files a practice sent, read back from the documents bucket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from clinicflow.claims.model import Claim
from clinicflow.claims.submission.model import file_key


class StoredObjects(Protocol):
    """Reads objects of the documents bucket (`aws.S3Objects`)."""

    def get(self, key: str) -> bytes | None:
        """An object, or None."""
        ...


@dataclass(frozen=True)
class SentClaimFiles:
    """`claims_in_file` over stored 837P files (the backtest's `SentFiles` port)."""

    documents: StoredObjects

    def claims_in_file(self, practice_id: str, file_id: str) -> dict[str, Claim]:
        """The file's claims by claim id, as sent ({} when the file is missing or unreadable)."""
        # Imported here: the X12 codec would add ~0.14 s to the cold start of every claims route.
        from clinicflow.claims.submission import codec

        content = self.documents.get(file_key(practice_id, file_id))
        return codec.read_837p_claims(content) if content else {}
