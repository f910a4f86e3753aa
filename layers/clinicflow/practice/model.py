"""Practice profile and locations: pure domain rules (no AWS, no storage).

Every `build` normalises its input and raises one ValidationError naming every failing
field (dotted paths such as `billing_address.line1`), never echoing a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from clinicflow.codes.npi import npi_problem
from clinicflow.platform.errors import Problems

# USPS state and territory codes (50 states, DC, territories, military "states").
_STATES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI AA AE AP"
)
US_STATES = frozenset(_STATES.split())

# CMS place-of-service codes (the 2-digit POS code set) a location may default to.
PLACE_OF_SERVICE: dict[str, str] = {
    "01": "Pharmacy",
    "02": "Telehealth Provided Other than in Patient's Home",
    "03": "School",
    "04": "Homeless Shelter",
    "05": "Indian Health Service Free-standing Facility",
    "06": "Indian Health Service Provider-based Facility",
    "07": "Tribal 638 Free-standing Facility",
    "08": "Tribal 638 Provider-based Facility",
    "09": "Prison/Correctional Facility",
    "10": "Telehealth Provided in Patient's Home",
    "11": "Office",
    "12": "Home",
    "13": "Assisted Living Facility",
    "14": "Group Home",
    "15": "Mobile Unit",
    "16": "Temporary Lodging",
    "17": "Walk-in Retail Health Clinic",
    "18": "Place of Employment-Worksite",
    "19": "Off Campus-Outpatient Hospital",
    "20": "Urgent Care Facility",
    "21": "Inpatient Hospital",
    "22": "On Campus-Outpatient Hospital",
    "23": "Emergency Room - Hospital",
    "24": "Ambulatory Surgical Center",
    "25": "Birthing Center",
    "26": "Military Treatment Facility",
    "27": "Outreach Site/Street",
    "31": "Skilled Nursing Facility",
    "32": "Nursing Facility",
    "33": "Custodial Care Facility",
    "34": "Hospice",
    "41": "Ambulance - Land",
    "42": "Ambulance - Air or Water",
    "49": "Independent Clinic",
    "50": "Federally Qualified Health Center",
    "51": "Inpatient Psychiatric Facility",
    "52": "Psychiatric Facility-Partial Hospitalization",
    "53": "Community Mental Health Center",
    "54": "Intermediate Care Facility/Individuals with Intellectual Disabilities",
    "55": "Residential Substance Abuse Treatment Facility",
    "56": "Psychiatric Residential Treatment Center",
    "57": "Non-residential Substance Abuse Treatment Facility",
    "58": "Non-residential Opioid Treatment Facility",
    "60": "Mass Immunization Center",
    "61": "Comprehensive Inpatient Rehabilitation Facility",
    "62": "Comprehensive Outpatient Rehabilitation Facility",
    "65": "End-Stage Renal Disease Treatment Facility",
    "71": "Public Health Clinic",
    "72": "Rural Health Clinic",
    "81": "Independent Laboratory",
    "99": "Other Place of Service",
}

# IRS EIN prefixes never assigned (campus codes); an EIN starting with one is a typo.
_UNASSIGNED_EIN_PREFIXES = frozenset(
    {
        "00",
        "07",
        "08",
        "09",
        "17",
        "18",
        "19",
        "28",
        "29",
        "49",
        "69",
        "70",
        "78",
        "79",
        "89",
        "96",
        "97",
    }
)

# A PO box or lock box in any of its usual spellings: "PO Box", "P.O. Box", "P O Box",
# "POB", "P.O.B.", "PO Bx", "Post Office Box", "Postal Box", "Lock Box", "Lockbox", "Box 12".
_PO_BOX = re.compile(
    r"""
    (?<![a-z0-9])(
        p\s*\.?\s*o\s*\.?\s*(b\s*\.?|box|bx)      # PO Box, P.O. Box, POB, P.O.B., PO Bx
      | post\s*office\s*(box|bx|b\b)             # Post Office Box
      | postal\s*(box|bx)                        # Postal Box
      | lock\s*box                               # Lock Box, Lockbox
      | ^\s*(box|bx)\s*\#?\s*\d                  # "Box 123" at the start of a line
    )(?![a-z])
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ZIP = re.compile(r"^(\d{5})-?(\d{4})?$")
_EIN = re.compile(r"^(\d{2})-?(\d{7})$")
_TAXONOMY = re.compile(r"^\d{3}[0-9A-Z]{6}X$")


def is_po_box(line: str) -> bool:
    """True when an address line is a PO box or lock box rather than a street address."""
    return bool(_PO_BOX.search(line))


def normalise_ein(value: str) -> str | None:
    """An EIN as NN-NNNNNNN, or None when it is not a plausible EIN."""
    return None if ein_problem(value) else _EIN.sub(r"\1-\2", value.strip())


