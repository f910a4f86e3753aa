"""Retried POSTs with an Idempotency-Key get the first answer and write nothing twice."""

from __future__ import annotations

import json

from tests.functional.conftest import build_event, load_handler

BODY = {"name": {"first": "Idem", "last": "Potent"}, "dob": "1966-06-06", "sex": "female"}


def _post(body: dict, key: str | None, practice: str = "prac-idem") -> tuple[int, dict, dict]:
    headers = {"Idempotency-Key": key} if key else {}
    event = build_event("patients/create.json", body=body, practice_id=practice)
    event["headers"] = {**(event.get("headers") or {}), **headers}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    result = load_handler("patients")(event, None)
    return result["statusCode"], json.loads(result["body"]), result.get("multiValueHeaders", {})


def test_a_retry_replays_the_first_answer(tables):
    status, first, _ = _post(BODY, "retry-key-0001")
    assert status == 201
    status, again, headers = _post(BODY, "retry-key-0001")
    assert status == 201
    assert again["id"] == first["id"]
    assert headers.get("Idempotent-Replayed") == ["true"]


def test_without_a_key_a_second_post_is_a_likely_duplicate(tables):
    assert _post(BODY, None)[0] == 201
    assert _post(BODY, None)[0] == 409


def test_reusing_a_key_for_another_request_is_refused(tables):
    assert _post(BODY, "reused-key-0001")[0] == 201
    status, body, _ = _post({**BODY, "dob": "1967-07-07"}, "reused-key-0001")
    assert status == 422
    assert body["fields"][0]["field"] == "Idempotency-Key"


def test_keys_are_scoped_to_the_practice(tables):
    _, first, _ = _post(BODY, "shared-key-0001", practice="prac-a")
    status, other, _ = _post(BODY, "shared-key-0001", practice="prac-b")
    assert status == 201 and other["id"] != first["id"]


def test_a_malformed_key_names_the_header(tables):
    status, body, _ = _post(BODY, "x")
    assert status == 422 and "Idempotency-Key" in body["message"]
