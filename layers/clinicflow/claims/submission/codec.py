"""The claims slice's X12 codec: domain claims → 837P files, 999/277CA files → AckFile.

The only module of the slice that imports `clinicflow.x12` (with the sandbox clearinghouse,
which plays the other side). Reasons are written in plain words from the code tables; they
name codes and positions, never member ids, names or other values from the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from clinicflow.claims.from_x12 import from_x12
from clinicflow.claims.model import Adjustment, Claim, ClaimLine, OtherPayer, PostalAddress
from clinicflow.claims.submission.model import (
    AckFile,
    ClaimAck,
    ClearinghouseProfile,
    SetVerdict,
)
from clinicflow.x12 import InterchangeHeader, X12Error, parse_file
from clinicflow.x12 import claims as x12
from clinicflow.x12.ack.codes import IK3_ERRORS, IK4_ERRORS, IK5_ERRORS
from clinicflow.x12.ack.model import AcknowledgmentDocument, TransactionSetResponse
from clinicflow.x12.claimack import ClaimAcknowledgmentDocument
from clinicflow.x12.claimack.codes import ENTITY, STATUS, STATUS_CATEGORY


def _address(a: PostalAddress | None) -> x12.PostalAddress | None:
    if a is None:
        return None
    return x12.PostalAddress(
        line1=a.line1[:55],
        line2=a.line2[:55] or None,
        city=a.city[:30],
        state=a.state or None,
        postal_code=a.postal_code.replace("-", "") or None,
    )


def _gender(sex: str) -> str | None:
    return sex if sex in {"F", "M", "U"} else None


def _adjustments(items: Sequence[Adjustment]) -> list[x12.Adjustment]:
    return [
        x12.Adjustment(group=a.group, reason=a.reason, amount=a.amount, quantity=a.quantity)
        for a in items
    ]


def _other_subscriber(other: OtherPayer) -> x12.OtherSubscriber:
    """Loop 2320/2330A/2330B of a payer billed before this claim's payer."""
    sub, adj = other.subscriber, other.adjudication
    per_line = bool(adj and adj.lines)
    return x12.OtherSubscriber(
        payer_responsibility=sub.payer_responsibility,
        relationship=sub.relationship,
        group_number=sub.group_number or None,
        claim_filing_indicator=sub.claim_filing_indicator,
        adjustments=_adjustments(adj.adjustments) if adj else [],
        paid_amount=adj.paid if adj else None,
        remaining_patient_liability=adj.patient_responsibility if adj else None,
        benefits_assigned="Y",
        release_of_information="Y",
        last_name=sub.person.last_name[:60],
        first_name=sub.person.first_name[:35] or None,
        member_id=sub.member_id,
        address=_address(sub.person.address),
        payer_name=(other.payer.name or other.payer.payer_id)[:60],
        payer_id=other.payer.payer_id,
        adjudication_date=adj.adjudicated_on if adj and not per_line else None,
        payer_claim_number=(adj.payer_claim_number or None) if adj else None,
    )


def _line_adjudications(claim: Claim, index: int, line: ClaimLine) -> list[x12.LineAdjudication]:
    """Loop 2430: each earlier payer's decision on this line, when it decided per line."""
    out: list[x12.LineAdjudication] = []
    for other in claim.other_payers:
        decision = other.adjudication.line(index) if other.adjudication else None
        if other.adjudication is None or decision is None:
            continue
        out.append(
            x12.LineAdjudication(
                payer_id=other.payer.payer_id,
                paid=decision.paid,
                procedure_code=line.procedure,
                modifiers=list(line.modifiers[:4]),
                paid_units=line.units if decision.paid_units is None else decision.paid_units,
                adjustments=_adjustments(decision.adjustments),
                adjudication_date=other.adjudication.adjudicated_on,
            )
        )
    return out


