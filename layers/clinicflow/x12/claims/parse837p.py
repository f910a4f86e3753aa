"""Parse 837P transaction sets (005010X222A1) back into :class:`ClaimBatch`."""

from __future__ import annotations

from datetime import datetime

from clinicflow.x12 import elements as el
from clinicflow.x12.claims.fields import PostalAddress
from clinicflow.x12.claims.model import (
    BillingProvider,
    Claim,
    ClaimBatch,
    ClaimProvider,
    ContactInfo,
    Drug,
    Patient,
    Payer,
    ProfessionalClaimDocument,
    Receiver,
    ServiceFacility,
    ServiceLine,
    Submitter,
    Subscriber,
)
from clinicflow.x12.claims.parse_cob import line_adjudication, other_subscriber
from clinicflow.x12.claims.specs import SPEC_837P
from clinicflow.x12.loops import Loop, build_loops
from clinicflow.x12.reader import TransactionSet, read
from clinicflow.x12.segment import Segment
from clinicflow.x12.tuning import gc_paused
from clinicflow.x12.typed import make

_QUALIFIED = frozenset({"REF", "DTP", "AMT", "NTE", "PWK", "HI", "CRC", "QTY", "MEA", "K3"})
_PER_KEYS = {"TE": "phone", "EX": "phone_extension", "EM": "email", "FX": "fax"}


