"""The claims adapter a practice's clearinghouse profile names: the sandbox, or SFTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from clinicflow.claims.submission.model import ClearinghouseProfile
from clinicflow.clearinghouse.claims_port import ClaimsClearinghouse, ObjectStore
from clinicflow.clearinghouse.claims_sandbox import SandboxClaimsClearinghouse
from clinicflow.clearinghouse.port import ClearinghouseError


def secrets_manager_credentials(secrets: Any) -> Callable[[str], tuple[str, str]]:
    """Read `{"username", "password"}` from a Secrets Manager secret (never logged)."""

    def read(secret_id: str) -> tuple[str, str]:
        value = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
        return str(value["username"]), str(value["password"])

    return read


def claims_clearinghouse(
    profile: ClearinghouseProfile,
    *,
    objects: ObjectStore,
    credentials: Callable[[str], tuple[str, str]] | None = None,
) -> ClaimsClearinghouse:
    """The adapter for the profile (ClearinghouseError when it cannot be configured)."""
    if profile.clearinghouse_id == "sandbox":
        return SandboxClaimsClearinghouse(objects, profile.practice_id)
    if profile.clearinghouse_id == "sftp" and profile.sftp is not None:
        from clinicflow.clearinghouse.sftp import SftpClaimsClearinghouse, SftpEndpoint

        if credentials is None:
            raise ClearinghouseError("no credential store is configured for SFTP")
        username, password = credentials(profile.sftp.secret_id)
        s = profile.sftp
        return SftpClaimsClearinghouse(
            SftpEndpoint(
                host=s.host,
                port=s.port,
                username=username,
                password=password,
                host_key=s.host_key,
                upload_dir=s.upload_dir,
                download_dir=s.download_dir,
            )
        )
    raise ClearinghouseError(f"no claims adapter for clearinghouse {profile.clearinghouse_id}")