def to_x12_claim(claim: Claim, payer_routing_id: str) -> x12.Claim:
    """The 837P model of a domain claim (loop 2300 with its parties)."""
    sub = claim.subscriber
    person = sub.person
    own = sub.relationship == "18"
    billing = claim.billing
    rendering = claim.rendering
    facility = claim.facility
    accident = claim.accident
    lines = [
        x12.ServiceLine(
            procedure_code=line.procedure,
            modifiers=list(line.modifiers[:4]),
            charge=line.charge,
            units=line.units,
            place_of_service=line.place_of_service
            if line.place_of_service and line.place_of_service != claim.place_of_service
            else None,
            diagnosis_pointers=list(line.pointers[:4]),
            service_date=line.service_date,
            drug=x12.Drug(
                ndc=line.ndc,
                quantity=line.ndc_quantity,
                unit=line.ndc_unit or "UN",
            )
            if line.ndc and line.ndc_quantity
            else None,
            adjudications=_line_adjudications(claim, i, line),
        )
        for i, line in enumerate(claim.lines)
    ]
    referring = claim.referring
    return x12.Claim(
        claim_id=claim.claim_id,
        total_charge=claim.total_charge,
        place_of_service=claim.place_of_service,
        frequency_code=claim.frequency.value,
        related_causes=[accident.kind.value] if accident else [],
        accident_state=(accident.state or None) if accident else None,
        accident_date=accident.accident_date if accident else None,
        referral_number=claim.referral_number or None,
        prior_authorization=claim.prior_auth_number or None,
        payer_claim_number=claim.payer_claim_number or None
        if claim.frequency.value in {"7", "8"}
        else None,
        clia_number=claim.clia_number or None,
        diagnoses=[d.replace(".", "").upper() for d in claim.diagnoses[:12]],
        referring_provider=x12.ClaimProvider(
            npi=referring.npi, last_name=referring.last_name, first_name=referring.first_name
        )
        if referring
        else None,
        rendering_provider=x12.ClaimProvider(
            npi=rendering.npi,
            last_name=rendering.last_name,
            first_name=rendering.first_name or None,
            taxonomy=rendering.taxonomy_code or None,
        )
        if rendering
        else None,
        service_facility=x12.ServiceFacility(
            name=facility.name[:60],
            npi=facility.npi or None,
            address=_address(facility.address),
        )
        if facility
        else None,
        other_subscribers=[_other_subscriber(o) for o in claim.other_payers],
        lines=lines,
        billing_provider=x12.BillingProvider(
            npi=billing.npi,
            name=billing.name[:60],
            taxonomy=billing.taxonomy_code or None,
            tax_id=billing.tax_id,
            address=_address(billing.address),
            pay_to_address=_address(billing.pay_to_address),
        ),
        subscriber=x12.Subscriber(
            member_id=sub.member_id,
            last_name=person.last_name[:60],
            first_name=person.first_name[:35] or None,
            address=_address(person.address),
            birth_date=person.birth_date,
            gender=_gender(person.sex),
            payer_responsibility=sub.payer_responsibility,
            group_number=sub.group_number or None,
            claim_filing_indicator=sub.claim_filing_indicator,
        ),
        payer=x12.Payer(id=payer_routing_id, name=(claim.payer.name or claim.payer.payer_id)[:60]),
        patient=None
        if own
        else x12.Patient(
            relationship=sub.relationship,
            last_name=claim.patient.last_name[:60],
            first_name=claim.patient.first_name[:35] or None,
            address=_address(claim.patient.address),
            birth_date=claim.patient.birth_date,
            gender=_gender(claim.patient.sex),
        ),
    )


def build_file(
    claims: Sequence[Claim],
    profile: ClearinghouseProfile,
    *,
    file_id: str,
    control_number: int,
    created: datetime,
) -> bytes:
    """The 837P interchange of one file: one ST with every claim (sorted by claim id).

    Deterministic: the same claims, profile, id, control number and time give the same bytes,
    so a file rebuilt after a crash is identical to the one that may already be stored.
    """
    payer_id = claims[0].payer.payer_id
    enrollment = profile.enrollment(payer_id)
    routing = enrollment.routing_id if enrollment else payer_id
    batch = x12.ClaimBatch(
        submitter=x12.Submitter(
            name=profile.submitter_name,
            id=profile.submitter_id,
            contact=x12.ContactInfo(name=profile.contact_name, phone=profile.contact_phone),
        ),
        receiver=x12.Receiver(name=profile.receiver_name, id=profile.receiver_id),
        reference=file_id,
        created=created,
        claims=[to_x12_claim(c, routing) for c in sorted(claims, key=lambda c: c.claim_id)],
    )
    header = InterchangeHeader(
        sender_id=profile.isa_sender_id,
        receiver_id=profile.isa_receiver_id,
        sender_qualifier=profile.isa_sender_qualifier,
        receiver_qualifier=profile.isa_receiver_qualifier,
        control_number=control_number,
        usage=profile.usage,
        created=created,
    )
    text = x12.build_837p(
        batch,
        header,
        group_control_number=control_number,
        on_collision="replace",
        line_breaks=True,
    )
    return text.encode()


