"""What a scrub reads besides the claim: code sets, reference tables, history. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from clinicflow.claims.model import Authorization, Claim
from clinicflow.codesets import icd10
from clinicflow.codesets.procedures import HcpcsCode, MueLimit, PtpEdit
from clinicflow.codesets.service import ReferenceTables


@dataclass
class ScrubContext:
    """A claim and the facts its rules need.

    - `tables`: imported HCPCS / NCCI PTP / MUE tables (None: none loaded; rules skip);
    - `authorizations`: the patient's prior authorizations and referrals with the payer;
    - `other_claims`: the patient's other claims (possible duplicates);
    - `claim_id_taken`: another claim of the practice already uses this CLM01;
    - `timely_filing_days`: the payer's window (None: unknown, rule skips).
    """

    claim: Claim
    today: date
    tables: ReferenceTables | None = None
    authorizations: Sequence[Authorization] = ()
    other_claims: Sequence[Claim] = ()
    claim_id_taken: bool = False
    timely_filing_days: int | None = None
    release_for: Callable[[date], icd10.ReleaseChoice | None] = icd10.release_for
    _cache: dict[str, object] = field(default_factory=dict)

    @cached_property
    def icd10(self) -> icd10.ReleaseChoice | None:
        """The ICD-10-CM release for the claim's date of service."""
        return self.release_for(self.claim.service_date)

    @cached_property
    def loaded_tables(self) -> frozenset[str]:
        """Which reference tables are loaded."""
        return self.tables.loaded() if self.tables else frozenset()

    @cached_property
    def hcpcs(self) -> dict[str, HcpcsCode]:
        """Imported HCPCS Level II entries of the claim's codes and modifiers."""
        if self.tables is None or "HCPCS" not in self.loaded_tables:
            return {}
        codes = {line.procedure for line in self.claim.lines}
        return self.tables.hcpcs(codes)

    @cached_property
    def ptp(self) -> list[PtpEdit]:
        """NCCI edits between any two of the claim's procedure codes."""
        if self.tables is None or "PTP" not in self.loaded_tables:
            return []
        codes = sorted({line.procedure for line in self.claim.lines})
        pairs = [(a, b) for a in codes for b in codes if a != b]
        return self.tables.ptp(pairs) if pairs else []

    @cached_property
    def mue(self) -> dict[str, MueLimit]:
        """MUE limits of the claim's codes."""
        if self.tables is None or "MUE" not in self.loaded_tables:
            return {}
        return self.tables.mue({line.procedure for line in self.claim.lines})
