"""Runtime configuration, parsed once from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    """Names of the AWS resources a function uses, as set by template.yaml (or the local stack)."""

    region: str
    table_name: str
    audit_table_name: str
    documents_bucket: str
    user_pool_id: str
    environment: str

    @property
    def is_local(self) -> bool:
        """True when running on the embedded local stack (never for real PHI)."""
        return self.environment == "local"


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Read the settings once per process."""
    env = os.environ
    return Settings(
        region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
        table_name=env.get("TABLE_NAME", "clinicflow-main"),
        audit_table_name=env.get("AUDIT_TABLE_NAME", "clinicflow-audit"),
        documents_bucket=env.get("DOCUMENTS_BUCKET", "clinicflow-documents"),
        user_pool_id=env.get("USER_POOL_ID", ""),
        environment=env.get("CLINICFLOW_ENV", "aws"),
    )
