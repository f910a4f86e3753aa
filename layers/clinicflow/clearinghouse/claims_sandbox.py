"""A sandbox clearinghouse for claims: takes 837Ps, answers with realistic 999 and 277CA files.

Deterministic rules (member id prefix of the claim's subscriber, case-insensitive; see
docs/claims-submission.md):

=====================  ==========================================================
``SBX-X12-REJECT``     the 999 rejects the claim's whole transaction set (IK5*R):
                       IK3 on the subscriber's NM1 (2010BA), IK4 NM109 invalid
``SBX-REJECT``         the 277CA rejects the claim: STC A7:164:IL (invalid
                       information: the subscriber's contract/member number)
anything else          the 277CA accepts it: STC A2:20:PR, with a payer claim
                       control number ``PCN<claim id>`` (REF*1K)
=====================  ==========================================================

Delivery is asynchronous, as a real mailbox: the 999 is waiting at the next collection, the
277CA one collection later (so a scheduled ingestion sees them arrive apart). The sandbox
keeps what it received and its mailbox in an :class:`ObjectStore` (S3 on AWS and locally),
under ``<practice>/clearinghouse-sandbox/``. Re-sending a file name already received is
ignored, like a clearinghouse's duplicate-interchange check. Synthetic data only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from clinicflow.clearinghouse.claims_port import InboundFile, ObjectStore
from clinicflow.clearinghouse.port import ClearinghouseError
from clinicflow.x12 import (
    Composite,
    Group,
    InterchangeHeader,
    InterchangeWriter,
    X12Error,
    parse_file,
)
from clinicflow.x12.claims import Claim, ClaimBatch, ProfessionalClaimDocument, claim_body
from clinicflow.x12.claims.segments import amount, d8
from clinicflow.x12.document import ParsedGroup, ParsedInterchange
from clinicflow.x12.writer import SegmentData, TransactionContent

X12_REJECT = "SBX-X12-REJECT"
REJECT = "SBX-REJECT"
ACK_999 = "005010X231A1"
ACK_277CA = "005010X214"


def _member(claim: Claim) -> str:
    return claim.subscriber.member_id.upper()


def _x12_rejected(claim: Claim) -> bool:
    return _member(claim).startswith(X12_REJECT)


def _rejected(claim: Claim) -> bool:
    return _member(claim).startswith(REJECT) and not _x12_rejected(claim)


def _header(ic: ParsedInterchange, created: datetime) -> InterchangeHeader:
    return InterchangeHeader(
        sender_id=ic.receiver_id,
        receiver_id=ic.sender_id,
        sender_qualifier=ic.receiver_qualifier,
        receiver_qualifier=ic.sender_qualifier,
        control_number=int(ic.control_number),
        usage="T" if ic.usage == "T" else "P",
        created=created,
    )


def _subscriber_nm1_position(batch: ClaimBatch, claim: Claim) -> int:
    """Position (ST = 1) of the NM1*IL segment of the claim's subscriber."""
    for i, seg in enumerate(claim_body(batch)):
        if seg[0] == "NM1" and seg[1] == "IL" and seg[9] == claim.subscriber.member_id:
            return i + 2
    return 0


def build_999(
    ic: ParsedInterchange, group: ParsedGroup, docs: list[ProfessionalClaimDocument], at: datetime
) -> str:
    """The 999 for a received 837P group: one AK2/IK5 per set, rejections per the rules."""
    body: list[SegmentData] = [("AK1", "HC", group.control_number, group.version)]
    accepted = 0
    for doc in docs:
        body.append(("AK2", "837", doc.control_number, doc.implementation))
        bad = [c for c in doc.batch.claims if _x12_rejected(c)]
        if bad:
            position = _subscriber_nm1_position(doc.batch, bad[0])
            body += [("IK3", "NM1", str(position), "2010BA", "8"), ("IK4", "9", "67", "7")]
            body.append(("IK5", "R", "5"))
        else:
            accepted += 1
            body.append(("IK5", "A"))
    status = "A" if accepted == len(docs) else "R" if accepted == 0 else "P"
    body.append(("AK9", status, str(len(docs)), str(len(docs)), str(accepted)))
    out = Group(
        functional_id="FA",
        sender_code=group.receiver_code,
        receiver_code=group.sender_code,
        control_number=int(group.control_number),
        version=ACK_999,
        transactions=[TransactionContent("999", 1, body, ACK_999)],
    )
    return InterchangeWriter(on_collision="replace", line_breaks=True).write(_header(ic, at), [out])


