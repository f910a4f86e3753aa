"""HTTP routes of the practice profile, its locations and its payer directory.

Every role reads; admins write the profile and locations; admins and billers write payers.
The practice is always the caller's (from the token); bodies never choose it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from clinicflow.platform.http import authorized
from clinicflow.platform.identity import ALL_ROLES, Role
from clinicflow.practice import service
from clinicflow.practice.model import (
    DEFAULT_BILLING_HOUR,
    Address,
    AddressInput,
    Location,
    LocationInput,
    PracticeProfile,
    ProfileInput,
    Stamp,
)
from clinicflow.practice.payers.model import Payer, PayerInput, Route, RouteInput

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

ADMINS = frozenset({Role.ADMIN})
PAYER_EDITORS = frozenset({Role.ADMIN, Role.BILLER})

Short = Annotated[str, Field(max_length=100)]
Out = TypeVar("Out", bound=BaseModel)


class AddressBody(BaseModel):
    """A US postal address."""

    line1: Short
    line2: Short = ""
    city: Short
    state: Annotated[str, Field(max_length=2)]
    postal_code: Annotated[str, Field(max_length=10, description="12345 or 12345-6789")]

    def to_input(self) -> AddressInput:
        """The domain input."""
        return AddressInput(self.line1, self.city, self.state, self.postal_code, self.line2)

    @classmethod
    def of(cls, a: Address) -> AddressBody:
        """The response form of an address."""
        return cls(
            line1=a.line1, line2=a.line2, city=a.city, state=a.state, postal_code=a.postal_code
        )


class StampOut(BaseModel):
    """Version (send it back to detect concurrent edits) and last change."""

    version: int
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, s: Stamp) -> StampOut:
        """The response form of a stamp."""
        return cls(version=s.version, updated_at=s.updated_at, updated_by=s.updated_by)


class ProfileBody(BaseModel):
    """PUT /practice. `version`: the version read; a stale one answers 409."""

    legal_name: Short
    tax_id: Annotated[str, Field(max_length=10, description="EIN, NN-NNNNNNN")]
    group_npi: Annotated[str, Field(max_length=10)]
    taxonomy_code: Annotated[str, Field(max_length=10, description="e.g. 207Q00000X")]
    billing_address: AddressBody
    pay_to_address: AddressBody | None = None
    phone: Annotated[str, Field(max_length=20)]
    time_zone: Annotated[str, Field(max_length=64, description="IANA, e.g. America/Chicago")]
    billing_hour: Annotated[
        int, Field(ge=0, le=23, description="Practice-local hour of the nightly billing cycle")
    ] = DEFAULT_BILLING_HOUR
    version: int | None = None

    def to_input(self) -> ProfileInput:
        """The domain input."""
        return ProfileInput(
            legal_name=self.legal_name,
            tax_id=self.tax_id,
            group_npi=self.group_npi,
            taxonomy_code=self.taxonomy_code,
            billing_address=self.billing_address.to_input(),
            pay_to_address=self.pay_to_address.to_input() if self.pay_to_address else None,
            phone=self.phone,
            time_zone=self.time_zone,
            billing_hour=self.billing_hour,
        )


class ProfileOut(BaseModel):
    """The practice profile."""

    practice_id: str
    legal_name: str
    tax_id: str
    group_npi: str
    taxonomy_code: str
    billing_address: AddressBody
    pay_to_address: AddressBody | None
    phone: str
    time_zone: str
    billing_hour: int
    stamp: StampOut

    @classmethod
    def of(cls, p: PracticeProfile) -> ProfileOut:
        """The response form of a profile."""
        return cls(
            practice_id=p.practice_id,
            legal_name=p.legal_name,
            tax_id=p.tax_id,
            group_npi=p.group_npi,
            taxonomy_code=p.taxonomy_code,
            billing_address=AddressBody.of(p.billing_address),
            pay_to_address=AddressBody.of(p.pay_to_address) if p.pay_to_address else None,
            phone=p.phone,
            time_zone=p.time_zone,
            billing_hour=p.billing_hour,
            stamp=StampOut.of(p.stamp),
        )


class LocationBody(BaseModel):
    """POST/PUT /practice/locations. `version` (PUT): the version read; stale answers 409."""

    name: Short
    address: AddressBody
    time_zone: Annotated[str, Field(max_length=64)]
    place_of_service: Annotated[str, Field(max_length=2, description="CMS POS code, e.g. 11")]
    phone: Annotated[str, Field(max_length=20)] = ""
    npi: Annotated[str, Field(max_length=10)] = ""
    active: bool = True
    version: int | None = None

    def to_input(self) -> LocationInput:
        """The domain input."""
        return LocationInput(
            name=self.name,
            address=self.address.to_input(),
            time_zone=self.time_zone,
            place_of_service=self.place_of_service,
            phone=self.phone,
            npi=self.npi,
            active=self.active,
        )


class LocationOut(BaseModel):
    """A location of the practice."""

    location_id: str
    name: str
    address: AddressBody
    time_zone: str
    place_of_service: str
    phone: str
    npi: str
    active: bool
    stamp: StampOut

    @classmethod
    def of(cls, loc: Location) -> LocationOut:
        """The response form of a location."""
        return cls(
            location_id=loc.location_id,
            name=loc.name,
            address=AddressBody.of(loc.address),
            time_zone=loc.time_zone,
            place_of_service=loc.place_of_service,
            phone=loc.phone,
            npi=loc.npi,
            active=loc.active,
            stamp=StampOut.of(loc.stamp),
        )


class LocationList(BaseModel):
    """The practice's locations."""

    locations: list[LocationOut]


