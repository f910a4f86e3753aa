"""Check any 837P file: X12 structure, then the claim scrubber's rules on every claim. Pure.

Structure first: a file the reader cannot split, an envelope fault (a wrong SE, GE or IEA
count, a mismatched control number: receivers reject the file for these, so they block; a
non-fixed-width ISA only warns), a set that does not fit the 837P loops or typed model (its
claims cannot be checked). Then each claim of every set that parses becomes a domain claim
(`from_x12`) and is scrubbed; each finding is placed on the segment it concerns: CLM for
claim-level fields, a line's SV1 (its LX for the whole line), HI for diagnoses, a party's
NM1 (or its N3/N4, DMG, PRV, REF), SBR, REF*F8, ...

Offline there is no practice data: timely filing, prior authorizations and duplicates are
switched off, payer enrollment is not checked, and the table rules need HCPCS/NCCI/MUE tables.
`CheckReport.skipped` says what was left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from clinicflow.claims.from_x12 import from_x12, mapping_problems
from clinicflow.claims.scrubber import RuleSettings, ScrubContext, Severity, scrub
from clinicflow.codesets.service import ReferenceTables
from clinicflow.x12 import Loop, Segment, X12Issue, X12Location, X12ParseError, build_loops, read
from clinicflow.x12 import claims as x12
from clinicflow.x12.claims.specs import SPEC_837P

STRUCTURE = "x12.structure"
ENVELOPE = "x12.envelope"
_TOLERATED = ("ISA is not fixed-width",)  # strict reading accepts these too
_OFFLINE = {
    "timely_filing": "the payer's filing window is the practice's data",
    "timely_filing.soon": "the payer's filing window is the practice's data",
    "prior_auth.required": "it needs the practice's authorizations and payer settings",
    "duplicate.possible": "it needs the practice's other claims",
}
_TABLE_RULES = {"PTP": ("ncci.ptp", "NCCI PTP"), "MUE": ("mue.units", "MUE")}
_N3 = {"line1": 1, "line2": 2}
_N4 = {"city": 1, "state": 2, "postal_code": 3}
_LINE = {
    "procedure": (1, 2),
    "modifiers": (1, 3),
    "charge": (2, None),
    "units": (4, None),
    "place_of_service": (5, None),
    "pointers": (7, None),
}
_NM1 = {"npi": 9, "member_id": 9, "payer_id": 9, "name": 3}
_CLM = {
    "claim_id": (1, None),
    "total_charge": (2, None),
    "place_of_service": (5, 1),
    "frequency": (5, 3),
    "payer_claim_number": (5, 3),
    "accident": (11, None),
}
Spot = tuple[Segment | None, int | None, int | None]
"""A segment, and optionally an element and component in it."""


@dataclass(frozen=True)
class Problem:
    """One problem of a file: a structure fault or a rule's finding, and where it is."""

    rule_id: str
    severity: Severity
    message: str
    location: X12Location
    blocks: bool
    field: str = ""
    """The domain claim path the rule names (``billing.npi``, ``lines.0.pointers``)."""
    claim_id: str = ""

    def describe(self) -> str:
        """``segment 10 NM1 (loop 2010AA) element NM109 claim C1: error rule field: why``."""
        loc = self.location
        parts: list[str] = []
        if loc.ordinal is not None:
            parts.append(f"segment {loc.ordinal} {loc.segment_id or ''}".rstrip())
        elif loc.segment_id:
            parts.append(f"segment {loc.segment_id}")
        if loc.loop:
            parts.append(f"(loop {loc.loop})")
        if loc.element:
            parts.append(f"element {loc.element}")
        if self.claim_id:
            parts.append(f"claim {self.claim_id}")
        what = " ".join(p for p in (self.severity.value, self.rule_id, self.field) if p)
        return f"{' '.join(parts) or 'file'}: {what}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "blocks": self.blocks,
            "claim_id": self.claim_id or None,
            "field": self.field or None,
            "message": self.message,
            "location": self.location.as_dict(),
        }


@dataclass(frozen=True)
class CheckReport:
    """Every problem of a file (structure first), the claims checked, what was skipped."""

    problems: tuple[Problem, ...]
    claims: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    icd10_release: str = ""

    @property
    def blocked(self) -> bool:
        """True when any problem blocks (the file would be rejected or the claim denied)."""
        return any(p.blocks for p in self.problems)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "blocked": self.blocked,
            "claims": list(self.claims),
            "icd10_release": self.icd10_release or None,
            "skipped": list(self.skipped),
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class _Place:
    """The loops a claim was read from."""

    claim: Loop  # 2300
    provider: Loop  # 2000A
    subscriber: Loop  # 2000B
    patient: Loop | None  # 2000C


def _structure(err: X12ParseError) -> Problem:
    return Problem(STRUCTURE, Severity.ERROR, err.reason, err.location, blocks=True)


