"""HTTP routes of providers (/providers).

Every staff role reads; admins add, change and deactivate. The practice is always the
caller's (from the token); bodies never choose it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from clinicflow.platform.http import authorized
from clinicflow.platform.identity import ALL_ROLES, Role
from clinicflow.providers import service
from clinicflow.providers.model import Provider, ProviderChanges, ProviderInput

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

ADMINS = frozenset({Role.ADMIN})

Name = Annotated[str, Field(max_length=100)]
Npi = Annotated[str, Field(max_length=10, description="Individual (Type 1) NPI, 10 digits")]
Taxonomy = Annotated[str, Field(max_length=10, description="NUCC taxonomy code, e.g. 207Q00000X")]
Credentials = Annotated[
    list[Annotated[str, Field(max_length=12)]],
    Field(max_length=6, description="Post-nominals such as MD, DO, NP, PA-C"),
]
LocationIds = Annotated[
    list[Annotated[str, Field(max_length=40)]],
    Field(max_length=50, description="Ids of the practice's active locations"),
]
Color = Annotated[str, Field(max_length=7, description="Calendar colour, #RRGGBB")]


class ProviderBody(BaseModel):
    """POST /providers. `provider_id` is generated (prov-…) unless given."""

    provider_id: Annotated[str, Field(max_length=40)] | None = None
    first_name: Name
    last_name: Name
    credentials: Credentials = []
    npi: Npi
    taxonomy_code: Taxonomy
    specialty: Name = ""
    location_ids: LocationIds = []
    color: Color = ""
    accepts_new_patients: bool = True
    active: bool = True

    def to_input(self) -> ProviderInput:
        """The domain input."""
        return ProviderInput(
            first_name=self.first_name,
            last_name=self.last_name,
            npi=self.npi,
            taxonomy_code=self.taxonomy_code,
            credentials=tuple(self.credentials),
            specialty=self.specialty,
            location_ids=tuple(self.location_ids),
            color=self.color,
            accepts_new_patients=self.accepts_new_patients,
            active=self.active,
        )


class ProviderPatch(BaseModel):
    """PATCH /providers/{provider_id}: only the fields sent change.

    `version`: the version read; a stale one answers 409.
    """

    version: int | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    credentials: Credentials | None = None
    npi: Npi | None = None
    taxonomy_code: Taxonomy | None = None
    specialty: Name | None = None
    location_ids: LocationIds | None = None
    color: Color | None = None
    accepts_new_patients: bool | None = None
    active: bool | None = None

    def to_changes(self) -> ProviderChanges:
        """The domain changes."""
        return ProviderChanges(
            first_name=self.first_name,
            last_name=self.last_name,
            npi=self.npi,
            taxonomy_code=self.taxonomy_code,
            credentials=tuple(self.credentials) if self.credentials is not None else None,
            specialty=self.specialty,
            location_ids=tuple(self.location_ids) if self.location_ids is not None else None,
            color=self.color,
            accepts_new_patients=self.accepts_new_patients,
            active=self.active,
        )


class ProviderOut(BaseModel):
    """A provider of the practice."""

    provider_id: str
    first_name: str
    last_name: str
    display_name: str
    credentials: list[str]
    npi: str
    taxonomy_code: str
    specialty: str
    location_ids: list[str]
    color: str
    accepts_new_patients: bool
    active: bool
    version: int
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, p: Provider) -> ProviderOut:
        """The response form of a provider."""
        return cls(
            provider_id=p.provider_id,
            first_name=p.first_name,
            last_name=p.last_name,
            display_name=p.display_name,
            credentials=list(p.credentials),
            npi=p.npi,
            taxonomy_code=p.taxonomy_code,
            specialty=p.specialty,
            location_ids=list(p.location_ids),
            color=p.color,
            accepts_new_patients=p.accepts_new_patients,
            active=p.active,
            version=p.version,
            updated_at=p.updated_at,
            updated_by=p.updated_by,
        )


class ProviderList(BaseModel):
    """The practice's providers, by id."""

    providers: list[ProviderOut]


@router.get("/providers", summary="The practice's providers")
def list_providers(
    location_id: Annotated[str | None, Query(max_length=40)] = None,
    active_only: Annotated[bool, Query()] = False,
) -> ProviderList:
    """Every provider (optionally only those at a location, or only the active ones)."""
    caller = authorized(router, ALL_ROLES)
    providers = service.list_providers(
        caller.practice_id, location_id=location_id, active_only=active_only
    )
    return ProviderList(providers=[ProviderOut.of(p) for p in providers])


@router.post("/providers", summary="Add a provider", status_code=201)
def create_provider(body: ProviderBody) -> ProviderOut:
    """Admins add a provider (422 naming each bad field; 409 on a duplicate NPI or id)."""
    caller = authorized(router, ADMINS)
    provider = service.create_provider(caller, body.to_input(), provider_id=body.provider_id)
    return ProviderOut.of(provider)


@router.get("/providers/<provider_id>", summary="One provider")
def get_provider(provider_id: str) -> ProviderOut:
    """One provider of the caller's practice."""
    caller = authorized(router, ALL_ROLES)
    return ProviderOut.of(service.get_provider(caller.practice_id, provider_id))


@router.patch("/providers/<provider_id>", summary="Change a provider")
def update_provider(provider_id: str, body: ProviderPatch) -> ProviderOut:
    """Admins change some fields of a provider."""
    caller = authorized(router, ADMINS)
    provider = service.update_provider(
        caller, provider_id, body.to_changes(), expected_version=body.version
    )
    return ProviderOut.of(provider)


@router.delete("/providers/<provider_id>", summary="Deactivate a provider")
def deactivate_provider(provider_id: str) -> ProviderOut:
    """Admins deactivate a provider (kept on record for past visits and claims)."""
    caller = authorized(router, ADMINS)
    return ProviderOut.of(service.deactivate_provider(caller, provider_id))