class RouteBody(BaseModel):
    """Clearinghouse ids, or an endpoint URL (not both)."""

    clearinghouse_id: Annotated[str, Field(max_length=40)] = ""
    clearinghouse_payer_id: Annotated[str, Field(max_length=40)] = ""
    endpoint_url: Annotated[str, Field(max_length=500)] = ""

    def to_input(self) -> RouteInput:
        """The domain input."""
        return RouteInput(self.clearinghouse_id, self.clearinghouse_payer_id, self.endpoint_url)

    @classmethod
    def of(cls, r: Route | None) -> RouteBody | None:
        """The response form of a route."""
        if r is None:
            return None
        return cls(
            clearinghouse_id=r.clearinghouse_id,
            clearinghouse_payer_id=r.clearinghouse_payer_id,
            endpoint_url=r.endpoint_url,
        )


class PayerBody(BaseModel):
    """PUT /payers/{payer_id}. `version`: the version read; a stale one answers 409."""

    name: Short
    claim_filing_indicator: Annotated[str, Field(max_length=2, description="SBR09 code")]
    claims: RouteBody | None = None
    eligibility: RouteBody | None = None
    realtime_eligibility: bool = False
    timely_filing_days: int = 365
    address: AddressBody | None = None
    phone: Annotated[str, Field(max_length=20)] = ""
    active: bool = True
    version: int | None = None

    def to_input(self) -> PayerInput:
        """The domain input."""
        return PayerInput(
            name=self.name,
            claim_filing_indicator=self.claim_filing_indicator,
            claims=self.claims.to_input() if self.claims else None,
            eligibility=self.eligibility.to_input() if self.eligibility else None,
            realtime_eligibility=self.realtime_eligibility,
            timely_filing_days=self.timely_filing_days,
            address=self.address.to_input() if self.address else None,
            phone=self.phone,
            active=self.active,
        )


class PayerOut(BaseModel):
    """A payer of the practice's directory."""

    payer_id: str
    name: str
    claim_filing_indicator: str
    claims: RouteBody | None
    eligibility: RouteBody | None
    realtime_eligibility: bool
    timely_filing_days: int
    address: AddressBody | None
    phone: str
    active: bool
    stamp: StampOut

    @classmethod
    def of(cls, p: Payer) -> PayerOut:
        """The response form of a payer."""
        return cls(
            payer_id=p.payer_id,
            name=p.name,
            claim_filing_indicator=p.claim_filing_indicator,
            claims=RouteBody.of(p.claims),
            eligibility=RouteBody.of(p.eligibility),
            realtime_eligibility=p.realtime_eligibility,
            timely_filing_days=p.timely_filing_days,
            address=AddressBody.of(p.address) if p.address else None,
            phone=p.phone,
            active=p.active,
            stamp=StampOut.of(p.stamp),
        )


