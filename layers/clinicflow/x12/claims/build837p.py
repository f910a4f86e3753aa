"""Build 837P professional claim files (005010X222A1) from typed claim batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from clinicflow.x12.claims.build_cob import line_adjudication, other_subscriber
from clinicflow.x12.claims.model import (
    BillingProvider,
    Claim,
    ClaimBatch,
    ClaimProvider,
    ContactInfo,
    Patient,
    ServiceLine,
    Subscriber,
)
from clinicflow.x12.claims.segments import address, amount, d8
from clinicflow.x12.separators import Separators
from clinicflow.x12.writer import (
    Collision,
    Composite,
    Group,
    InterchangeHeader,
    InterchangeWriter,
    SegmentData,
    TransactionContent,
)

IMPLEMENTATION = "005010X222A1"


def _contact(c: ContactInfo | None) -> list[SegmentData]:
    if c is None:
        return []
    pairs: list[str | None] = []
    for qualifier, number in (
        ("TE", c.phone),
        ("EX", c.phone_extension),
        ("EM", c.email),
        ("FX", c.fax),
    ):
        if number:
            pairs += [qualifier, number]
    return [("PER", "IC", c.name, *pairs)]


def _dmg(birth: date | None, gender: str | None) -> list[SegmentData]:
    if birth is None and gender is None:
        return []
    return [("DMG", "D8" if birth else None, d8(birth) if birth else None, gender)]


def _billing(hl: int, prov: BillingProvider) -> list[SegmentData]:
    out: list[SegmentData] = [("HL", str(hl), None, "20", "1")]
    if prov.taxonomy:
        out.append(("PRV", "BI", "PXC", prov.taxonomy))
    out.append(
        (
            "NM1",
            "85",
            prov.entity_type,
            prov.name,
            prov.first_name,
            None,
            None,
            None,
            "XX",
            prov.npi,
        )
    )
    out += address(prov.address)
    out.append(("REF", prov.tax_id_qualifier, prov.tax_id))
    out += _contact(prov.contact)
    if prov.pay_to_address:
        out.append(("NM1", "87", "2"))
        out += address(prov.pay_to_address)
    return out


def _subscriber(hl: int, parent: int, claim: Claim, has_patients: bool) -> list[SegmentData]:
    sub: Subscriber = claim.subscriber
    out: list[SegmentData] = [
        ("HL", str(hl), str(parent), "22", "1" if has_patients else "0"),
        (
            "SBR",
            sub.payer_responsibility,
            None if has_patients else "18",
            sub.group_number,
            sub.group_name,
            None,
            None,
            None,
            None,
            sub.claim_filing_indicator,
        ),
        (
            "NM1",
            "IL",
            "1",
            sub.last_name,
            sub.first_name,
            sub.middle_name,
            None,
            sub.suffix,
            "MI",
            sub.member_id,
        ),
    ]
    out += address(sub.address)
    out += _dmg(sub.birth_date, sub.gender)
    payer = claim.payer
    out.append(("NM1", "PR", "2", payer.name, None, None, None, None, "PI", payer.id))
    out += address(payer.address)
    return out


def _patient(hl: int, parent: int, pat: Patient) -> list[SegmentData]:
    out: list[SegmentData] = [
        ("HL", str(hl), str(parent), "23", "0"),
        ("PAT", pat.relationship),
        ("NM1", "QC", "1", pat.last_name, pat.first_name, pat.middle_name, None, pat.suffix),
    ]
    out += address(pat.address)
    out += _dmg(pat.birth_date, pat.gender)
    return out


def _provider(code: str, prov: ClaimProvider | None) -> list[SegmentData]:
    if prov is None:
        return []
    out: list[SegmentData] = [
        (
            "NM1",
            code,
            prov.entity_type,
            prov.last_name,
            prov.first_name,
            prov.middle_name,
            None,
            prov.suffix,
            "XX",
            prov.npi,
        )
    ]
    if prov.taxonomy:
        out.append(("PRV", "PE", "PXC", prov.taxonomy))
    return out


def _line(number: int, line: ServiceLine) -> list[SegmentData]:
    proc = Composite(
        "HC",
        line.procedure_code,
        *line.modifiers,
        *[None] * (4 - len(line.modifiers)),
        line.description,
    )
    pointers = Composite(*(str(p) for p in line.diagnosis_pointers))
    out: list[SegmentData] = [
        ("LX", str(number)),
        (
            "SV1",
            proc,
            amount(line.charge),
            line.unit_basis,
            amount(line.units),
            line.place_of_service,
            None,
            pointers,
            None,
            "Y" if line.emergency else None,
        ),
    ]
    if line.service_date_end is not None:
        span = f"{d8(line.service_date)}-{d8(line.service_date_end)}"
        out.append(("DTP", "472", "RD8", span))
    else:
        out.append(("DTP", "472", "D8", d8(line.service_date)))
    if line.prior_authorization:
        out.append(("REF", "G1", line.prior_authorization))
    if line.control_number:
        out.append(("REF", "6R", line.control_number))
    if line.drug:
        drug = line.drug
        out.append(("LIN", None, "N4", drug.ndc))
        out.append(("CTP", None, None, None, amount(drug.quantity), Composite(drug.unit)))
    for adjudication in line.adjudications:
        out += line_adjudication(adjudication)
    return out


def _claim(claim: Claim) -> list[SegmentData]:
    causes = claim.related_causes
    related = (
        Composite(*causes, *[None] * (3 - len(causes)), claim.accident_state) if causes else None
    )
    out: list[SegmentData] = [
        (
            "CLM",
            claim.claim_id,
            amount(claim.total_charge),
            None,
            None,
            Composite(claim.place_of_service, "B", claim.frequency_code),
            "Y" if claim.provider_signature else "N",
            claim.assignment,
            claim.benefits_assigned,
            claim.release_of_information,
            None,
            related,
        ),
    ]
    if claim.onset_date:
        out.append(("DTP", "431", "D8", d8(claim.onset_date)))
    if claim.accident_date:
        out.append(("DTP", "439", "D8", d8(claim.accident_date)))
    for qualifier, value in (
        ("9F", claim.referral_number),
        ("G1", claim.prior_authorization),
        ("F8", claim.payer_claim_number),
        ("X4", claim.clia_number),
        ("EA", claim.medical_record_number),
    ):
        if value:
            out.append(("REF", qualifier, value))
    first, other = ("ABK", "ABF") if claim.diagnosis_code_list == "ABK" else ("BK", "BF")
    codes = [Composite(first if i == 0 else other, c) for i, c in enumerate(claim.diagnoses)]
    out.append(("HI", *codes))
    out += _provider("DN", claim.referring_provider)
    out += _provider("82", claim.rendering_provider)
    if claim.service_facility:
        fac = claim.service_facility
        npi = fac.npi
        out.append(("NM1", "77", "2", fac.name, None, None, None, None, "XX" if npi else None, npi))
        out += address(fac.address)
    for payer in claim.other_subscribers:
        out += other_subscriber(payer)
    for number, line in enumerate(claim.lines, 1):
        out += _line(number, line)
    return out


def claim_body(batch: ClaimBatch) -> list[SegmentData]:
    """The segments between ST and SE: header, then one HL path per provider/subscriber/patient.

    ``batch.claims`` is already grouped (see :class:`ClaimBatch`), so each hierarchical level
    opens exactly once, its HL04 says whether children follow, and HL02 names its parent.
    """
    created = batch.created
    sub = batch.submitter
    body: list[SegmentData] = [
        (
            "BHT",
            "0019",
            batch.purpose,
            batch.reference,
            d8(created.date()),
            created.strftime("%H%M%S" if created.second else "%H%M"),
            "CH",
        ),
        ("NM1", "41", "2", sub.name, None, None, None, None, "46", sub.id),
        *_contact(sub.contact),
        ("NM1", "40", "2", batch.receiver.name, None, None, None, None, "46", batch.receiver.id),
    ]
    hl = 0
    provider_hl = subscriber_hl = 0
    last_provider: BillingProvider | None = None
    last_subscriber: tuple[object, ...] | None = None
    last_patient: Patient | None = None
    for claim in batch.claims:
        if claim.billing_provider != last_provider:
            hl += 1
            provider_hl = hl
            body += _billing(hl, claim.billing_provider)
            last_provider, last_subscriber = claim.billing_provider, None
        key = (claim.subscriber, claim.payer, claim.patient is None)
        if key != last_subscriber:
            hl += 1
            subscriber_hl = hl
            body += _subscriber(hl, provider_hl, claim, claim.patient is not None)
            last_subscriber, last_patient = key, None
        if claim.patient is not None and claim.patient != last_patient:
            hl += 1
            body += _patient(hl, subscriber_hl, claim.patient)
            last_patient = claim.patient
        body += _claim(claim)
    return body


def build_837p(
    batches: ClaimBatch | Sequence[ClaimBatch],
    header: InterchangeHeader,
    *,
    group_control_number: int,
    first_transaction_control_number: int = 1,
    application_sender: str | None = None,
    application_receiver: str | None = None,
    separators: Separators | None = None,
    on_collision: Collision = "error",
    line_breaks: bool = False,
) -> str:
    """A complete interchange: one GS (HC), one ST per batch, numbered from the given ids."""
    items = [batches] if isinstance(batches, ClaimBatch) else list(batches)
    sets = [
        TransactionContent(
            "837", first_transaction_control_number + i, claim_body(batch), IMPLEMENTATION
        )
        for i, batch in enumerate(items)
    ]
    group = Group(
        functional_id="HC",
        sender_code=application_sender or header.sender_id,
        receiver_code=application_receiver or header.receiver_id,
        control_number=group_control_number,
        version=IMPLEMENTATION,
        transactions=sets,
    )
    writer = InterchangeWriter(separators, on_collision=on_collision, line_breaks=line_breaks)
    return writer.write(header, [group])
