"""A tiny SFTP server on 127.0.0.1 for contract tests (paramiko's server interfaces).

    with SftpServer(root=tmp_path, username="u", password="p") as server:
        server.port, server.host_key  # the OpenSSH public key line clients must verify

Files live under `root`; paths are confined to it. Password authentication only. Synthetic
data only; never a production server.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

import paramiko
from paramiko.sftp import SFTP_FAILURE, SFTP_NO_SUCH_FILE, SFTP_OK


class _Auth(paramiko.ServerInterface):
    def __init__(self, username: str, password: str) -> None:
        self._username, self._password = username, password

    def check_auth_password(self, username: str, password: str) -> int:
        ok = (username, password) == (self._username, self._password)
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> Any:
        f = getattr(self, "readfile", None) or self.writefile
        return paramiko.SFTPAttributes.from_stat(os.fstat(f.fileno()))


def _errno(exc: OSError) -> int:
    return paramiko.SFTPServer.convert_errno(exc.errno)


class _Files(paramiko.SFTPServerInterface):
    def __init__(self, server: Any, *, root: str) -> None:
        super().__init__(server)
        self._root = Path(root).resolve()

    def _real(self, path: str) -> Path:
        real = (self._root / path.lstrip("/")).resolve()
        if real != self._root and self._root not in real.parents:
            raise PermissionError("outside the root")
        return real

    def list_folder(self, path: str) -> Any:
        try:
            folder = self._real(path)
            return [
                paramiko.SFTPAttributes.from_stat(entry.stat(), filename=entry.name)
                for entry in folder.iterdir()
            ]
        except OSError as exc:
            return _errno(exc)

    def stat(self, path: str) -> Any:
        try:
            return paramiko.SFTPAttributes.from_stat(self._real(path).stat())
        except OSError as exc:
            return _errno(exc)

    lstat = stat

    def open(self, path: str, flags: int, attr: Any) -> Any:
        try:
            real = self._real(path)
            fd = os.open(real, flags | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:
            return _errno(exc)
        if flags & os.O_WRONLY:
            mode = "ab" if flags & os.O_APPEND else "wb"
        elif flags & os.O_RDWR:
            mode = "a+b" if flags & os.O_APPEND else "r+b"
        else:
            mode = "rb"
        handle = _Handle(flags)
        f = os.fdopen(fd, mode)
        if "r" in mode or "+" in mode:
            handle.readfile = f
        if "w" in mode or "a" in mode or "+" in mode:
            handle.writefile = f
        return handle

    def remove(self, path: str) -> int:
        try:
            self._real(path).unlink()
        except FileNotFoundError:
            return SFTP_NO_SUCH_FILE
        except OSError as exc:
            return _errno(exc)
        return SFTP_OK

    def rename(self, oldpath: str, newpath: str) -> int:
        target = self._real(newpath)
        if target.exists():
            return SFTP_FAILURE
        return self.posix_rename(oldpath, newpath)

    def posix_rename(self, oldpath: str, newpath: str) -> int:
        try:
            os.replace(self._real(oldpath), self._real(newpath))
        except OSError as exc:
            return _errno(exc)
        return SFTP_OK

    def mkdir(self, path: str, attr: Any) -> int:
        try:
            self._real(path).mkdir()
        except OSError as exc:
            return _errno(exc)
        return SFTP_OK


class SftpServer:
    """Serves `root` over SFTP on 127.0.0.1 (an ephemeral port) from a background thread."""

    def __init__(self, root: Path, username: str, password: str) -> None:
        self.root = root
        self.username = username
        self.password = password
        self._key = paramiko.RSAKey.generate(2048)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self._stop = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self._thread = threading.Thread(target=self._serve, name="sftp-server", daemon=True)

    @property
    def host_key(self) -> str:
        """The server's public key, OpenSSH form (`ssh-rsa AAAA...`)."""
        return f"{self._key.get_name()} {self._key.get_base64()}"

    def __enter__(self) -> SftpServer:
        self._sock.listen(8)
        self._sock.settimeout(0.2)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for transport in self._transports:
            transport.close()
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(self._key)
            transport.set_subsystem_handler(
                "sftp", paramiko.SFTPServer, _Files, root=str(self.root)
            )
            self._transports.append(transport)
            try:
                transport.start_server(server=_Auth(self.username, self.password))
            except (paramiko.SSHException, EOFError, OSError):
                transport.close()
