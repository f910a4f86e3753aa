"""Real-time CORE adapters by endpoint URL, configured from the environment.

- ``CORE_CREDENTIALS``: ``secretsmanager:<prefix>`` (default ``secretsmanager:clinicflow/core``)
  or ``ssm:<prefix>``; the credentials of host H are the JSON secret/parameter ``<prefix>/H``.
- ``CORE_CLEARINGHOUSE_URL``: optional; a CORE endpoint reached as clearinghouse id ``core``.

Breaker states are shared through DynamoDB; adapters are made once per URL per instance.
"""

from __future__ import annotations

import os
from functools import lru_cache

from clinicflow.clearinghouse.core import (
    CoreClearinghouse,
    CredentialSource,
    SecretsManagerCredentials,
    SsmCredentials,
)
from clinicflow.clearinghouse.port import EligibilityClearinghouse
from clinicflow.clearinghouse.resilience import CircuitBreaker

DEFAULT_CREDENTIALS = "secretsmanager:clinicflow/core"


def credential_source(spec: str) -> CredentialSource:
    """The credential source a `CORE_CREDENTIALS` value names."""
    kind, _, prefix = spec.partition(":")
    if kind == "ssm" and prefix:
        return SsmCredentials(prefix)
    if kind == "secretsmanager" and prefix:
        return SecretsManagerCredentials(prefix)
    raise ValueError("CORE_CREDENTIALS must be secretsmanager:<prefix> or ssm:<prefix>")


class CoreEndpoints:
    """EndpointConnections: one CoreClearinghouse per endpoint URL, sharing breaker/credentials."""

    def __init__(self, credentials: CredentialSource, breaker: CircuitBreaker) -> None:
        self.credentials = credentials
        self.breaker = breaker
        self._adapters: dict[str, CoreClearinghouse] = {}

    def endpoint(self, url: str) -> EligibilityClearinghouse | None:
        """The adapter for the URL."""
        adapter = self._adapters.get(url)
        if adapter is None:
            adapter = CoreClearinghouse(url, credentials=self.credentials, breaker=self.breaker)
            self._adapters[url] = adapter
        return adapter


@lru_cache(maxsize=1)
def default_endpoints() -> CoreEndpoints:
    """Adapters with credentials from `CORE_CREDENTIALS` and breakers in the main table."""
    from clinicflow.clearinghouse.breaker_store import DynamoBreakerStore

    spec = os.environ.get("CORE_CREDENTIALS", DEFAULT_CREDENTIALS)
    return CoreEndpoints(credential_source(spec), CircuitBreaker(DynamoBreakerStore()))
