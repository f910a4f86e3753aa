"""Coverages HTTP API: a patient's insurance, its order, and card images."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from clinicflow.coverages import service
from clinicflow.coverages.model import (
    MAX_ORDERED,
    ORDER_LABELS,
    Authorization,
    CardContentType,
    CardSide,
    ClaimFilingIndicator,
    Coverage,
    CoverageData,
    MemberId,
    MspType,
    PayerId,
    Relationship,
    Subscriber,
)
from clinicflow.coverages.store import DynamoCoverageRepository, DynamoPayerLookup, S3CardImages
from clinicflow.patients.store import DynamoAuditLog
from clinicflow.platform.http import authorized
from clinicflow.platform.idempotency import idempotent
from clinicflow.platform.identity import ALL_ROLES, Role

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

READ_ROLES = ALL_ROLES
WRITE_ROLES = frozenset({Role.FRONT_DESK, Role.BILLER, Role.ADMIN})

_repo = DynamoCoverageRepository()
_payers = DynamoPayerLookup()
_cards = S3CardImages()
_audit = DynamoAuditLog()


class CoverageCreateRequest(CoverageData):
    """A new coverage; `order` 1-3 inserts it there (others move down), else it is appended."""

    order: Annotated[int, Field(ge=1, le=MAX_ORDERED)] | None = None


class CoveragePatchRequest(BaseModel):
    """A partial update of a coverage; `version` is the version the caller read."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: Annotated[int, Field(ge=1)]
    payer_id: PayerId | None = None
    plan_name: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    member_id: MemberId | None = None
    group_number: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    claim_filing_indicator: ClaimFilingIndicator | None = None
    msp_type: MspType | None = None
    relationship: Relationship | None = None
    subscriber: Subscriber | None = None
    effective_date: date | None = None
    termination_date: date | None = None
    assignment_of_benefits: Authorization | None = None
    signature_on_file: Authorization | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the request sets (explicit nulls included), without `version`."""
        return {k: getattr(self, k) for k in self.model_fields_set if k != "version"}


class ReorderRequest(BaseModel):
    """Coverage ids, primary first; `version` is the `order_version` the caller read."""

    model_config = ConfigDict(extra="forbid")

    coverage_ids: Annotated[
        list[Annotated[str, Field(max_length=64)]], Field(max_length=MAX_ORDERED)
    ]
    version: Annotated[int, Field(ge=0)]


class CardUploadRequest(BaseModel):
    """Which card side is about to be uploaded, and its format."""

    model_config = ConfigDict(extra="forbid")

    side: CardSide
    content_type: CardContentType


def _out(c: Coverage) -> dict[str, Any]:
    body = c.model_dump(mode="json", exclude={"cards"})
    body["order_label"] = ORDER_LABELS.get(c.order) if c.order else None
    body["card_sides"] = sorted(side.value for side in c.cards)
    return body


def _list(result: service.CoverageList) -> dict[str, Any]:
    return {"items": [_out(c) for c in result.coverages], "order_version": result.order_version}


def _url(u: service.CardUrl) -> dict[str, Any]:
    return {
        "side": u.side.value,
        "content_type": u.content_type.value,
        "url": u.url,
        "expires_in": u.expires_in,
    }


@router.get("/patients/<patient_id>/coverages")
def list_coverages(patient_id: str) -> dict[str, Any]:
    """The patient's coverages, primary first, with the order version."""
    caller = authorized(router, READ_ROLES)
    return _list(service.list_coverages(caller, patient_id, repo=_repo, audit=_audit))


@router.post("/patients/<patient_id>/coverages", status_code=201, middlewares=[idempotent])
def create_coverage(patient_id: str, body: CoverageCreateRequest) -> dict[str, Any]:
    """Add a coverage (payer must be in the practice's payer directory)."""
    caller = authorized(router, WRITE_ROLES)
    data = CoverageData.model_validate(body.model_dump(exclude={"order"}))
    coverage = service.create_coverage(
        caller, patient_id, data, repo=_repo, payers=_payers, order=body.order
    )
    return _out(coverage)


@router.put("/patients/<patient_id>/coverages/order")
def reorder_coverages(patient_id: str, body: ReorderRequest) -> dict[str, Any]:
    """Set primary/secondary/tertiary atomically (409 when the order changed meanwhile)."""
    caller = authorized(router, WRITE_ROLES)
    result = service.reorder_coverages(
        caller, patient_id, body.coverage_ids, expected_version=body.version, repo=_repo
    )
    return _list(result)


@router.get("/patients/<patient_id>/coverages/<coverage_id>")
def get_coverage(patient_id: str, coverage_id: str) -> dict[str, Any]:
    """One coverage."""
    caller = authorized(router, READ_ROLES)
    return _out(service.get_coverage(caller, patient_id, coverage_id, repo=_repo, audit=_audit))


@router.patch("/patients/<patient_id>/coverages/<coverage_id>")
def update_coverage(
    patient_id: str, coverage_id: str, body: CoveragePatchRequest
) -> dict[str, Any]:
    """Change fields of a coverage (409 on a stale version)."""
    caller = authorized(router, WRITE_ROLES)
    coverage = service.update_coverage(
        caller,
        patient_id,
        coverage_id,
        body.changes(),
        expected_version=body.version,
        repo=_repo,
        payers=_payers,
    )
    return _out(coverage)


@router.delete("/patients/<patient_id>/coverages/<coverage_id>")
def deactivate_coverage(patient_id: str, coverage_id: str) -> dict[str, Any]:
    """Mark the coverage inactive and take it out of the order."""
    caller = authorized(router, WRITE_ROLES)
    return _out(service.deactivate_coverage(caller, patient_id, coverage_id, repo=_repo))


@router.post("/patients/<patient_id>/coverages/<coverage_id>/card-images", status_code=201)
def request_card_upload(
    patient_id: str, coverage_id: str, body: CardUploadRequest
) -> dict[str, Any]:
    """A presigned URL to PUT one side of the insurance card to."""
    caller = authorized(router, WRITE_ROLES)
    url = service.request_card_upload(
        caller, patient_id, coverage_id, body.side, body.content_type, repo=_repo, cards=_cards
    )
    return {**_url(url), "method": "PUT", "headers": {"Content-Type": url.content_type.value}}


@router.get("/patients/<patient_id>/coverages/<coverage_id>/card-images")
def list_card_images(patient_id: str, coverage_id: str) -> dict[str, Any]:
    """Presigned URLs to GET the coverage's card images."""
    caller = authorized(router, READ_ROLES)
    urls = service.card_image_urls(
        caller, patient_id, coverage_id, repo=_repo, cards=_cards, audit=_audit
    )
    return {"items": [_url(u) for u in urls]}
