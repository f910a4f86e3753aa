"""Deterministic synthetic demo data: practices, locations, providers, patients, coverages.

Every name, number and address here is invented (seeded random choices from short lists);
addresses use real city/state pairs but made-up streets; phones use the 555-01xx range, and
so do the practices' SMS origination numbers (toll-free area code, never a real number).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from clinicflow.codes.npi import check_digit

FIRST = [
    "Ava",
    "Liam",
    "Maya",
    "Noah",
    "Elena",
    "Mateo",
    "Grace",
    "Omar",
    "Chloe",
    "Ethan",
    "Sofia",
    "Jamal",
    "Priya",
    "Lucas",
    "Hannah",
    "Diego",
    "Mei",
    "Samuel",
    "Zara",
    "Felix",
    "Ruth",
    "Kenji",
    "Amara",
    "Theo",
    "Nadia",
    "Isaac",
    "Leila",
    "Hugo",
    "Iris",
    "Caleb",
]
LAST = [
    "Alder",
    "Brightwater",
    "Castellan",
    "Dunmore",
    "Ellsworth",
    "Fairbanks",
    "Galloway",
    "Hartwell",
    "Ivers",
    "Jessup",
    "Kimbrough",
    "Lindqvist",
    "Marchetti",
    "Northcott",
    "Okafor",
    "Pemberton",
    "Quintero",
    "Rosewood",
    "Sandoval",
    "Thackeray",
    "Underhill",
    "Vasquez",
    "Whitfield",
    "Yarrow",
    "Zellner",
    "Ashby",
    "Blackwood",
    "Corliss",
]
STREETS = ["Maple Ave", "Cedar St", "Willow Way", "Aspen Ct", "Juniper Rd", "Sycamore Ln"]


@dataclass(frozen=True)
class DemoLocation:
    """A clinic site with its own time zone."""

    location_id: str
    name: str
    street: str
    city: str
    state: str
    postal_code: str
    time_zone: str
    place_of_service: str = "11"


@dataclass(frozen=True)
class DemoProvider:
    """A rendering provider."""

    provider_id: str
    first_name: str
    last_name: str
    npi: str
    taxonomy: str
    specialty: str
    location_ids: tuple[str, ...]


@dataclass(frozen=True)
class DemoPractice:
    """One synthetic practice and what it holds."""

    practice_id: str
    legal_name: str
    tax_id: str
    group_npi: str
    taxonomy: str
    locations: list[DemoLocation]
    providers: list[DemoProvider]
    patient_count: int
    payer_ids: list[str] = field(default_factory=list)
    sms_number: str = ""  # the practice's (fictitious) SMS origination number


def make_npi(rng: random.Random, first: str = "1") -> str:
    """A synthetic NPI with a valid check digit."""
    nine = first + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return nine + str(check_digit(nine))


def practices() -> list[DemoPractice]:
    """The two demo practices: Sunrise (two time zones) and Lakeside."""
    rng = random.Random(2026)  # noqa: S311 (synthetic data, not security)
    sunrise_locations = [
        DemoLocation(
            "loc-denver",
            "Sunrise Denver",
            "1200 Larimer St",
            "Denver",
            "CO",
            "80202-2917",
            "America/Denver",
        ),
        DemoLocation(
            "loc-chicago",
            "Sunrise Chicago",
            "455 Wacker Dr",
            "Chicago",
            "IL",
            "60606-4412",
            "America/Chicago",
        ),
    ]
    sunrise_providers = [
        DemoProvider(
            "prov-okafor",
            "Adaeze",
            "Okafor",
            make_npi(rng),
            "207Q00000X",
            "Family Medicine",
            ("loc-denver",),
        ),
        DemoProvider(
            "prov-lindqvist",
            "Erik",
            "Lindqvist",
            make_npi(rng),
            "207R00000X",
            "Internal Medicine",
            ("loc-denver", "loc-chicago"),
        ),
        DemoProvider(
            "prov-marchetti",
            "Giulia",
            "Marchetti",
            make_npi(rng),
            "208000000X",
            "Pediatrics",
            ("loc-chicago",),
        ),
        DemoProvider(
            "prov-hartwell",
            "Sam",
            "Hartwell",
            make_npi(rng),
            "363LF0000X",
            "Family Nurse Practitioner",
            ("loc-denver", "loc-chicago"),
        ),
    ]
    lakeside_locations = [
        DemoLocation(
            "loc-madison",
            "Lakeside Madison",
            "80 Lakeshore Dr",
            "Madison",
            "WI",
            "53703-2114",
            "America/Chicago",
        ),
    ]
    lakeside_providers = [
        DemoProvider(
            "prov-quintero",
            "Lucia",
            "Quintero",
            make_npi(rng),
            "208000000X",
            "Pediatrics",
            ("loc-madison",),
        ),
    ]
    return [
        DemoPractice(
            "sunrise",
            "Sunrise Family Medicine PC",
            "84-1234567",
            make_npi(rng),
            "207Q00000X",
            sunrise_locations,
            sunrise_providers,
            patient_count=200,
            sms_number="+18885550101",
        ),
        DemoPractice(
            "lakeside",
            "Lakeside Pediatrics LLC",
            "39-7654321",
            make_npi(rng),
            "208000000X",
            lakeside_locations,
            lakeside_providers,
            patient_count=40,
            sms_number="+18885550102",
        ),
    ]


@dataclass(frozen=True)
class DemoPatient:
    """A synthetic patient with up to two coverages (payer id, member id, group, relationship)."""

    first_name: str
    last_name: str
    birth_date: date
    sex: str
    phone: str
    email: str
    street: str
    city: str
    state: str
    postal_code: str
    language: str
    coverages: list[tuple[str, str, str]]


def patients(practice: DemoPractice, payer_ids: list[str], today: date) -> list[DemoPatient]:
    """`practice.patient_count` deterministic synthetic patients, most with coverage."""
    rng = random.Random(practice.practice_id)  # noqa: S311 (synthetic data)
    result = []
    pediatric = practice.practice_id == "lakeside"
    for i in range(practice.patient_count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        age_days = rng.randint(200, 17 * 365) if pediatric else rng.randint(18 * 365, 90 * 365)
        location = rng.choice(practice.locations)
        covers = []
        for order in range(rng.choice([0, 1, 1, 1, 2])):
            payer = payer_ids[(i + order * 3) % len(payer_ids)]
            covers.append(
                (payer, f"M{rng.randint(10**8, 10**9 - 1)}", f"G{rng.randint(1000, 9999)}")
            )
        result.append(
            DemoPatient(
                first_name=first,
                last_name=last,
                birth_date=today - timedelta(days=age_days),
                sex=rng.choice(["female", "male"]),
                phone=f"+1{rng.choice(['303', '312', '608'])}55501{i % 100:02d}",
                email=f"{first.lower()}.{last.lower()}{i}@example.com",
                street=f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
                city=location.city,
                state=location.state,
                postal_code=location.postal_code,
                language=rng.choice(["en", "en", "en", "es"]),
                coverages=covers,
            )
        )
    return result


# One Sunrise patient per sandbox payer scenario (docs/eligibility-sandbox.md), all with the
# last name "Sandbox", so a clinic can try every eligibility path from the portal: the
# member id chooses the payer's answer; the first letter of the first name hints at it.
SANDBOX_PATIENTS: list[tuple[str, str, str]] = [
    ("Ava", "1984-06-21", "SBX-ACTIVE-1001"),
    ("Henry", "1979-10-30", "SBX-HIGHDED-1002"),
    ("Iris", "1991-01-17", "SBX-INACTIVE-1003"),
    ("Silas", "1968-08-25", "SBX-SECONDARY-1004"),
    ("Bianca", "1995-04-28", "SBX-BADID-1005"),
    ("Nora", "1988-12-19", "SBX-NOTFOUND-1006"),
    ("Boris", "1973-02-14", "SBX-BUSY-1007"),
    ("Tomas", "1999-07-31", "SBX-TIMEOUT-1008"),
    # The payer knows her as KATHERINE, born 1984-09-03, member SBX-ACTIVE-1009.
    ("Kate", "1984-03-09", "SBX-CORRECTED-1009"),
]


def sandbox_patients(practice: DemoPractice, payer_id: str) -> list[DemoPatient]:
    """The eligibility sandbox's demo patients (Sunrise only), covered by `payer_id`."""
    if practice.practice_id != "sunrise":
        return []
    main = practice.locations[0]
    return [
        DemoPatient(
            first_name=first,
            last_name="Sandbox",
            birth_date=date.fromisoformat(born),
            sex="female" if first in {"Ava", "Iris", "Bianca", "Nora", "Kate"} else "male",
            phone=f"+1303555019{i}",
            email=f"{first.lower()}.sandbox@example.com",
            street=f"{100 + i} Aspen Ct",
            city=main.city,
            state=main.state,
            postal_code=main.postal_code,
            language="en",
            coverages=[(payer_id, member_id, "GSBX100")],
        )
        for i, (first, born, member_id) in enumerate(SANDBOX_PATIENTS)
    ]
