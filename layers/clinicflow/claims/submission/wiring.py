"""The deployed ports of claim submission (DynamoDB, S3, SQS, the configured clearinghouse)."""

from __future__ import annotations

from functools import lru_cache

from clinicflow.claims.store import DynamoClaimsStore
from clinicflow.claims.submission.aws import S3Objects, SqsClaimQueue, client
from clinicflow.claims.submission.model import ClearinghouseProfile
from clinicflow.claims.submission.service import Ports
from clinicflow.claims.submission.store import DynamoSubmissionStore
from clinicflow.clearinghouse.claims_directory import (
    claims_clearinghouse,
    secrets_manager_credentials,
)
from clinicflow.clearinghouse.claims_port import ClaimsClearinghouse
from clinicflow.patients.store import DynamoAuditLog


def _clearinghouse(profile: ClearinghouseProfile) -> ClaimsClearinghouse:
    credentials = (
        secrets_manager_credentials(client("secretsmanager"))
        if profile.clearinghouse_id == "sftp"
        else None
    )
    return claims_clearinghouse(profile, objects=S3Objects(), credentials=credentials)


@lru_cache(maxsize=1)
def deployed_ports() -> Ports:
    """Ports on the stack's resources (env vars set by template.yaml)."""
    return Ports(
        store=DynamoSubmissionStore(),
        claims=DynamoClaimsStore(),
        documents=S3Objects(),
        queue=SqsClaimQueue(),
        clearinghouse=_clearinghouse,
        audit=DynamoAuditLog(),
    )
