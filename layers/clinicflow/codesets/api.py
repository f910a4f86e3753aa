"""HTTP route of code search: billable ICD-10-CM codes for the superbill's diagnosis picker.

Codes are public reference data (no PHI, nothing audited); every staff role may search. The
release is the one covering the date of service; outside every loaded release the nearest
one answers and `exact` is false, so the portal can warn.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from clinicflow.codesets.icd10 import release_for, with_dot
from clinicflow.platform.errors import FieldError, NotFoundError, ValidationError
from clinicflow.platform.http import authorized
from clinicflow.platform.identity import ALL_ROLES

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

MAX_RESULTS = 20
MIN_QUERY = 2  # one letter matches a whole chapter, not a pick list


@router.get("/codes/icd10", summary="Search billable ICD-10-CM codes")
def search_icd10(
    q: Annotated[str, Query(max_length=60)],
    dos: Annotated[date | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = MAX_RESULTS,
) -> dict[str, Any]:
    """By code prefix ("E11.6") or words of the title ("type 2 diabetes"), for the date of
    service (`dos`, default today); at most 20, in code order."""
    authorized(router, ALL_ROLES)
    text = q.strip()
    if len(text) < MIN_QUERY:
        raise ValidationError(FieldError("q", f"give at least {MIN_QUERY} characters"))
    service_date = dos or date.today()
    choice = release_for(service_date)
    if choice is None:
        raise NotFoundError("no ICD-10-CM release is loaded: run `clinicflow codesets build`")
    found = choice.release.find(text, limit)
    return {
        "release": choice.release.release,
        "release_name": choice.release.name,
        "service_date": service_date.isoformat(),
        "exact": choice.exact,
        "codes": [{"code": with_dot(code), "description": title} for code, title in found],
    }