class _Reader:
    """One set's parse: remembers which segments the typed model used."""

    def __init__(self) -> None:
        self.used: set[int] = set()

    def take(self, seg: Segment) -> Segment:
        self.used.add(seg.ordinal)
        return seg

    def first(self, loop: Loop, seg_id: str, qualifier: str | None = None) -> Segment | None:
        """First unused ``seg_id`` (with element 1 = ``qualifier``) directly in ``loop``."""
        for seg in loop.segments:
            if (
                seg.id == seg_id
                and seg.ordinal not in self.used
                and (qualifier is None or seg.get(1) == qualifier)
            ):
                return self.take(seg)
        return None

    def child(self, loop: Loop, loop_id: str, code: str) -> Loop | None:
        """First child loop ``loop_id`` whose NM101 is ``code``."""
        for sub in loop.children:
            if sub.id == loop_id and sub.trigger.get(1) == code:
                return sub
        return None

    def address(self, loop: Loop) -> PostalAddress | None:
        n3, n4 = self.first(loop, "N3"), self.first(loop, "N4")
        if n3 is None and n4 is None:
            return None
        if n3 is None or n4 is None:
            where = n3 or n4
            assert where is not None
            raise where.error("N3 and N4 must come together")
        return make(
            PostalAddress,
            n4,
            line1=n3.require(1),
            line2=n3.get(2),
            city=n4.require(1),
            state=n4.get(2),
            postal_code=n4.get(3),
            country=n4.get(4),
        )

    def required_address(self, loop: Loop) -> PostalAddress:
        addr = self.address(loop)
        if addr is None:
            raise loop.trigger.error(f"loop {loop.id} needs an N3/N4 address")
        return addr

    def contact(self, seg: Segment | None) -> ContactInfo | None:
        if seg is None:
            return None
        fields: dict[str, str | None] = {"name": seg.get(2)}
        for pos in (3, 5, 7):
            qualifier, number = seg.get(pos), seg.get(pos + 1)
            if qualifier is None and number is None:
                continue
            key = _PER_KEYS.get(qualifier or "")
            if key is None or number is None or key in fields:
                raise seg.error("communication must be TE, EX, EM or FX with a number", pos)
            fields[key] = number
        return make(ContactInfo, seg, **fields)

    def demographics(self, loop: Loop) -> dict[str, object]:
        dmg = self.first(loop, "DMG")
        if dmg is None:
            return {}
        el.code(dmg, 1, ("D8",))
        return {"birth_date": el.date8(dmg, 2), "gender": el.code(dmg, 3, ("F", "M", "U"))}

    def person(self, nm1: Segment) -> dict[str, object]:
        self.take(nm1)
        return {
            "last_name": nm1.require(3),
            "first_name": nm1.get(4),
            "middle_name": nm1.get(5),
            "suffix": nm1.get(7),
        }

    def billing(self, level: Loop) -> BillingProvider:
        self.take(level.trigger)
        name = self.child(level, "2010AA", "85")
        if name is None:
            raise level.trigger.error("billing provider level has no NM1*85 (2010AA)")
        nm1 = self.take(name.trigger)
        prv = self.first(level, "PRV", "BI")
        tax = self.first(name, "REF", "EI") or self.first(name, "REF", "SY")
        if tax is None:
            raise nm1.error("billing provider has no REF*EI/SY tax id")
        pay_to = self.child(level, "2010AB", "87")
        if pay_to is not None:
            self.take(pay_to.trigger)
        return make(
            BillingProvider,
            nm1,
            npi=nm1.require(9),
            entity_type=el.required_code(nm1, 2),
            name=nm1.require(3),
            first_name=nm1.get(4),
            taxonomy=prv.get(3) if prv else None,
            tax_id=tax.require(2),
            tax_id_qualifier=tax.get(1),
            address=self.required_address(name),
            contact=self.contact(self.first(name, "PER")),
            pay_to_address=self.required_address(pay_to) if pay_to else None,
        )

    def subscriber(self, level: Loop) -> tuple[Subscriber, Payer]:
        self.take(level.trigger)
        sbr = self.first(level, "SBR")
        name = self.child(level, "2010BA", "IL")
        payer_loop = self.child(level, "2010BB", "PR")
        if sbr is None or name is None or payer_loop is None:
            raise level.trigger.error("subscriber level needs SBR, NM1*IL and NM1*PR")
        nm1, pr = name.trigger, self.take(payer_loop.trigger)
        sub = make(
            Subscriber,
            nm1,
            member_id=nm1.require(9),
            **self.person(nm1),
            address=self.address(name),
            **self.demographics(name),
            payer_responsibility=sbr.require(1),
            group_number=sbr.get(3),
            group_name=sbr.get(4),
            claim_filing_indicator=sbr.require(9),
        )
        payer = make(
            Payer, pr, id=pr.require(9), name=pr.require(3), address=self.address(payer_loop)
        )
        return sub, payer

    def patient(self, level: Loop) -> Patient:
        self.take(level.trigger)
        pat = self.first(level, "PAT")
        name = self.child(level, "2010CA", "QC")
        if pat is None or name is None:
            raise level.trigger.error("patient level needs PAT and NM1*QC")
        nm1 = name.trigger
        return make(
            Patient,
            nm1,
            relationship=pat.require(1),
            **self.person(nm1),
            address=self.address(name),
            **self.demographics(name),
        )

    def provider(self, loop: Loop | None) -> ClaimProvider | None:
        if loop is None:
            return None
        nm1 = loop.trigger
        prv = self.first(loop, "PRV", "PE")
        return make(
            ClaimProvider,
            nm1,
            npi=nm1.require(9),
            entity_type=el.required_code(nm1, 2),
            taxonomy=prv.get(3) if prv else None,
            **self.person(nm1),
        )

    def facility(self, loop: Loop | None) -> ServiceFacility | None:
        if loop is None:
            return None
        nm1 = self.take(loop.trigger)
        return make(
            ServiceFacility,
            nm1,
            name=nm1.require(3),
            npi=nm1.get(9),
            address=self.required_address(loop),
        )

    def line(self, loop: Loop) -> ServiceLine:
        self.take(loop.trigger)
        sv1 = self.first(loop, "SV1")
        dtp = self.first(loop, "DTP", "472")
        if sv1 is None or dtp is None:
            raise loop.trigger.error("service line needs SV1 and DTP*472")
        proc = sv1.components(1)
        if len(proc) < 2 or proc[0] != "HC" or not proc[1]:
            raise sv1.error("procedure must be HC with a code", 1)
        start, end = el.date_period(dtp, 2, 3)
        pointers = []
        for i, value in enumerate(sv1.components(7), 1):
            if not value.isdigit():
                raise sv1.error("diagnosis pointer must be a number", 7, i)
            pointers.append(int(value))
        drug = None
        lin_loop = loop.loop("2410")
        if lin_loop is not None:
            lin, ctp = self.take(lin_loop.trigger), self.first(lin_loop, "CTP")
            if ctp is None or lin.get(2) != "N4":
                raise lin.error("drug needs LIN*N4 and CTP")
            drug = make(
                Drug,
                ctp,
                ndc=lin.require(3),
                quantity=el.decimal(ctp, 4),
                unit=next(iter(ctp.components(5)), None),
            )
        g1, r6 = self.first(loop, "REF", "G1"), self.first(loop, "REF", "6R")
        return make(
            ServiceLine,
            sv1,
            procedure_code=proc[1],
            modifiers=[m for m in proc[2:6] if m],
            description=proc[6] if len(proc) > 6 and proc[6] else None,
            charge=el.decimal(sv1, 2),
            unit_basis=sv1.get(3),
            units=el.decimal(sv1, 4),
            place_of_service=sv1.get(5),
            diagnosis_pointers=pointers,
            emergency=el.code(sv1, 9, ("Y", "N")) == "Y",
            service_date=start,
            service_date_end=end,
            prior_authorization=g1.get(2) if g1 else None,
            control_number=r6.get(2) if r6 else None,
            drug=drug,
            adjudications=[line_adjudication(self, a) for a in loop.loops("2430")],
        )

    def claim(
        self, loop: Loop, prov: BillingProvider, sub: Subscriber, payer: Payer, pat: Patient | None
    ) -> Claim:
        clm = self.take(loop.trigger)
        facility = clm.components(5)
        if len(facility) < 3 or not facility[0] or not facility[2]:
            raise clm.error("CLM05 needs place of service and frequency code", 5)
        related = clm.components(11)
        refs = {q: self.first(loop, "REF", q) for q in ("9F", "G1", "F8", "X4", "EA")}
        dates = {q: self.first(loop, "DTP", q) for q in ("431", "439")}
        hi = self.first(loop, "HI")
        if hi is None:
            raise clm.error("claim has no HI diagnosis codes")
        codes = [hi.components(pos) for pos in range(1, len(hi.elements))]
        if not codes or len(codes[0]) < 2 or codes[0][0] not in ("ABK", "BK"):
            raise hi.error("principal diagnosis must be ABK or BK with a code", 1)
        other = "ABF" if codes[0][0] == "ABK" else "BF"
        for pos, comp in enumerate(codes[1:], 2):
            if len(comp) < 2 or comp[0] != other:
                raise hi.error(f"other diagnoses must be {other} with a code", pos)
        return make(
            Claim,
            clm,
            claim_id=clm.require(1),
            total_charge=el.decimal(clm, 2),
            place_of_service=facility[0],
            frequency_code=facility[2],
            provider_signature=el.required_code(clm, 6, ("Y", "N")) == "Y",
            assignment=clm.get(7),
            benefits_assigned=clm.get(8),
            release_of_information=clm.get(9),
            related_causes=[c for c in related[:3] if c],
            accident_state=related[3] if len(related) > 3 and related[3] else None,
            onset_date=el.date8(d, 3) if (d := dates["431"]) else None,
            accident_date=el.date8(d, 3) if (d := dates["439"]) else None,
            referral_number=r.get(2) if (r := refs["9F"]) else None,
            prior_authorization=r.get(2) if (r := refs["G1"]) else None,
            payer_claim_number=r.get(2) if (r := refs["F8"]) else None,
            clia_number=r.get(2) if (r := refs["X4"]) else None,
            medical_record_number=r.get(2) if (r := refs["EA"]) else None,
            diagnosis_code_list=codes[0][0],
            diagnoses=[c[1] for c in codes],
            referring_provider=self.provider(self.child(loop, "2310A", "DN")),
            rendering_provider=self.provider(self.child(loop, "2310B", "82")),
            service_facility=self.facility(self.child(loop, "2310C", "77")),
            other_subscribers=[other_subscriber(self, o) for o in loop.loops("2320")],
            lines=[self.line(c) for c in loop.loops("2400")],
            billing_provider=prov,
            subscriber=sub,
            payer=payer,
            patient=pat,
        )


