"""Rules on who is on the claim: NPIs, taxonomies, addresses, required data. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterator

from clinicflow.claims.model import PostalAddress
from clinicflow.claims.scrubber.context import ScrubContext
from clinicflow.claims.scrubber.engine import Params, Severity, rule
from clinicflow.codes.npi import npi_problem
from clinicflow.practice.model import US_STATES, is_po_box

E, W = Severity.ERROR, Severity.WARNING
_TAXONOMY = re.compile(r"^\d{3}[0-9A-Z]{6}X$")
_ZIP9 = re.compile(r"^\d{9}$")
_ZIP = re.compile(r"^\d{5}(\d{4})?$")
_RELATIONSHIPS = frozenset({"18", "01", "19", "20", "21", "39", "40", "53", "G8"})
_SEX = frozenset({"F", "M", "U"})
Out = Iterator[tuple[str, str]]


@rule("npi.check_digit", E, "npi", "Every NPI is 10 digits with a valid check digit")
def npi_check_digit(ctx: ScrubContext, _: Params) -> Out:
    """Billing, rendering, referring and facility NPIs pass the Luhn check (80840 prefix)."""
    c = ctx.claim
    npis = {"billing.npi": c.billing.npi}
    if c.rendering:
        npis["rendering.npi"] = c.rendering.npi
    if c.referring:
        npis["referring.npi"] = c.referring.npi
    if c.facility and c.facility.npi:
        npis["facility.npi"] = c.facility.npi
    for path, npi in npis.items():
        problem = npi_problem(npi)
        if problem:
            yield path, f"NPI {problem}: copy it from NPPES (npiregistry.cms.hhs.gov)"


@rule("taxonomy.format", E, "taxonomy_code", "Taxonomy codes are 10 characters ending in X")
def taxonomy_format(ctx: ScrubContext, _: Params) -> Out:
    """Billing and rendering taxonomy codes have the NUCC shape (e.g. 207Q00000X)."""
    c = ctx.claim
    codes = {"billing.taxonomy_code": c.billing.taxonomy_code}
    if c.rendering:
        codes["rendering.taxonomy_code"] = c.rendering.taxonomy_code
    for path, code in codes.items():
        if not _TAXONOMY.match(code):
            yield path, "must be a NUCC taxonomy code like 207Q00000X: fix the provider record"


@rule("billing.address_not_po_box", E, "billing.address", "Billing address is a street address")
def billing_not_po_box(ctx: ScrubContext, _: Params) -> Out:
    """837P 2010AA must be a street address; PO boxes go in the pay-to address (2010AB)."""
    address = ctx.claim.billing.address
    for name in ("line1", "line2"):
        if is_po_box(getattr(address, name)):
            yield (
                f"billing.address.{name}",
                "is a PO box: the billing provider needs a street address; "
                "put the PO box in the practice's pay-to address",
            )


def _address(path: str, a: PostalAddress | None, *, zip9: bool) -> Out:
    if a is None:
        yield path, "is required: add the address to the record"
        return
    for name in ("line1", "city"):
        if not getattr(a, name).strip():
            yield f"{path}.{name}", "is required"
    if a.state not in US_STATES:
        yield f"{path}.state", "must be a 2-letter USPS state code"
    if zip9 and not _ZIP9.match(a.postal_code):
        yield f"{path}.postal_code", "must be a 9-digit ZIP+4 (look it up at usps.com)"
    elif not _ZIP.match(a.postal_code):
        yield f"{path}.postal_code", "must be a 5- or 9-digit ZIP code"


@rule("billing.complete", E, "billing", "Billing provider data is complete")
def billing_complete(ctx: ScrubContext, _: Params) -> Out:
    """Name, 9-digit tax id and a street address with ZIP+4 (837P 2010AA)."""
    b = ctx.claim.billing
    if not b.name.strip():
        yield "billing.name", "is required: complete the practice profile"
    if not re.fullmatch(r"\d{9}", b.tax_id.replace("-", "")):
        yield "billing.tax_id", "must be the 9-digit EIN: complete the practice profile"
    yield from _address("billing.address", b.address, zip9=True)


@rule("subscriber.complete", E, "subscriber", "Subscriber data is complete")
def subscriber_complete(ctx: ScrubContext, _: Params) -> Out:
    """Member id, name, relationship and filing indicator; birth date, sex, address of the
    insured when the insured is the patient (837P 2010BA)."""
    s = ctx.claim.subscriber
    if not s.member_id.strip():
        yield "subscriber.member_id", "is required: copy it from the insurance card"
    if not s.person.last_name.strip() or not s.person.first_name.strip():
        yield "subscriber.name", "is required: complete the coverage's subscriber"
    if s.relationship not in _RELATIONSHIPS:
        yield "subscriber.relationship", "must be an X12 relationship code (18 = self)"
    if not s.claim_filing_indicator.strip():
        yield "subscriber.claim_filing_indicator", "is required (SBR09): set it on the coverage"
    if s.relationship == "18":
        if s.person.birth_date is None:
            yield "subscriber.birth_date", "is required: complete the patient's date of birth"
        if s.person.sex not in _SEX:
            yield "subscriber.sex", "must be F, M or U"
        yield from _address("subscriber.address", s.person.address, zip9=False)


@rule("patient.complete", E, "patient", "Patient data is complete")
def patient_complete(ctx: ScrubContext, _: Params) -> Out:
    """Name, birth date and sex; address when the patient is not the subscriber (2010CA)."""
    c = ctx.claim
    p = c.patient
    if not p.last_name.strip() or not p.first_name.strip():
        yield "patient.name", "is required: complete the patient record"
    if p.birth_date is None:
        yield "patient.birth_date", "is required: complete the patient record"
    if p.sex not in _SEX:
        yield "patient.sex", "must be F, M or U: complete the patient record"
    if c.subscriber.relationship != "18":
        yield from _address("patient.address", p.address, zip9=False)


@rule("payer.complete", E, "payer", "Payer data is complete")
def payer_complete(ctx: ScrubContext, _: Params) -> Out:
    """Payer id and name (837P 2010BB)."""
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,19}", ctx.claim.payer.payer_id):
        yield "payer.payer_id", "must be the payer id from the payer directory"
    if not ctx.claim.payer.name.strip():
        yield "payer.name", "is required: complete the payer in the payer directory"
