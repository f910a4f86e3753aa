"""`clinicflow dev` run as a user runs it: data made in one run is there in the next."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest

from clinicflow.local.dynamodb_local import free_port
from clinicflow.local.tokens import DEMO_PASSWORD, id_token
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def _start(data_dir: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "MOTO_"))}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clinicflow.cli",
            "dev",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode() if proc.stdout else "exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("stack did not become healthy")


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


def _clients(data_dir: Path) -> dict[str, object]:
    state = json.loads((data_dir / "stack.json").read_text())
    endpoint = state["cognitoEndpoint"]
    make = lambda service: boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")  # noqa: E731
    return {
        "state": state,
        "s3": make("s3"),
        "cognito": make("cognito-idp"),
        "scheduler": make("scheduler"),
    }


def _api(state: dict, token: str, method: str, path: str, body: object = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        state["api_url"] + path,
        data=data,
        method=method,
        headers={"Authorization": token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _staff_user(cognito: Any, pool: str, username: str, group: str) -> None:
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=username,
        UserAttributes=[{"Name": "custom:practice_id", "Value": "sunrise"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool, Username=username, Password=DEMO_PASSWORD, Permanent=True
    )
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)


def test_files_users_and_tables_survive_a_restart(tmp_path: Path):
    """What users made in one run is there in the next, and a data directory that already
    has data is never seeded again (the second start asks for the demo seed)."""
    data_dir = tmp_path / "data"
    port = free_port()
    proc = _start(data_dir, port)
    try:
        c = _clients(data_dir)
        c["s3"].put_object(
            Bucket="clinicflow-local-documents-bucket",
            Key="sunrise/cards/x.png",
            Body=b"\x89PNG-card",
            ContentType="image/png",
        )
        pool = c["state"]["userPoolId"]
        _staff_user(c["cognito"], pool, "restart-frontdesk", "front-desk")
        _staff_user(c["cognito"], pool, "restart-biller", "biller")
        c["cognito"].admin_disable_user(UserPoolId=pool, Username="restart-biller")
        c["scheduler"].create_schedule(
            Name="reminder-probe",
            ScheduleExpression="at(2030-01-02T09:00:00)",
            ScheduleExpressionTimezone="America/Denver",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={
                "Arn": "arn:aws:lambda:us-east-1:123456789012:function:clinicflow-local-patients",
                "RoleArn": "arn:aws:iam::123456789012:role/clinicflow-local-lambda",
                "Input": "{}",
            },
        )
        token = id_token(c["state"], "restart-frontdesk")
        made = _api(
            c["state"],
            token,
            "POST",
            "/patients",
            {
                "name": {"first": "Restart", "last": "Persistence"},
                "dob": "1980-01-01",
                "sex": "unknown",
                "confirm_duplicate": True,
            },
        )
        patient_id = made["id"]
    finally:
        output = _stop(proc)
    assert "Stopping" in output

    proc = _start(data_dir, port, "--seed", "demo")
    try:
        c = _clients(data_dir)
        pool = c["state"]["userPoolId"]
        card = c["s3"].get_object(
            Bucket="clinicflow-local-documents-bucket", Key="sunrise/cards/x.png"
        )
        assert card["Body"].read() == b"\x89PNG-card"
        assert card["ContentType"] == "image/png"
        user = c["cognito"].admin_get_user(UserPoolId=pool, Username="restart-biller")
        assert {"Name": "custom:practice_id", "Value": "sunrise"} in user["UserAttributes"]
        assert user["Enabled"] is False
        groups = c["cognito"].admin_list_groups_for_user(UserPoolId=pool, Username="restart-biller")
        assert [g["GroupName"] for g in groups["Groups"]] == ["biller"]
        users = {u["Username"] for u in c["cognito"].list_users(UserPoolId=pool)["Users"]}
        assert users == {"restart-frontdesk", "restart-biller"}  # existing data: no demo seed
        token = id_token(c["state"], "restart-frontdesk")  # the password survived too
        patient = _api(c["state"], token, "GET", f"/patients/{patient_id}")
        assert patient["name"]["last"] == "Persistence"
        schedule = c["scheduler"].get_schedule(Name="reminder-probe")
        assert schedule["ScheduleExpressionTimezone"] == "America/Denver"
        assert schedule["Target"]["Arn"].endswith("clinicflow-local-patients")
    finally:
        _stop(proc)
