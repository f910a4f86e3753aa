"""The claims side of the clearinghouse port: send 837P files, collect 999/277CA files.

Batch claim exchange is a mailbox: the practice uploads files and later collects what the
clearinghouse left for it (a 277CA can take days). Adapters (the local sandbox, SFTP)
implement :class:`ClaimsClearinghouse` and raise only the typed errors of
`clearinghouse.port`. Error messages name the failure, never file content (it carries PHI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class InboundFile:
    """A file the clearinghouse left for the practice (a 999, a 277CA, ...)."""

    name: str
    content: bytes


class ClaimsClearinghouse(Protocol):
    """A clearinghouse mailbox for one practice."""

    def submit(self, name: str, content: bytes) -> None:
        """Upload one 837P file under `name`. Idempotent: a name already delivered is skipped,
        so a file re-sent after a crash is never delivered twice."""
        ...

    def collect(self) -> list[InboundFile]:
        """Every file waiting for the practice (not removed until acknowledged)."""
        ...

    def acknowledge(self, name: str) -> None:
        """Remove a collected file from the mailbox once it is safely stored."""
        ...


class ObjectStore(Protocol):
    """Minimal object storage the sandbox keeps its mailbox in (S3, or memory in tests)."""

    def put(self, key: str, body: bytes) -> None:
        """Store an object."""
        ...

    def get(self, key: str) -> bytes | None:
        """An object's bytes, or None."""
        ...

    def keys(self, prefix: str) -> list[str]:
        """Keys under a prefix, sorted."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object (no error when missing)."""
        ...


class MemoryObjects:
    """ObjectStore in memory (unit tests, benchmarks)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes) -> None:
        """Store an object."""
        self.objects[key] = body

    def get(self, key: str) -> bytes | None:
        """An object's bytes, or None."""
        return self.objects.get(key)

    def keys(self, prefix: str) -> list[str]:
        """Keys under a prefix, sorted."""
        return sorted(k for k in self.objects if k.startswith(prefix))

    def delete(self, key: str) -> None:
        """Remove an object."""
        self.objects.pop(key, None)
