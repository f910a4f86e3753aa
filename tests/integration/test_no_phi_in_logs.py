"""A distinctive synthetic patient goes through every patient path; no log line may name them."""

from __future__ import annotations

import pytest

from tests.conftest import CANARY_NAME

pytestmark = pytest.mark.integration


def test_canary_patient_never_reaches_the_logs(login, log_capture):
    first, last = CANARY_NAME
    desk = login("sunrise-frontdesk")
    body = {
        "name": {"first": first, "last": last},
        "dob": "1971-05-17",
        "sex": "male",
        "email": f"{first.lower()}.{last.lower()}@example.org",
        "phones": [{"type": "mobile", "number": "303-555-0188"}],
    }
    created = desk.call("POST", "/patients", body)
    assert created.status == 201, created.body
    patient_id = created.body["id"]
    assert desk.call("POST", "/patients", body).status == 409  # likely duplicate
    assert desk.call("POST", "/patients/search", {"last_name": last[:6]}).status == 200
    assert desk.call("GET", f"/patients/{patient_id}").status == 200
    bad = {**body, "dob": f"{first}-{last}", "sex": last}
    refused = desk.call("POST", "/patients", bad)
    assert refused.status == 422
    assert last not in str(refused.body)  # error names the field, not the value
    stale = desk.call("PATCH", f"/patients/{patient_id}", {"preferred_name": first, "version": 99})
    assert stale.status == 409
    coverage = {
        "payer_id": "NOPE9",
        "member_id": last,
        "claim_filing_indicator": "CI",
        "relationship": "18",
    }
    assert desk.call("POST", f"/patients/{patient_id}/coverages", coverage).status in {404, 422}
    assert login("lakeside-admin").call("GET", f"/patients/{patient_id}").status == 404
    assert log_capture.lines, "the log capture saw nothing: the check would be vacuous"
    assert log_capture.leaks(first, last) == []