def _check_parent(level: Loop, parent: Loop) -> None:
    hl = level.trigger
    if hl.get(2) != parent.trigger.get(1):
        raise hl.error(f"HL02 does not name the enclosing {parent.id} level's HL01", 2)


def _not_modeled(tree: Loop, used: set[int]) -> list[str]:
    """``loop`` for an unread loop, ``loop/SEG*qualifier`` for an unread segment."""
    found: dict[str, None] = {}
    for loop in tree.walk():
        if loop.trigger.ordinal not in used:
            found[loop.id] = None
            continue
        for seg in loop.segments:
            if seg.ordinal in used:
                continue
            key = seg.id
            qualifier = (seg.components(1) or [""])[0]
            if seg.id in _QUALIFIED and qualifier.isalnum() and len(qualifier) <= 3:
                key = f"{key}*{qualifier}"
            found[f"{loop.id}/{key}"] = None
    return list(found)


def parse_837p_set(ts: TransactionSet) -> ProfessionalClaimDocument:
    """Typed 837P of one transaction set: the batch, and what the model left out."""
    tree = build_loops(ts.segments, SPEC_837P)
    rd = _Reader()
    rd.take(ts.header)
    rd.take(ts.segments[-1])
    bht = rd.first(tree, "BHT")
    sub_loop, rec_loop = tree.loop("1000A"), tree.loop("1000B")
    if bht is None or sub_loop is None or rec_loop is None:
        raise ts.header.error("837P needs BHT, NM1*41 submitter and NM1*40 receiver")
    day, at = el.date8(bht, 4), el.hhmm(bht, 5)
    if day is None or at is None:
        raise bht.error("BHT04 date and BHT05 time are required", 4)
    nm41, nm40 = rd.take(sub_loop.trigger), rd.take(rec_loop.trigger)
    contact = rd.contact(rd.first(sub_loop, "PER"))
    claims: list[Claim] = []
    for prov_level in tree.loops("2000A"):
        prov = rd.billing(prov_level)
        for sub_level in prov_level.loops("2000B"):
            _check_parent(sub_level, prov_level)
            sub, payer = rd.subscriber(sub_level)
            claims += [rd.claim(c, prov, sub, payer, None) for c in sub_level.loops("2300")]
            for pat_level in sub_level.loops("2000C"):
                _check_parent(pat_level, sub_level)
                pat = rd.patient(pat_level)
                claims += [rd.claim(c, prov, sub, payer, pat) for c in pat_level.loops("2300")]
    batch = make(
        ClaimBatch,
        bht,
        submitter=make(Submitter, nm41, name=nm41.require(3), id=nm41.require(9), contact=contact),
        receiver=make(Receiver, nm40, name=nm40.require(3), id=nm40.require(9)),
        reference=bht.require(3),
        created=datetime.combine(day, at),
        purpose=bht.get(2),
        claims=claims,
    )
    return ProfessionalClaimDocument(
        control_number=ts.control_number,
        implementation=ts.implementation,
        batch=batch,
        not_modeled=_not_modeled(tree, rd.used),
    )


def parse_837p(data: str | bytes, *, strict: bool = True) -> list[ClaimBatch]:
    """Every 837P batch in a file, one per transaction set (other sets are an error)."""
    batches = []
    with gc_paused():
        for ts in read(data, strict=strict).transactions():
            if ts.set_id != "837" or "X222" not in ts.implementation:
                raise ts.header.error("not an 837P (005010X222) transaction set", 1)
            batches.append(parse_837p_set(ts).batch)
    return batches
