"""Providers: the clinicians a practice books appointments with (pure domain, no AWS).

A provider is a rendering provider in claims terms (837P loop 2310B): an individual with a
Type 1 NPI and a NUCC taxonomy code, working at one or more of the practice's locations.
Provider data is not PHI; changes still leave an audit record (the admin change trail).

Every `build` normalises its input and raises one ValidationError naming every failing
field, never echoing a value.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from clinicflow.codes.npi import npi_problem
from clinicflow.platform.errors import Problems

MAX_LOCATIONS = 50
MAX_CREDENTIALS = 6

# NUCC Health Care Provider Taxonomy code: 10 characters, 3 digits, 6 digits or capitals,
# ending in X (207Q00000X family medicine, 363LF0000X family nurse practitioner).
_TAXONOMY = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
_COLOR = re.compile(r"^#[0-9a-f]{6}$")
# Ids appear in keys and URLs: lower-case letters, digits and hyphens; never '#' or ','.
_PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
# A post-nominal credential as written on a badge: MD, DO, NP, PA-C, FNP-BC, Ph.D.
_CREDENTIAL = re.compile(r"^[A-Za-z][A-Za-z.-]{0,11}$")

# Calendar colours given to providers created without one (readable with white text).
PALETTE = (
    "#1f77b4",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#ff7f0e",
    "#7f7f7f",
)


def new_provider_id() -> str:
    """A new provider id: `prov-` and 10 hex digits (URL-safe, no '#' or ',')."""
    return f"prov-{secrets.token_hex(5)}"


def default_color(provider_id: str) -> str:
    """A stable palette colour for a provider created without one."""
    digest = hashlib.sha256(provider_id.encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def provider_id_problem(value: str) -> str | None:
    """Why `value` cannot be a provider id, or None."""
    if not _PROVIDER_ID.match(value):
        return "must be 2-40 lower-case letters, digits or hyphens"
    return None


def _text(problems: Problems, path: str, value: str, *, required: bool, max_len: int) -> str:
    text = " ".join(value.split())
    if required and not text:
        problems.add(path, "is required")
    elif len(text) > max_len:
        problems.add(path, f"must be at most {max_len} characters")
    return text


def _credentials(problems: Problems, values: Iterable[str]) -> tuple[str, ...]:
    creds = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(creds) > MAX_CREDENTIALS:
        problems.add("credentials", f"at most {MAX_CREDENTIALS} credentials")
    elif any(not _CREDENTIAL.match(c) for c in creds):
        problems.add("credentials", "each credential is letters such as MD, DO, NP or PA-C")
    return creds


def _npi(problems: Problems, value: str, organisation_npis: frozenset[str]) -> str:
    npi = value.strip()
    problem = npi_problem(npi) if npi else "is required"
    if problem:
        problems.add("npi", problem)
    elif npi in organisation_npis:
        problems.add(
            "npi",
            "is an organisation (Type 2) NPI of this practice; "
            "a provider needs their individual (Type 1) NPI",
        )
    return npi


def _taxonomy(problems: Problems, value: str) -> str:
    code = value.strip().upper()
    if not _TAXONOMY.match(code):
        problems.add("taxonomy_code", "must be a 10-character NUCC taxonomy code like 207Q00000X")
    return code


def _color(problems: Problems, value: str) -> str:
    color = value.strip().lower()
    if not _COLOR.match(color):
        problems.add("color", "must be a colour in the form #RRGGBB")
    return color


def _locations(
    problems: Problems, values: Iterable[str], allowed: frozenset[str]
) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(ids) > MAX_LOCATIONS:
        problems.add("location_ids", f"at most {MAX_LOCATIONS} locations")
    elif any(i not in allowed for i in ids):
        problems.add("location_ids", "every location must be an active location of the practice")
    return ids


@dataclass(frozen=True)
class PracticeFacts:
    """What a provider is checked against: the practice's locations and organisation NPIs.

    `active_location_ids`: locations a provider may be assigned to. `organisation_npis`:
    the practice's group NPI and its locations' NPIs (Type 2), never an individual's.
    """

    active_location_ids: frozenset[str] = frozenset()
    organisation_npis: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProviderInput:
    """A provider as submitted (POST /providers, or the demo seed)."""

    first_name: str
    last_name: str
    npi: str
    taxonomy_code: str
    credentials: tuple[str, ...] = ()
    specialty: str = ""
    location_ids: tuple[str, ...] = ()
    color: str = ""
    accepts_new_patients: bool = True
    active: bool = True


@dataclass(frozen=True)
class ProviderChanges:
    """A partial update (PATCH): None leaves a field as it is."""

    first_name: str | None = None
    last_name: str | None = None
    npi: str | None = None
    taxonomy_code: str | None = None
    credentials: tuple[str, ...] | None = None
    specialty: str | None = None
    location_ids: tuple[str, ...] | None = None
    color: str | None = None
    accepts_new_patients: bool | None = None
    active: bool | None = None

    def is_empty(self) -> bool:
        """True when nothing would change."""
        return all(getattr(self, name) is None for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class Provider:
    """A clinician of one practice, bookable on the calendar while active."""

    practice_id: str
    provider_id: str
    first_name: str
    last_name: str
    npi: str
    taxonomy_code: str
    color: str
    credentials: tuple[str, ...] = ()
    specialty: str = ""
    location_ids: tuple[str, ...] = ()
    accepts_new_patients: bool = True
    active: bool = True
    version: int = 1
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_by: str = ""

    @property
    def display_name(self) -> str:
        """The name as the calendar shows it: "Adaeze Okafor, MD"."""
        name = f"{self.first_name} {self.last_name}"
        return f"{name}, {', '.join(self.credentials)}" if self.credentials else name

    def works_at(self, location_id: str) -> bool:
        """True when the provider is assigned to the location."""
        return location_id in self.location_ids

    @classmethod
    def build(
        cls,
        practice_id: str,
        provider_id: str,
        data: ProviderInput,
        facts: PracticeFacts,
        *,
        actor: str,
        now: datetime | None = None,
    ) -> Provider:
        """A new, validated provider (version 1), or ValidationError naming every field."""
        problems = Problems()
        id_problem = provider_id_problem(provider_id)
        if id_problem:
            problems.add("provider_id", id_problem)
        provider = cls(
            practice_id=practice_id,
            provider_id=provider_id,
            first_name=_text(problems, "first_name", data.first_name, required=True, max_len=35),
            last_name=_text(problems, "last_name", data.last_name, required=True, max_len=60),
            npi=_npi(problems, data.npi, facts.organisation_npis),
            taxonomy_code=_taxonomy(problems, data.taxonomy_code),
            credentials=_credentials(problems, data.credentials),
            specialty=_text(problems, "specialty", data.specialty, required=False, max_len=100),
            location_ids=_locations(problems, data.location_ids, facts.active_location_ids),
            color=_color(problems, data.color)
            if data.color.strip()
            else default_color(provider_id),
            accepts_new_patients=data.accepts_new_patients,
            active=data.active,
            version=1,
            updated_at=now or datetime.now(UTC),
            updated_by=actor,
        )
        problems.raise_if_any()
        return provider

    def changed(
        self,
        changes: ProviderChanges,
        facts: PracticeFacts,
        *,
        actor: str,
        now: datetime | None = None,
    ) -> Provider:
        """This provider with `changes` applied, at the next version; ValidationError if invalid.

        Locations already assigned stay allowed even if since deactivated (so an unrelated
        edit never fails); newly added ones must be active locations of the practice.
        """
        problems = Problems()
        c = changes
        updated = replace(
            self,
            first_name=(
                _text(problems, "first_name", c.first_name, required=True, max_len=35)
                if c.first_name is not None
                else self.first_name
            ),
            last_name=(
                _text(problems, "last_name", c.last_name, required=True, max_len=60)
                if c.last_name is not None
                else self.last_name
            ),
            npi=_npi(problems, c.npi, facts.organisation_npis) if c.npi is not None else self.npi,
            taxonomy_code=(
                _taxonomy(problems, c.taxonomy_code)
                if c.taxonomy_code is not None
                else self.taxonomy_code
            ),
            credentials=(
                _credentials(problems, c.credentials)
                if c.credentials is not None
                else self.credentials
            ),
            specialty=(
                _text(problems, "specialty", c.specialty, required=False, max_len=100)
                if c.specialty is not None
                else self.specialty
            ),
            location_ids=(
                _locations(
                    problems, c.location_ids, facts.active_location_ids | set(self.location_ids)
                )
                if c.location_ids is not None
                else self.location_ids
            ),
            color=_color(problems, c.color) if c.color is not None else self.color,
            accepts_new_patients=(
                c.accepts_new_patients
                if c.accepts_new_patients is not None
                else self.accepts_new_patients
            ),
            active=c.active if c.active is not None else self.active,
            version=self.version + 1,
            updated_at=now or datetime.now(UTC),
            updated_by=actor,
        )
        problems.raise_if_any()
        return updated

    def deactivated(self, *, actor: str, now: datetime | None = None) -> Provider:
        """This provider, no longer bookable (kept on record for past visits and claims)."""
        return replace(
            self,
            active=False,
            version=self.version + 1,
            updated_at=now or datetime.now(UTC),
            updated_by=actor,
        )

    def needs_practice_facts(self, changes: ProviderChanges) -> bool:
        """True when applying `changes` must be checked against the practice's records."""
        adds_location = changes.location_ids is not None and not set(changes.location_ids) <= set(
            self.location_ids
        )
        return adds_location or (changes.npi is not None and changes.npi.strip() != self.npi)
