"""Credentials of CAQH CORE endpoints: Secrets Manager or SSM Parameter Store, lazily fetched.

The credentials of endpoint host H are a JSON document ``{"username", "password", "sender_id"}``
stored as the secret (or SecureString parameter) ``<prefix>/H``; they are read on first use
and cached for a few minutes per Lambda instance. Nothing here is ever logged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from clinicflow.clearinghouse.port import ClearinghouseError


@dataclass(frozen=True)
class CoreCredentials:
    """What the endpoint knows the practice's submitter by."""

    username: str
    password: str
    sender_id: str

    def __repr__(self) -> str:  # never print the password
        return f"CoreCredentials(username={self.username!r}, sender_id={self.sender_id!r})"


class CredentialSource(Protocol):
    """Credentials for an endpoint host."""

    def get(self, host: str) -> CoreCredentials:
        """The credentials (ClearinghouseError when none are configured)."""
        ...


def secret_name(prefix: str, host: str) -> str:
    """`<prefix>/<host>` with characters Secrets Manager and SSM accept (port ':' -> '-')."""
    return f"{prefix.rstrip('/')}/{host.replace(':', '-')}"


def _parse_credentials(text: str, host: str) -> CoreCredentials:
    try:
        data = json.loads(text)
        return CoreCredentials(
            username=str(data["username"]),
            password=str(data["password"]),
            sender_id=str(data["sender_id"]),
        )
    except (ValueError, KeyError, TypeError):
        raise ClearinghouseError(
            f"the credentials for {host} must be JSON with username, password, sender_id"
        ) from None


class _Cached:
    """A small time-bounded cache shared by the credential sources."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float]) -> None:
        self.ttl = ttl_seconds
        self.clock = clock
        self.values: dict[str, tuple[float, CoreCredentials]] = {}

    def get(self, host: str, fetch: Callable[[], CoreCredentials]) -> CoreCredentials:
        hit = self.values.get(host)
        now = self.clock()
        if hit and hit[0] > now:
            return hit[1]
        value = fetch()
        self.values[host] = (now + self.ttl, value)
        return value


class SecretsManagerCredentials:
    """Credentials as a JSON secret `<prefix>/<host>` (fetched lazily, cached for `ttl`)."""

    def __init__(
        self,
        prefix: str,
        client: Any = None,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.prefix = prefix
        self._client = client
        self._cache = _Cached(ttl_seconds, clock)

    @property
    def client(self) -> Any:
        """The injected client, or a Secrets Manager client made on first use."""
        if self._client is None:
            import boto3  # lazy: the sandbox path never needs it

            self._client = boto3.client("secretsmanager")
        return self._client

    def get(self, host: str) -> CoreCredentials:
        """The host's credentials."""

        def fetch() -> CoreCredentials:
            try:
                value = self.client.get_secret_value(SecretId=secret_name(self.prefix, host))
            except Exception as exc:  # botocore errors: name the type only
                raise ClearinghouseError(
                    f"the credentials for {host} could not be read ({type(exc).__name__})"
                ) from None
            return _parse_credentials(str(value.get("SecretString") or ""), host)

        return self._cache.get(host, fetch)


class SsmCredentials:
    """Credentials as a SecureString parameter `/<prefix>/<host>` (lazily fetched, cached)."""

    def __init__(
        self,
        prefix: str,
        client: Any = None,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.prefix = prefix if prefix.startswith("/") else "/" + prefix
        self._client = client
        self._cache = _Cached(ttl_seconds, clock)

    @property
    def client(self) -> Any:
        """The injected client, or an SSM client made on first use."""
        if self._client is None:
            import boto3

            self._client = boto3.client("ssm")
        return self._client

    def get(self, host: str) -> CoreCredentials:
        """The host's credentials."""

        def fetch() -> CoreCredentials:
            try:
                value = self.client.get_parameter(
                    Name=secret_name(self.prefix, host), WithDecryption=True
                )
            except Exception as exc:
                raise ClearinghouseError(
                    f"the credentials for {host} could not be read ({type(exc).__name__})"
                ) from None
            return _parse_credentials(str(value["Parameter"]["Value"]), host)

        return self._cache.get(host, fetch)


class StaticCredentials:
    """The same credentials for every host (tests)."""

    def __init__(self, credentials: CoreCredentials) -> None:
        self.credentials = credentials

    def get(self, host: str) -> CoreCredentials:
        """The credentials."""
        return self.credentials
