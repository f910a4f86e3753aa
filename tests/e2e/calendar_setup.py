"""A calendar of its own for the browser tests: a location, two providers with weekly hours,
an appointment type and two patients, made through the API (synthetic data)."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol


class Client(Protocol):
    def call(self, method: str, path: str, body: Any = None) -> Any: ...


def npi(base9: str) -> str:
    """A valid individual NPI: Luhn check digit over the 80840 prefix."""
    digits = [int(c) for c in "80840" + base9]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if i % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return base9 + str((10 - total % 10) % 10)


@dataclass
class Calendar:
    tag: str
    location_id: str
    location_name: str
    provider_ids: list[str]
    provider_names: list[str]
    type_id: str
    type_name: str
    patients: list[dict[str, Any]]


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status in (statuses or (200, 201)), response.body
    return response.body


def make_calendar(admin: Client) -> Calendar:
    tag = "".join(secrets.choice(string.ascii_lowercase) for _ in range(5))
    location = _ok(
        admin.call(
            "POST",
            "/practice/locations",
            {
                "name": f"Portal Clinic {tag}",
                "address": {
                    "line1": "1 Test Way",
                    "city": "Denver",
                    "state": "CO",
                    "postal_code": "802022917",
                },
                "time_zone": "America/Denver",
                "place_of_service": "11",
            },
        )
    )
    location_id = location["location_id"]
    providers = []
    for first, last in (("Avery", "Quill"), ("Blair", "Rook")):
        base = "".join(secrets.choice(string.digits) for _ in range(8))
        body = {
            "first_name": first,
            "last_name": f"{last}{tag}",
            "npi": npi("1" + base),
            "taxonomy_code": "207Q00000X",
            "specialty": "Family Medicine",
            "location_ids": [location_id],
            "color": "#1f77b4",
        }
        providers.append(_ok(admin.call("POST", "/providers", body)))
    kind = _ok(
        admin.call(
            "POST",
            "/scheduling/appointment-types",
            {"name": f"Portal visit {tag}", "duration_minutes": 30, "color": "#2a6f97"},
        )
    )
    start = (date.today() - timedelta(days=2)).isoformat()
    for p in providers:
        _ok(
            admin.call(
                "POST",
                "/scheduling/templates",
                {
                    "provider_id": p["provider_id"],
                    "location_id": location_id,
                    "effective_from": start,
                    "hours": [
                        {"day": d, "start": "08:00", "end": "17:00"}
                        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                    ],
                },
            )
        )
    patients = []
    for first in ("Juniper", "Rowan"):
        body = {
            "name": {"first": first, "last": f"Calendar{tag}"},
            "dob": "1979-08-14",
            "sex": "unknown",
        }
        patients.append(_ok(admin.call("POST", "/patients", body)))
    return Calendar(
        tag=tag,
        location_id=location_id,
        location_name=location["name"],
        provider_ids=[p["provider_id"] for p in providers],
        provider_names=[p["display_name"] for p in providers],
        type_id=kind["type_id"],
        type_name=kind["name"],
        patients=patients,
    )