def _money(claims: list[Claim]) -> Decimal:
    return sum((c.total_charge for c in claims), Decimal("0"))


def _totals(
    codes: tuple[str, str], accepted: list[Claim], rejected: list[Claim]
) -> list[SegmentData]:
    out: list[SegmentData] = []
    if accepted:
        out.append(("QTY", codes[0], str(len(accepted))))
    if rejected:
        out.append(("QTY", codes[1], str(len(rejected))))
    if accepted:
        out.append(("AMT", "YU", amount(_money(accepted))))
    if rejected:
        out.append(("AMT", "YY", amount(_money(rejected))))
    return out


def _claim_level(hl: int, parent: int, claim: Claim, day: str) -> list[SegmentData]:
    patient = claim.patient
    last = patient.last_name if patient else claim.subscriber.last_name
    first = patient.first_name if patient else claim.subscriber.first_name
    out: list[SegmentData] = [
        ("HL", str(hl), str(parent), "PT"),
        ("NM1", "QC", "1", last, first, None, None, None, "MI", claim.subscriber.member_id),
        ("TRN", "2", claim.claim_id),
    ]
    charge = amount(claim.total_charge)
    if _rejected(claim):
        out.append(("STC", Composite("A7", "164", "IL"), day, "U", charge))
    else:
        out += [
            ("STC", Composite("A2", "20", "PR"), day, "WQ", charge),
            ("REF", "1K", f"PCN{claim.claim_id}"),
        ]
    dates = sorted({line.service_date for line in claim.lines})
    if len(dates) == 1:
        out.append(("DTP", "472", "D8", d8(dates[0])))
    else:
        out.append(("DTP", "472", "RD8", f"{d8(dates[0])}-{d8(dates[-1])}"))
    return out


def build_277ca(
    ic: ParsedInterchange, group: ParsedGroup, docs: list[ProfessionalClaimDocument], at: datetime
) -> str | None:
    """The 277CA for the sets the 999 accepted (None when it accepted none)."""
    sets: list[TransactionContent] = []
    day = d8(at.date())
    for n, doc in enumerate(docs, 1):
        claims = doc.batch.claims
        if any(_x12_rejected(c) for c in claims):
            continue
        batch = doc.batch
        payer = claims[0].payer
        accepted = [c for c in claims if not _rejected(c)]
        rejected = [c for c in claims if _rejected(c)]
        total = amount(_money(claims))
        body: list[SegmentData] = [
            ("BHT", "0085", "08", f"ACK{doc.control_number}", day, at.strftime("%H%M"), "TH"),
            ("HL", "1", None, "20", "1"),
            ("NM1", "PR", "2", payer.name, None, None, None, None, "PI", payer.id),
            ("TRN", "1", f"SBX{int(ic.control_number):09d}{n}"),
            ("DTP", "050", "D8", day),
            ("DTP", "009", "D8", day),
            ("HL", "2", "1", "21", "1"),
            ("NM1", "41", "2", batch.submitter.name, None, None, None, None, "46",
             batch.submitter.id),
            ("TRN", "2", batch.reference),
            ("STC", Composite("A1", "19", "PR"), day, "WQ", total),
            *_totals(("90", "AA"), accepted, rejected),
        ]  # fmt: skip
        hl = 2
        providers: dict[str, list[Claim]] = {}
        for c in claims:
            providers.setdefault(c.billing_provider.npi, []).append(c)
        for p, (npi, of_provider) in enumerate(providers.items(), 1):
            hl += 1
            provider_hl = hl
            ok = [c for c in of_provider if not _rejected(c)]
            bad = [c for c in of_provider if _rejected(c)]
            body += [
                ("HL", str(hl), "2", "19", "1"),
                ("NM1", "85", "2", of_provider[0].billing_provider.name, None, None, None, None,
                 "XX", npi),
                ("TRN", "1", f"PROV{p}"),
                ("STC", Composite("A1", "19", "85"), None, "WQ", amount(_money(of_provider))),
                *_totals(("QA", "QC"), ok, bad),
            ]  # fmt: skip
            for c in of_provider:
                hl += 1
                body += _claim_level(hl, provider_hl, c, day)
        sets.append(TransactionContent("277", n, body, ACK_277CA))
    if not sets:
        return None
    out = Group(
        functional_id="HN",
        sender_code=group.receiver_code,
        receiver_code=group.sender_code,
        control_number=int(group.control_number),
        version=ACK_277CA,
        transactions=sets,
    )
    return InterchangeWriter(on_collision="replace", line_breaks=True).write(_header(ic, at), [out])