def _envelope(issue: X12Issue) -> Problem:
    blocks = not issue.message.startswith(_TOLERATED)
    severity = Severity.ERROR if blocks else Severity.WARNING
    return Problem(ENVELOPE, severity, issue.message, issue.location, blocks=blocks)


def offline_settings(tables: ReferenceTables | None) -> tuple[RuleSettings, tuple[str, ...]]:
    """Rule settings for a check without practice data, and what they leave out."""
    loaded = tables.loaded() if tables else frozenset()
    off = dict(_OFFLINE)
    for table, (rule_id, name) in _TABLE_RULES.items():
        if table not in loaded:
            off[rule_id] = f"no {name} table loaded"
    notes = [f"{rule_id}: skipped ({why})" for rule_id, why in off.items()]
    if "HCPCS" not in loaded:
        notes.append(
            "procedure.valid: HCPCS Level II codes checked by format only (no HCPCS table)"
        )
    notes.append("payer enrollment: not checked (it needs the practice's clearinghouse profile)")
    settings = RuleSettings(practice_id="", enabled=dict.fromkeys(off, False))
    return settings, tuple(notes)


def _places(tree: Loop) -> list[_Place]:
    """Claim loops in the order the parser reads them."""
    out: list[_Place] = []
    for prov in tree.loops("2000A"):
        for sub in prov.loops("2000B"):
            out += [_Place(c, prov, sub, None) for c in sub.loops("2300")]
            for pat in sub.loops("2000C"):
                out += [_Place(c, prov, sub, pat) for c in pat.loops("2300")]
    return out


def _paired(claims: list[x12.Claim], places: list[_Place]) -> list[tuple[x12.Claim, _Place]]:
    """Each parsed claim with its loops: the batch regroups claims stably, so the n-th claim
    with a CLM01 came from the n-th loop with that CLM01."""
    free = list(places)
    pairs: list[tuple[x12.Claim, _Place]] = []
    for claim in claims:
        i = next(i for i, p in enumerate(free) if p.claim.trigger.get(1) == claim.claim_id)
        pairs.append((claim, free.pop(i)))
    return pairs


def _seg(loop: Loop | None, seg_id: str, qualifier: str | None = None) -> Segment | None:
    for seg in loop.segments if loop else ():
        if seg.id == seg_id and (qualifier is None or seg.get(1) == qualifier):
            return seg
    return None


def _child(loop: Loop | None, loop_id: str) -> Loop | None:
    return loop.loop(loop_id) if loop else None


def _party(loop: Loop | None, rest: list[str], extra: Mapping[str, Spot]) -> Spot:
    """A party's NM1 loop: NM109 ids, NM103 names, N3/N4 address parts, ``extra`` others."""
    key = rest[0] if rest else ""
    if key in extra:
        return extra[key]
    if key == "address":
        part = rest[1] if len(rest) > 1 else "line1"
        if part in _N4:
            return _seg(loop, "N4"), _N4[part], None
        return _seg(loop, "N3"), _N3.get(part, 1), None
    return (loop.trigger if loop else None), _NM1.get(key), None


def _line_spot(claim: Loop, index: int, rest: list[str]) -> Spot:
    lines = claim.loops("2400")
    if index >= len(lines):
        return None, None, None
    lx = lines[index]
    key = rest[0] if rest else ""
    if not key:
        return lx.trigger, None, None
    if key == "service_date":
        return _seg(lx, "DTP", "472"), 3, None
    if key == "ndc" and (lin := lx.loop("2410")) is not None:
        return lin.trigger, 3, None
    pos, component = _LINE.get(key, (None, None))
    return _seg(lx, "SV1"), pos, component


def _other_spot(claim: Loop, index: int, rest: list[str]) -> Spot:
    loops = claim.loops("2320")
    if index >= len(loops):
        return None, None, None
    loop = loops[index]
    key = rest[0] if rest else ""
    if key == "payer_responsibility":
        return loop.trigger, 1, None
    if key in {"payer_id", "payer"}:
        return _party(_child(loop, "2330B"), ["payer_id" if key == "payer_id" else ""], {})
    if key == "member_id":
        return _party(_child(loop, "2330A"), ["member_id"], {})
    if key == "adjudication":
        if len(rest) > 2 and rest[1] == "lines" and rest[2].isdigit():
            return _line_spot(claim, int(rest[2]), [])
        return _seg(loop, "AMT", "D"), 2, None
    return loop.trigger, None, None


def _people(place: _Place, head: str, rest: list[str]) -> Spot:
    """Subscriber (2010BA, SBR) or patient (2010CA, PAT; the subscriber when self)."""
    own = head == "patient" and place.patient is not None
    loop = _child(place.patient, "2010CA") if own else _child(place.subscriber, "2010BA")
    sbr = _seg(place.subscriber, "SBR")
    dmg = _seg(loop, "DMG")
    pat = _seg(place.patient, "PAT")
    extra: dict[str, Spot] = {
        "birth_date": (dmg, 2, None),
        "sex": (dmg, 3, None),
        "relationship": (pat, 1, None) if pat else (sbr, 2, None),
        "claim_filing_indicator": (sbr, 9, None),
        "group_number": (sbr, 3, None),
    }
    return _party(loop, rest, extra)


