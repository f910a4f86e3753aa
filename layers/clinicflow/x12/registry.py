"""Which typed parser reads which transaction set, and whole-file parsing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

import pydantic

from clinicflow.x12 import elements as el
from clinicflow.x12.ack.model import AcknowledgmentDocument
from clinicflow.x12.ack.parse import parse_999
from clinicflow.x12.claimack.model import ClaimAcknowledgmentDocument
from clinicflow.x12.claimack.parse import parse_277ca
from clinicflow.x12.claims.model import ClaimBatch, ProfessionalClaimDocument
from clinicflow.x12.claims.parse837p import parse_837p_set
from clinicflow.x12.document import ParsedFile, ParsedGroup, ParsedInterchange
from clinicflow.x12.eligibility.inquiry import EligibilityInquiry, EligibilityInquiryDocument
from clinicflow.x12.eligibility.parse270 import parse_270
from clinicflow.x12.eligibility.parse271 import parse_271
from clinicflow.x12.eligibility.response import EligibilityResponseDocument
from clinicflow.x12.errors import X12ParseError
from clinicflow.x12.model import X12Model
from clinicflow.x12.reader import FunctionalGroup, Interchange, TransactionSet, read
from clinicflow.x12.remittance.model import RemittanceDocument
from clinicflow.x12.remittance.parse import parse_835
from clinicflow.x12.segment import Segment
from clinicflow.x12.tuning import gc_paused
from clinicflow.x12.typed import located

Parser = Callable[
    [TransactionSet],
    EligibilityInquiryDocument
    | EligibilityResponseDocument
    | AcknowledgmentDocument
    | ProfessionalClaimDocument
    | ClaimAcknowledgmentDocument
    | RemittanceDocument,
]


@dataclass(frozen=True)
class TransactionType:
    """A transaction the project reads: its key, typed model and parser."""

    key: str
    description: str
    model: type[X12Model]
    parse: Parser


_KINDS = (
    TransactionType("270", "Eligibility inquiry", EligibilityInquiryDocument, parse_270),
    TransactionType("271", "Eligibility response", EligibilityResponseDocument, parse_271),
    TransactionType("999", "Implementation acknowledgment", AcknowledgmentDocument, parse_999),
    TransactionType("837P", "Professional claim", ProfessionalClaimDocument, parse_837p_set),
    TransactionType("277CA", "Claim acknowledgment", ClaimAcknowledgmentDocument, parse_277ca),
    TransactionType("835", "Remittance advice", RemittanceDocument, parse_835),
)
TRANSACTIONS: dict[str, TransactionType] = {t.key: t for t in _KINDS}

SCHEMAS: dict[str, type[pydantic.BaseModel]] = {
    **{k: t.model for k, t in TRANSACTIONS.items()},
    "270-request": EligibilityInquiry,
    "837P-batch": ClaimBatch,
    "file": ParsedFile,
}
"""Models whose JSON Schema ``x12 schema`` prints."""

_IMPLEMENTATION_KEYS = {"X222": "837P", "X223": "837I", "X224": "837D", "X214": "277CA"}


def transaction_key(ts: TransactionSet) -> str:
    """Key of a set from ST01, refined by the implementation (ST03/GS08) where ST01 is shared."""
    set_id = ts.set_id
    impl = ts.implementation
    for marker, key in _IMPLEMENTATION_KEYS.items():
        if marker in impl and key.startswith(set_id):
            return key
    return set_id


def parse_transaction(ts: TransactionSet) -> X12Model:
    """The typed document of one transaction set."""
    key = transaction_key(ts)
    kind = TRANSACTIONS.get(key)
    if kind is None:
        raise ts.header.error(f"no typed model for transaction set {key}", 1)
    try:
        return kind.parse(ts)
    except pydantic.ValidationError as err:
        raise located(err, ts.header) from None


def _date_time(seg: Segment, dpos: int, tpos: int) -> tuple[date | None, time | None]:
    """Envelope date/time for display; an unreadable value gives ``None``, not an error."""
    value = seg.get(dpos) or ""
    if len(value) == 6 and value.isdigit():
        value = "20" + value
    try:
        at = el.hhmm(seg, tpos)
    except X12ParseError:
        at = None
    return el.parse_date8(value), at


def _group(group: FunctionalGroup) -> ParsedGroup:
    gs = group.header
    day, at = _date_time(gs, 4, 5)
    return ParsedGroup.model_validate(
        {
            "functional_id": group.functional_id,
            "sender_code": gs.get(2) or "",
            "receiver_code": gs.get(3) or "",
            "date": day,
            "time": at,
            "control_number": group.control_number,
            "version": group.version,
            "transactions": [parse_transaction(ts) for ts in group.transactions],
        }
    )


def _interchange(ic: Interchange) -> ParsedInterchange:
    isa = ic.header
    day, at = _date_time(isa, 9, 10)

    def field(pos: int) -> str:
        return (isa.get(pos) or "").strip()

    return ParsedInterchange.model_validate(
        {
            "sender_qualifier": field(5),
            "sender_id": field(6),
            "receiver_qualifier": field(7),
            "receiver_id": field(8),
            "date": day,
            "time": at,
            "control_number": field(13),
            "usage": field(15),
            "version": field(12),
            "ack_requested": field(14) == "1",
            "groups": [_group(g) for g in ic.groups],
        }
    )


def parse_file(data: str | bytes, *, strict: bool = True) -> ParsedFile:
    """Read, check envelopes and type every transaction set of a file."""
    with gc_paused():
        x12 = read(data, strict=strict)
        parsed = ParsedFile(
            interchanges=[_interchange(ic) for ic in x12.interchanges],
            issues=[str(i) for i in x12.issues],
        )
        x12.release()
        del x12
    return parsed
