"""Shared fixtures. Environment is fixed before any clinicflow module reads it."""

from __future__ import annotations

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