def ein_problem(value: str) -> str | None:
    """Why `value` is not an EIN (9 digits, NN-NNNNNNN, IRS-assigned prefix), or None."""
    match = _EIN.match(value.strip())
    if not match:
        return "must be an EIN in the form NN-NNNNNNN"
    if match.group(1) in _UNASSIGNED_EIN_PREFIXES:
        return "does not start with a prefix the IRS assigns"
    return None


def normalise_phone(value: str) -> str | None:
    """A North American number as 10 digits (what X12 PER segments carry), or None."""
    digits = re.sub(r"[\s().+-]", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or not digits.isdigit() or not digits.isascii():
        return None
    if digits[0] in "01" or digits[3] in "01":  # area code and exchange start with 2-9
        return None
    return digits


@lru_cache(maxsize=1)
def _iana_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone such as America/Chicago, or None."""
    if "/" not in name or name.startswith(("Etc/", "SystemV/")):
        return "must be an IANA time zone such as America/Chicago"
    if name not in _iana_zones():
        return "is not a known IANA time zone"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "is not a known IANA time zone"
    return None


def text_field(
    problems: Problems, path: str, value: str, *, required: bool = True, max_len: int = 100
) -> str:
    """Collapse whitespace; add a problem when missing or too long."""
    text = " ".join(value.split())
    if required and not text:
        problems.add(path, "is required")
    elif len(text) > max_len:
        problems.add(path, f"must be at most {max_len} characters")
    return text


def npi_field(problems: Problems, path: str, value: str, *, required: bool) -> str:
    """An NPI (or "" when optional and absent); a problem when malformed or mis-checked."""
    text = value.strip()
    if not text:
        if required:
            problems.add(path, "is required")
        return ""
    problem = npi_problem(text)
    if problem:
        problems.add(path, problem)
    return text


def phone_field(problems: Problems, path: str, value: str, *, required: bool) -> str:
    """A phone as 10 digits (or "" when optional and absent); a problem when malformed."""
    if not value.strip():
        if required:
            problems.add(path, "is required")
        return ""
    phone = normalise_phone(value)
    if phone is None:
        problems.add(path, "must be a 10-digit North American phone number")
        return ""
    return phone


def time_zone_field(problems: Problems, path: str, value: str) -> str:
    """A required IANA time zone name; a problem when unknown."""
    name = value.strip()
    problem = time_zone_problem(name) if name else "is required"
    if problem:
        problems.add(path, problem)
    return name


@dataclass(frozen=True)
class Address:
    """A US postal address; `postal_code` is ZIP (12345) or ZIP+4 (123456789)."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str = ""

    @classmethod
    def build(
        cls,
        problems: Problems,
        path: str,
        *,
        line1: str,
        city: str,
        state: str,
        postal_code: str,
        line2: str = "",
        street: bool = False,
        zip_plus_four: bool = False,
    ) -> Address:
        """Normalise an address, adding each failing field under `path` to `problems`.

        `street` refuses PO boxes and lock boxes (837P billing provider and service
        facility addresses must be street addresses); `zip_plus_four` requires the
        nine-digit ZIP those loops carry.
        """
        address = cls(
            line1=text_field(problems, f"{path}.line1", line1, max_len=55),
            line2=text_field(problems, f"{path}.line2", line2, required=False, max_len=55),
            city=text_field(problems, f"{path}.city", city, max_len=30),
            state=state.strip().upper(),
            postal_code=postal_code.strip(),
        )
        if address.state not in US_STATES:
            problems.add(f"{path}.state", "must be a 2-letter USPS state code")
        match = _ZIP.match(address.postal_code)
        if not match:
            problems.add(f"{path}.postal_code", "must be a ZIP code (12345 or 12345-6789)")
        else:
            address = replace(address, postal_code=match.group(1) + (match.group(2) or ""))
            if zip_plus_four and not match.group(2):
                problems.add(f"{path}.postal_code", "must be a 9-digit ZIP+4 code")
        if street:
            for name in ("line1", "line2"):
                if is_po_box(getattr(address, name)):
                    problems.add(
                        f"{path}.{name}",
                        "must be a street address, not a PO box or lock box "
                        "(use the pay-to address for those)",
                    )
        return address


@dataclass(frozen=True)
class AddressInput:
    """An address as the caller typed it, before normalisation."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str = ""


def address_field(problems: Problems, path: str, value: AddressInput, **rules: bool) -> Address:
    """Address.build on submitted input (`rules`: street, zip_plus_four)."""
    return Address.build(
        problems,
        path,
        line1=value.line1,
        line2=value.line2,
        city=value.city,
        state=value.state,
        postal_code=value.postal_code,
        **rules,
    )


@dataclass(frozen=True)
class Stamp:
    """Optimistic-concurrency version and who changed the record last."""

    version: int = 0
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_by: str = ""

    def next(self, actor: str, now: datetime | None = None) -> Stamp:
        """The stamp of the next change by `actor`."""
        return Stamp(self.version + 1, now or datetime.now(UTC), actor)


DEFAULT_BILLING_HOUR = 3
"""Practice-local hour of the nightly billing cycle until the practice picks another (03:00:
in US zones 02:00 does not exist on the spring-forward night, and Scheduler skips it)."""


@dataclass(frozen=True)
class ProfileInput:
    """The practice profile as submitted (PUT /practice)."""

    legal_name: str
    tax_id: str
    group_npi: str
    taxonomy_code: str
    billing_address: AddressInput
    phone: str
    time_zone: str
    pay_to_address: AddressInput | None = None
    billing_hour: int = DEFAULT_BILLING_HOUR


@dataclass(frozen=True)
class PracticeProfile:
    """The billing identity of a practice (837P loop 2010AA/2010AB)."""

    practice_id: str
    legal_name: str
    tax_id: str
    group_npi: str
    taxonomy_code: str
    billing_address: Address
    phone: str
    time_zone: str
    pay_to_address: Address | None = None
    billing_hour: int = DEFAULT_BILLING_HOUR
    stamp: Stamp = field(default_factory=Stamp)

    @property
    def tax_id_digits(self) -> str:
        """The EIN as the 9 digits X12 REF*EI carries."""
        return self.tax_id.replace("-", "")

    @classmethod
    def build(cls, practice_id: str, data: ProfileInput, stamp: Stamp) -> PracticeProfile:
        """A validated profile, or ValidationError naming every failing field."""
        problems = Problems()
        legal_name = text_field(problems, "legal_name", data.legal_name, max_len=60)
        ein = ein_problem(data.tax_id)
        if ein:
            problems.add("tax_id", ein)
        group_npi = npi_field(problems, "group_npi", data.group_npi, required=True)
        taxonomy = data.taxonomy_code.strip().upper()
        if not _TAXONOMY.match(taxonomy):
            problems.add("taxonomy_code", "must be a 10-character taxonomy code like 207Q00000X")
        profile = cls(
            practice_id=practice_id,
            legal_name=legal_name,
            tax_id=normalise_ein(data.tax_id) or "",
            group_npi=group_npi,
            taxonomy_code=taxonomy,
            billing_address=address_field(
                problems, "billing_address", data.billing_address, street=True, zip_plus_four=True
            ),
            pay_to_address=(
                address_field(problems, "pay_to_address", data.pay_to_address)
                if data.pay_to_address
                else None
            ),
            phone=phone_field(problems, "phone", data.phone, required=True),
            time_zone=time_zone_field(problems, "time_zone", data.time_zone),
            billing_hour=data.billing_hour,
            stamp=stamp,
        )
        if not 0 <= data.billing_hour <= 23:
            problems.add("billing_hour", "must be an hour from 0 to 23 (practice-local time)")
        problems.raise_if_any()
        return profile


@dataclass(frozen=True)
class LocationInput:
    """A location as submitted (POST/PUT /practice/locations)."""

    name: str
    address: AddressInput
    time_zone: str
    place_of_service: str
    phone: str = ""
    npi: str = ""
    active: bool = True


@dataclass(frozen=True)
class Location:
    """A place where the practice sees patients (837P service facility, loop 2310C)."""

    practice_id: str
    location_id: str
    name: str
    address: Address
    time_zone: str
    place_of_service: str
    phone: str = ""
    npi: str = ""
    active: bool = True
    stamp: Stamp = field(default_factory=Stamp)

    @classmethod
    def build(
        cls, practice_id: str, location_id: str, data: LocationInput, stamp: Stamp
    ) -> Location:
        """A validated location, or ValidationError naming every failing field."""
        problems = Problems()
        name = text_field(problems, "name", data.name, max_len=60)
        address = address_field(problems, "address", data.address, street=True, zip_plus_four=True)
        time_zone = time_zone_field(problems, "time_zone", data.time_zone)
        pos = data.place_of_service.strip()
        if pos not in PLACE_OF_SERVICE:
            problems.add("place_of_service", "must be a 2-digit CMS place-of-service code")
        location = cls(
            practice_id=practice_id,
            location_id=location_id,
            name=name,
            address=address,
            time_zone=time_zone,
            place_of_service=pos,
            phone=phone_field(problems, "phone", data.phone, required=False),
            npi=npi_field(problems, "npi", data.npi, required=False),
            active=data.active,
            stamp=stamp,
        )
        problems.raise_if_any()
        return location

    def deactivated(self, actor: str) -> Location:
        """This location, no longer offered for new appointments."""
        return replace(self, active=False, stamp=self.stamp.next(actor))