def respond(content: bytes, at: datetime) -> tuple[str, str | None]:
    """The 999 and (when a set was accepted) the 277CA the sandbox answers an 837P with."""
    try:
        parsed = parse_file(content)
    except X12Error:
        raise ClearinghouseError("the sandbox clearinghouse could not read the 837P") from None
    if not parsed.interchanges or not parsed.interchanges[0].groups:
        raise ClearinghouseError("the sandbox clearinghouse found no functional group")
    ic = parsed.interchanges[0]
    group = ic.groups[0]
    docs = [d for d in group.transactions if isinstance(d, ProfessionalClaimDocument)]
    if not docs:
        raise ClearinghouseError("the sandbox clearinghouse found no 837P transaction")
    return build_999(ic, group, docs, at), build_277ca(ic, group, docs, at)


class SandboxClaimsClearinghouse:
    """ClaimsClearinghouse that answers locally (never sends anything anywhere)."""

    def __init__(
        self,
        objects: ObjectStore,
        practice_id: str,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._objects = objects
        self._prefix = f"{practice_id}/clearinghouse-sandbox"
        self._now = now

    def submit(self, name: str, content: bytes) -> None:
        """Receive an 837P (once per name) and queue the 999 now, the 277CA for later."""
        received = f"{self._prefix}/received/{name}"
        if self._objects.get(received) is not None:
            return  # duplicate interchange: already received, not processed again
        ack, claim_ack = respond(content, self._now())
        self._objects.put(f"{self._prefix}/ready/{name}.999", ack.encode())
        if claim_ack is not None:
            self._objects.put(f"{self._prefix}/pending/{name}.277", claim_ack.encode())
        self._objects.put(received, content)

    def collect(self) -> list[InboundFile]:
        """The files ready now; what was pending becomes ready for the next collection."""
        ready = [
            InboundFile(key.rsplit("/", 1)[-1], self._objects.get(key) or b"")
            for key in self._objects.keys(f"{self._prefix}/ready/")
        ]
        for key in self._objects.keys(f"{self._prefix}/pending/"):
            body = self._objects.get(key)
            if body is not None:
                self._objects.put(key.replace("/pending/", "/ready/", 1), body)
            self._objects.delete(key)
        return ready

    def acknowledge(self, name: str) -> None:
        """Remove a collected file."""
        self._objects.delete(f"{self._prefix}/ready/{name}")

    def received(self) -> list[str]:
        """Names of the files received (tests: a file is never received twice)."""
        return [k.rsplit("/", 1)[-1] for k in self._objects.keys(f"{self._prefix}/received/")]
