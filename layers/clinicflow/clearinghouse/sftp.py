"""SFTP clearinghouse adapter: 837P files up, 999/277CA files down (paramiko).

Most clearinghouses take batch claims over SFTP: the practice uploads to an inbound folder
and downloads what the clearinghouse leaves in an outbound folder. This adapter:

- verifies the server's host key (always; there is no "accept any key" mode),
- uploads to ``<name>.part`` and renames to ``<name>`` when complete, so the clearinghouse
  never picks up half a file, and skips a name already present (a re-send after a crash is
  not delivered twice),
- lists and reads the outbound folder (``.part`` files are skipped), and removes a file once
  the caller acknowledges it (after storing it safely).

Errors are the port's typed errors; messages never include file content or credentials.
"""

from __future__ import annotations

import io
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a session opens: its native crypto stays off cold starts
    import paramiko  # type: ignore[import-untyped]

from clinicflow.clearinghouse.claims_port import InboundFile
from clinicflow.clearinghouse.port import (
    ClearinghouseError,
    ClearinghouseTimeoutError,
    ClearinghouseUnavailableError,
)

PART = ".part"


@dataclass(frozen=True)
class SftpEndpoint:
    """Where and as whom to connect; `host_key` is the server's public key (OpenSSH form)."""

    host: str
    port: int
    username: str
    password: str
    host_key: str
    upload_dir: str = "inbound"
    download_dir: str = "outbound"
    timeout: float = 15.0


def _public_key(openssh: str) -> paramiko.PKey:
    import paramiko

    parts = openssh.split()
    if len(parts) < 2:
        raise ClearinghouseError("the SFTP host key is not in OpenSSH form")
    return paramiko.PKey.from_type_string(parts[0], __import__("base64").b64decode(parts[1]))


class SftpClaimsClearinghouse:
    """ClaimsClearinghouse over SFTP."""

    def __init__(self, endpoint: SftpEndpoint) -> None:
        self._endpoint = endpoint

    @contextmanager
    def _session(self) -> Iterator[paramiko.SFTPClient]:
        import paramiko

        e = self._endpoint
        expected = _public_key(e.host_key)
        try:
            sock = socket.create_connection((e.host, e.port), timeout=e.timeout)
        except TimeoutError:
            raise ClearinghouseTimeoutError(
                "the SFTP clearinghouse did not answer in time"
            ) from None
        except OSError:
            raise ClearinghouseUnavailableError(
                "the SFTP clearinghouse refused the connection"
            ) from None
        transport = paramiko.Transport(sock)
        try:
            transport.banner_timeout = e.timeout
            transport.auth_timeout = e.timeout
            transport.start_client(timeout=e.timeout)
            key = transport.get_remote_server_key()
            if key.get_name() != expected.get_name() or key.asbytes() != expected.asbytes():
                raise ClearinghouseError("the SFTP server's host key does not match the profile")
            transport.auth_password(e.username, e.password)
            client = paramiko.SFTPClient.from_transport(transport)
            if client is None:
                raise ClearinghouseUnavailableError("the SFTP server opened no session")
            client.get_channel().settimeout(e.timeout)
            yield client
        except paramiko.AuthenticationException:
            raise ClearinghouseError("the SFTP clearinghouse refused the credentials") from None
        except (paramiko.SSHException, EOFError):
            raise ClearinghouseUnavailableError("the SFTP session failed") from None
        except TimeoutError:
            raise ClearinghouseTimeoutError(
                "the SFTP clearinghouse did not answer in time"
            ) from None
        finally:
            transport.close()

    @staticmethod
    def _exists(client: paramiko.SFTPClient, path: str) -> bool:
        try:
            client.stat(path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            if getattr(exc, "errno", None) == 2:
                return False
            raise
        return True

    def submit(self, name: str, content: bytes) -> None:
        """Upload `name` once (atomically, via a `.part` file and a rename)."""
        folder = self._endpoint.upload_dir.rstrip("/")
        target = f"{folder}/{name}"
        with self._session() as client:
            if self._exists(client, target):
                return
            partial = target + PART
            try:
                client.putfo(io.BytesIO(content), partial, file_size=len(content), confirm=True)
                client.posix_rename(partial, target)
            except OSError:
                raise ClearinghouseUnavailableError("the SFTP upload failed") from None

    def collect(self) -> list[InboundFile]:
        """Every complete file in the download folder."""
        folder = self._endpoint.download_dir.rstrip("/")
        out: list[InboundFile] = []
        with self._session() as client:
            try:
                entries = client.listdir_attr(folder)
            except OSError:
                raise ClearinghouseUnavailableError(
                    "the SFTP download folder is unreadable"
                ) from None
            for entry in sorted(entries, key=lambda a: a.filename):
                if entry.filename.endswith(PART) or not stat.S_ISREG(entry.st_mode or 0):
                    continue
                buffer = io.BytesIO()
                client.getfo(f"{folder}/{entry.filename}", buffer)
                out.append(InboundFile(entry.filename, buffer.getvalue()))
        return out

    def acknowledge(self, name: str) -> None:
        """Remove a collected file from the download folder."""
        folder = self._endpoint.download_dir.rstrip("/")
        with self._session() as client:
            try:
                client.remove(f"{folder}/{name}")
            except FileNotFoundError:
                return
