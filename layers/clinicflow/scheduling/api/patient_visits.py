"""A patient's appointments: `GET /patients/<patient_id>/appointments` (staff, audited)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from clinicflow.platform.http import authorized
from clinicflow.platform.identity import ALL_ROLES
from clinicflow.scheduling.api.views import appointment_view
from clinicflow.scheduling.model import Status
from clinicflow.scheduling.service import patient_visits
from clinicflow.scheduling.service.patient_visits import When

router = APIGatewayRouter()  # type: ignore[no-untyped-call]


@router.get("/patients/<patient_id>/appointments", summary="A patient's appointments")
def list_patient_appointments(
    patient_id: str,
    when: Annotated[When, Query()] = When.ALL,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=patient_visits.MAX_PAGE)] = 25,
    cursor: Annotated[str | None, Query(max_length=600)] = None,
) -> dict[str, Any]:
    """Upcoming (soonest first), past or all (newest first); `cursor` pages on."""
    caller = authorized(router, ALL_ROLES)
    found, next_cursor = patient_visits.patient_appointments(
        caller, patient_id, when=when, status=status, limit=limit, cursor=cursor
    )
    return {"appointments": [appointment_view(a) for a in found], "cursor": next_cursor}