class PayerList(BaseModel):
    """A page of the payer directory; pass `cursor` back for the next page."""

    payers: list[PayerOut]
    cursor: str | None


def _created_or_ok(body: Out, created: bool) -> Response[Out]:
    return Response(
        status_code=201 if created else 200, content_type=content_types.APPLICATION_JSON, body=body
    )


@router.get("/practice", summary="The practice profile")
def get_practice() -> ProfileOut:
    """The caller's practice profile (404 until an admin sets it up)."""
    caller = authorized(router, ALL_ROLES)
    return ProfileOut.of(service.get_profile(caller.practice_id))


@router.put(
    "/practice",
    summary="Create or replace the practice profile",
    responses={200: {"description": "Replaced"}, 201: {"description": "Created"}},
)
def put_practice(body: ProfileBody) -> Response[ProfileOut]:
    """Admins set the practice's billing identity."""
    caller = authorized(router, ADMINS)
    profile, created = service.put_profile(caller, body.to_input(), expected_version=body.version)
    return _created_or_ok(ProfileOut.of(profile), created)


@router.get("/practice/locations", summary="The practice's locations")
def list_locations(active_only: bool = False) -> LocationList:
    """Every location (or only the active ones)."""
    caller = authorized(router, ALL_ROLES)
    locations = service.list_locations(caller.practice_id, active_only=active_only)
    return LocationList(locations=[LocationOut.of(loc) for loc in locations])


@router.post("/practice/locations", summary="Add a location", status_code=201)
def create_location(body: LocationBody) -> LocationOut:
    """Admins add a location. With an `Idempotency-Key` header a retry answers the same
    location instead of adding another."""
    caller = authorized(router, ADMINS)
    key = (router.current_event.headers or {}).get("idempotency-key", "")[:128]
    return LocationOut.of(service.create_location(caller, body.to_input(), idempotency_key=key))


@router.get("/practice/locations/<location_id>", summary="One location")
def get_location(location_id: str) -> LocationOut:
    """One location of the caller's practice."""
    caller = authorized(router, ALL_ROLES)
    return LocationOut.of(service.get_location(caller.practice_id, location_id))


@router.put("/practice/locations/<location_id>", summary="Replace a location")
def update_location(location_id: str, body: LocationBody) -> LocationOut:
    """Admins change a location."""
    caller = authorized(router, ADMINS)
    location = service.update_location(
        caller, location_id, body.to_input(), expected_version=body.version
    )
    return LocationOut.of(location)


@router.delete("/practice/locations/<location_id>", summary="Deactivate a location")
def deactivate_location(location_id: str) -> LocationOut:
    """Admins deactivate a location (kept on record for past visits and claims)."""
    caller = authorized(router, ADMINS)
    return LocationOut.of(service.deactivate_location(caller, location_id))


@router.get("/payers", summary="The payer directory")
def list_payers(limit: int = 100, cursor: str | None = None) -> PayerList:
    """A page of the practice's payer directory, by payer id (`limit` 1-200)."""
    caller = authorized(router, ALL_ROLES)
    page = service.list_payers(caller.practice_id, limit=limit, cursor=cursor)
    return PayerList(payers=[PayerOut.of(p) for p in page.payers], cursor=page.cursor)


@router.get("/payers/<payer_id>", summary="One payer")
def get_payer(payer_id: str) -> PayerOut:
    """One payer of the practice's directory."""
    caller = authorized(router, ALL_ROLES)
    return PayerOut.of(service.get_payer(caller.practice_id, payer_id))


@router.put(
    "/payers/<payer_id>",
    summary="Create or replace a payer",
    responses={200: {"description": "Replaced"}, 201: {"description": "Created"}},
)
def put_payer(payer_id: str, body: PayerBody) -> Response[PayerOut]:
    """Admins and billers maintain the payer directory."""
    caller = authorized(router, PAYER_EDITORS)
    payer, created = service.put_payer(
        caller, payer_id, body.to_input(), expected_version=body.version
    )
    return _created_or_ok(PayerOut.of(payer), created)
