"""Functional-test helpers: load a function's handler by path, replay events from events/.

    def test_x(invoke):
        res = invoke("patients", "patients/create.json", body={...}, groups="admin")
        assert res.status == 201, res.body

`invoke(function, event_file, **changes)` loads `functions/<function>/app.py` once (module
name `fn_<function>`), applies the changes to a copy of the event and returns a `Result`.
Changes: body (dict, JSON-encoded), path (path parameters; `path` is rebuilt from
`resource`), query, groups, practice_id, username, source_ip.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
_MODULES: dict[str, ModuleType] = {}
_UNSET: Any = object()


@dataclass
class Result:
    """A handler's answer: status, decoded JSON body, headers."""

    status: int
    body: Any
    headers: dict[str, str]


def load_handler(function: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The `lambda_handler` of functions/<function>/app.py, imported once per session."""
    if function not in _MODULES:
        path = ROOT / "functions" / function / "app.py"
        spec = importlib.util.spec_from_file_location(f"fn_{function}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[function] = module
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = _MODULES[function].lambda_handler
    return handler


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of events/<name>."""
    event: dict[str, Any] = json.loads((ROOT / "events" / name).read_text())
    return copy.deepcopy(event)


def build_event(
    name: str,
    *,
    body: Any = _UNSET,
    path: dict[str, str] | None = None,
    query: Any = _UNSET,
    groups: str | None = None,
    practice_id: str | None = None,
    username: str | None = None,
    source_ip: str | None = None,
) -> dict[str, Any]:
    """The event of events/<name> with the given changes."""
    event = load_event(name)
    if body is not _UNSET:
        event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    if path is not None:
        params = {**(event.get("pathParameters") or {}), **path}
        event["pathParameters"] = params
        resolved = event["resource"]
        for key, value in params.items():
            resolved = resolved.replace("{" + key + "}", value)
        event["path"] = resolved
        event["requestContext"]["path"] = "/" + event["requestContext"]["stage"] + resolved
    if query is not _UNSET:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = (
            {k: [v] for k, v in query.items()} if query else None
        )
    claims = event["requestContext"]["authorizer"]["claims"]
    if groups is not None:
        claims["cognito:groups"] = groups
    if practice_id is not None:
        claims["custom:practice_id"] = practice_id
    if username is not None:
        claims["cognito:username"] = username
    if source_ip is not None:
        event["requestContext"]["identity"]["sourceIp"] = source_ip
    return event


def call(function: str, event: dict[str, Any]) -> Result:
    """Run the handler on an event and decode its answer."""
    response = load_handler(function)(event, None)
    raw = response.get("body")
    body = json.loads(raw) if raw else None
    return Result(response["statusCode"], body, dict(response.get("headers") or {}))


@pytest.fixture
def invoke(tables: Any) -> Callable[..., Result]:
    """Call a function's handler with an event from events/ (against DynamoDB Local)."""

    def _invoke(function: str, event_name: str, **changes: Any) -> Result:
        return call(function, build_event(event_name, **changes))

    return _invoke