# --- acknowledgments -----------------------------------------------------------------------


class UnreadableAckError(Exception):
    """The file is not a 999 or 277CA the codec can read (kept in S3; nothing applied)."""


def _verdict(response: TransactionSetResponse) -> SetVerdict:
    parts = [IK5_ERRORS.get(c, f"error {c}") for c in response.error_codes]
    for seg in response.segment_errors:
        where = f"segment {seg.segment_id} at position {seg.position}"
        if seg.loop_id:
            where += f" (loop {seg.loop_id})"
        what = IK3_ERRORS.get(seg.error_code or "", "")
        details = [
            f"element {e.position}: {IK4_ERRORS.get(e.error_code, 'error ' + e.error_code)}"
            for e in seg.elements
        ]
        parts.append(", ".join(p for p in (f"{where}: {what}".rstrip(": "), *details) if p))
    verdict = {"A": "accepted", "E": "accepted with errors", "R": "rejected"}.get(
        response.status, "rejected"
    )
    reason = f"999 {verdict} the claim file" + (": " + "; ".join(parts) if parts else "")
    return SetVerdict(response.control_number, response.status, reason[:300])


def _from_999(doc: AcknowledgmentDocument) -> AckFile:
    try:
        gcn = int(doc.group_control_number)
    except ValueError:
        raise UnreadableAckError("999 AK102 is not a number") from None
    return AckFile(
        kind="999",
        group_control_number=gcn,
        group_status=doc.group_status,
        sets=tuple(_verdict(r) for r in doc.responses),
    )


def status_words(category: str, status: str | None, entity: str | None) -> str:
    """A 277CA status composite in plain words, e.g. "Rejected for invalid information: ..."."""
    text = STATUS_CATEGORY.get(category, f"status category {category}")
    if status:
        text += f": {STATUS.get(status, 'status code ' + status)}"
    if entity:
        text += f" ({ENTITY.get(entity, 'entity ' + entity)})"
    return text


def _from_277ca(doc: ClaimAcknowledgmentDocument) -> list[AckFile]:
    out: list[AckFile] = []
    for source in doc.sources:
        for receiver in source.receivers:
            acks: list[ClaimAck] = []
            for provider in receiver.providers:
                for claim in provider.claims:
                    codes = [c for s in claim.statuses for c in s.codes]
                    reason = "; ".join(status_words(c.category, c.status, c.entity) for c in codes)
                    acks.append(
                        ClaimAck(
                            claim_id=claim.patient_control_number,
                            outcome=claim.outcome,
                            reason=f"277CA {reason}"[:300],
                            codes=tuple(
                                ":".join(p for p in (c.category, c.status, c.entity) if p)
                                for c in codes
                            ),
                            payer_claim_number=claim.payer_claim_number or "",
                        )
                    )
            out.append(AckFile(kind="277CA", file_id=receiver.trace or "", claims=tuple(acks)))
    return out


def read_acks(data: bytes) -> list[AckFile]:
    """Every 999 and 277CA transaction in a file (others ignored); UnreadableAckError."""
    try:
        parsed = parse_file(data, strict=False)
    except X12Error:
        raise UnreadableAckError("the file is not valid X12") from None
    out: list[AckFile] = []
    for ic in parsed.interchanges:
        for group in ic.groups:
            for doc in group.transactions:
                if isinstance(doc, AcknowledgmentDocument):
                    out.append(_from_999(doc))
                elif isinstance(doc, ClaimAcknowledgmentDocument):
                    out.extend(_from_277ca(doc))
    if not out:
        raise UnreadableAckError("the file holds no 999 or 277CA")
    return out


def read_837p_claim_ids(data: bytes) -> list[str]:
    """The CLM01 of every claim in an 837P file, in file order (tests, checks)."""
    return [c.claim_id for batch in x12.parse_837p(data) for c in batch.claims]


def read_837p_claims(data: bytes) -> dict[str, Claim]:
    """The claims of an 837P file as domain claims, by CLM01 ({} when it cannot be read):
    what the payer was sent, for the scrubber backtest. Ids of ours are not in the file."""
    try:
        return {c.claim_id: from_x12(c) for b in x12.parse_837p(data) for c in b.claims}
    except X12Error:
        return {}
