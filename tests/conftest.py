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

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from clinicflow.local.dynamodb_local import DynamoDBLocal
from clinicflow.local.provision import provision_tables
from clinicflow.local.template import Template

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
        for page in client.get_paginator("scan").paginate(TableName=name):
            for item in page["Items"]:
                client.delete_item(TableName=name, Key={k: item[k] for k in keys})


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
