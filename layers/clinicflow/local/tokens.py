"""ID tokens for demo users of a running local stack (for curl and tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from clinicflow.local.demo_users import DEMO_PASSWORD
from clinicflow.local.stack import STATE_FILE


def stack_state(data_dir: Path) -> dict[str, Any]:
    """The running stack's endpoints, written by `clinicflow dev`."""
    path = data_dir / STATE_FILE
    if not path.exists():
        raise RuntimeError(f"no local stack is running with data directory {data_dir}")
    state: dict[str, Any] = json.loads(path.read_text())
    return state


def id_token(config: dict[str, Any], username: str, password: str = DEMO_PASSWORD) -> str:
    """Log in with the portal's app client and return the ID token."""
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=config["cognitoEndpoint"],
        region_name=config["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 (emulator credentials)
    )
    result = cognito.initiate_auth(
        ClientId=config["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])