def _spot(place: _Place, path: str) -> Spot:
    """The segment (and element) a domain field path of the claim was read from."""
    head, *rest = path.split(".")
    index = int(rest[0]) if rest and rest[0].isdigit() else None
    c, clm = place.claim, place.claim.trigger
    if head == "lines" and index is not None:
        return _line_spot(c, index, rest[1:])
    if head == "other_payers" and index is not None:
        return _other_spot(c, index, rest[1:])
    if head == "diagnoses":
        return _seg(c, "HI"), None if index is None else index + 1, None
    if head == "billing":
        loop = _child(place.provider, "2010AA")
        tax = _seg(loop, "REF", "EI") or _seg(loop, "REF", "SY")
        extra = {
            "taxonomy_code": (_seg(place.provider, "PRV", "BI"), 3, None),
            "tax_id": (tax, 2, None),
        }
        return _party(loop, rest, extra)
    if head == "rendering":
        loop = _child(c, "2310B")
        return _party(loop, rest, {"taxonomy_code": (_seg(loop, "PRV", "PE"), 3, None)})
    if head in {"referring", "facility"}:
        return _party(_child(c, "2310A" if head == "referring" else "2310C"), rest, {})
    if head in {"subscriber", "patient"}:
        return _people(place, head, rest)
    if head == "payer":
        return _party(_child(place.subscriber, "2010BB"), rest, {})
    refs = {"payer_claim_number": "F8", "prior_auth_number": "G1", "clia_number": "X4"}
    if head in refs and (ref := _seg(c, "REF", refs[head])) is not None:
        return ref, 2, None
    if head == "accident" and (dtp := _seg(c, "DTP", "439")) is not None:
        return dtp, 3, None
    if head == "service_date":  # the claim's date is its earliest line's (CCYYMMDD sorts)
        dates = [d for lx in c.loops("2400") if (d := _seg(lx, "DTP", "472")) is not None]
        if dates:
            return min(dates, key=lambda d: d.get(3) or ""), 3, None
    pos, component = _CLM.get(head, (None, None))
    return clm, pos, component


def _where(place: _Place, path: str) -> X12Location:
    seg, pos, component = _spot(place, path)
    if seg is None:
        return place.claim.trigger.location()
    return seg.location(pos, component)


def _claim_problems(
    claim: x12.Claim, place: _Place, ctx: ScrubContext, settings: RuleSettings
) -> tuple[list[Problem], str]:
    out = [
        Problem(
            m.rule_id,
            Severity.ERROR if m.blocks else Severity.WARNING,
            m.message,
            _where(place, m.field),
            m.blocks,
            m.field,
            claim.claim_id,
        )
        for m in mapping_problems(claim)
    ]
    report = scrub(ctx, [settings])
    for f in report.findings:
        where = _where(place, f.field)
        out.append(
            Problem(f.rule_id, f.severity, f.message, where, f.blocks, f.field, claim.claim_id)
        )
    out.sort(key=lambda p: p.location.ordinal or 0)
    return out, report.icd10_release


def check_837p(
    data: bytes | str, *, today: date, tables: ReferenceTables | None = None
) -> CheckReport:
    """Every problem of an 837P file: structure first, then each claim's findings in file
    order, each with its segment, loop, element and claim id."""
    settings, skipped = offline_settings(tables)
    try:
        parsed = read(data, strict=False)
    except X12ParseError as err:
        return CheckReport((_structure(err),), skipped=skipped)
    structure = [_envelope(issue) for issue in parsed.issues]
    pairs: list[tuple[x12.Claim, _Place]] = []
    for ts in parsed.transactions():
        if ts.set_id != "837" or "X222" not in ts.implementation:
            wrong = ts.header.error("not an 837P (005010X222) transaction set", 1)
            structure.append(_structure(wrong))
            continue
        try:
            doc = x12.parse_837p_set(ts)
        except X12ParseError as err:
            structure.append(_structure(err))
            continue
        pairs += _paired(doc.batch.claims, _places(build_loops(ts.segments, SPEC_837P)))
    pairs.sort(key=lambda pair: pair[1].claim.trigger.ordinal)
    ids = Counter(claim.claim_id for claim, _ in pairs)
    problems, releases = list(structure), set[str]()
    for claim, place in pairs:
        ctx = ScrubContext(
            claim=from_x12(claim),
            today=today,
            tables=tables,
            claim_id_taken=ids[claim.claim_id] > 1,
        )
        found, release = _claim_problems(claim, place, ctx, settings)
        problems += found
        releases.add(release)
    return CheckReport(
        tuple(problems),
        claims=tuple(claim.claim_id for claim, _ in pairs),
        skipped=skipped,
        icd10_release=", ".join(sorted(r for r in releases if r)),
    )
