"""The local stack (DynamoDB Local + moto server + API), started once per session."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from clinicflow.local.dynamodb_local import DynamoDBLocal
from clinicflow.local.stack import LocalStack, StackOptions
from clinicflow.local.tokens import id_token
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def stack(
    dynamodb_local: DynamoDBLocal, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    """The whole local stack with the demo practices, in memory."""
    saved = dict(os.environ)
    options = StackOptions(
        root=ROOT,
        port=0,
        seed="demo",
        dynamodb=dynamodb_local,
        tick_seconds=0.2,
        state_dir=tmp_path_factory.mktemp("stack-state"),
    )
    running = LocalStack(options).start()
    yield running
    running.stop()
    os.environ.clear()
    os.environ.update(saved)


@dataclass
class HttpResponse:
    """Status, headers and parsed JSON body of one API call."""

    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class ApiClient:
    """A tiny HTTP client for the local API (urllib: what curl would do)."""

    base: str
    token: str | None = None

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> HttpResponse:
        """Send one request; never raises on HTTP errors."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", self.token)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status, hdrs = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, hdrs = error.read(), error.code, dict(error.headers)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return HttpResponse(status, hdrs, parsed)


@pytest.fixture(scope="session")
def login(stack: LocalStack) -> Callable[[str], ApiClient]:
    """`login("sunrise-admin")` → an API client carrying that demo user's ID token."""
    tokens: dict[str, str] = {}

    def _login(username: str) -> ApiClient:
        if username not in tokens:
            tokens[username] = id_token(stack._public_config(), username)
        return ApiClient(stack.api_url, tokens[username])

    return _login


@pytest.fixture(scope="session")
def anonymous(stack: LocalStack) -> ApiClient:
    """An API client without a token."""
    return ApiClient(stack.api_url)
