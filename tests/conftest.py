"""Shared fixtures. Environment is fixed before any clinicflow module reads it."""

from __future__ import annotations

import logging
import os

# Fixed before clinicflow is imported: pynamodb models read table names at import.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "CLINICFLOW_ENV": "local",
        "TABLE_NAME": "clinicflow-local-main-table",
        "AUDIT_TABLE_NAME": "clinicflow-local-audit-table",
        "DOCUMENTS_BUCKET": "clinicflow-local-documents-bucket",
        "POWERTOOLS_SERVICE_NAME": "clinicflow",
        "POWERTOOLS_DEV": "false",
        "LOG_LEVEL": "INFO",
    }
)
os.environ.pop("POWERTOOLS_LOGGER_LOG_EVENT", None)

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from clinicflow.local.dynamodb_local import DynamoDBLocal
from clinicflow.local.provision import provision_tables
from clinicflow.local.template import Template

if TYPE_CHECKING:
    from clinicflow.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """One in-memory DynamoDB Local for the session, with the template's tables created."""
    server = DynamoDBLocal().start()
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = server.endpoint
    client = boto3.client("dynamodb", endpoint_url=server.endpoint)
    provision_tables(Template.from_file(ROOT / "template.yaml"), client)
    yield server
    server.stop()


@pytest.fixture
def tables(dynamodb_local: DynamoDBLocal) -> Iterator[DynamoDBLocal]:
    """The template's tables, emptied after the test so tests stay independent."""
    yield dynamodb_local
    client = boto3.client("dynamodb", endpoint_url=dynamodb_local.endpoint)
    for name in client.list_tables()["TableNames"]:
        keys = [
            k["AttributeName"] for k in client.describe_table(TableName=name)["Table"]["KeySchema"]
        ]
        names = {f"#k{i}": k for i, k in enumerate(keys)}
        pages = client.get_paginator("scan").paginate(
            TableName=name, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names
        )
        for page in pages:  # keys only, deleted 25 per request
            deletes = [{"DeleteRequest": {"Key": item}} for item in page["Items"]]
            for start in range(0, len(deletes), 25):
                pending = {name: deletes[start : start + 25]}
                while pending:
                    pending = client.batch_write_item(RequestItems=pending)["UnprocessedItems"]


# --- No PHI in logs --------------------------------------------------------------------------
# Every log record of the whole session is captured (ClinicFlow's own loggers at DEBUG, the rest
# at INFO as deployed). A distinctive synthetic patient name is used by the integration tests;
# if it ever shows up in a log line, the session fails.
CANARY_NAME = ("Zebulon", "Quixmoorhaven")


class LogCapture(logging.Handler):
    """Keeps every formatted record, with its extra fields, for the end-of-session check."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.canary_used = False

    def emit(self, record: logging.LogRecord) -> None:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        self.lines.append(f"{record.name} {record.levelname} {message} {extras!r}")

    def leaks(self, *needles: str) -> list[str]:
        """Captured lines containing any needle (case-insensitive)."""
        lowered = [n.lower() for n in needles]
        return [line for line in self.lines if any(n in line.lower() for n in lowered)]


_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}
LOG_CAPTURE = LogCapture()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(LOG_CAPTURE)
    logging.getLogger().setLevel(logging.INFO)
    for name in ("clinicflow", "clinicflow.http"):
        logging.getLogger(name).addHandler(LOG_CAPTURE)
        logging.getLogger(name).setLevel(logging.DEBUG)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = LOG_CAPTURE.leaks(*CANARY_NAME)
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"PHI LEAK: the canary patient name appears in {len(leaks)} log lines"
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def log_capture() -> LogCapture:
    """Every log line captured so far in the session."""
    return LOG_CAPTURE


# --- The local stack, shared by tests/integration and tests/e2e (one instance per session:
# moto keeps its state per process, so two stacks in one session would collide) ----------
@pytest.fixture(scope="session")
def stack(
    dynamodb_local: DynamoDBLocal, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    """The whole local stack with the demo practices, in memory."""
    from clinicflow.local.stack import LocalStack, StackOptions  # imported when first needed

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
    from clinicflow.local.tokens import id_token

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
