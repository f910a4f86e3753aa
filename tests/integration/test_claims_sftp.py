"""Contract tests of the SFTP clearinghouse adapter against a local SFTP server (paramiko),
and the same mailbox contract on the sandbox clearinghouse."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinicflow.clearinghouse.claims_port import ClaimsClearinghouse, MemoryObjects
from clinicflow.clearinghouse.claims_sandbox import SandboxClaimsClearinghouse
from clinicflow.clearinghouse.port import ClearinghouseError, ClearinghouseUnavailableError
from clinicflow.clearinghouse.sftp import SftpClaimsClearinghouse, SftpEndpoint
from tests.integration.sftp_server import SftpServer

pytestmark = pytest.mark.integration
USER, PASSWORD = "sunrise-edi", "synthetic-Passw0rd"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SftpServer]:
    for folder in ("inbound", "outbound"):
        (tmp_path / folder).mkdir()
    with SftpServer(tmp_path, USER, PASSWORD) as running:
        yield running


def _adapter(server: SftpServer, **changes: object) -> SftpClaimsClearinghouse:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "username": USER,
        "password": PASSWORD,
        "host_key": server.host_key,
        "timeout": 5.0,
    }
    values.update(changes)
    return SftpClaimsClearinghouse(SftpEndpoint(**values))  # type: ignore[arg-type]


def mailbox_contract(channel: ClaimsClearinghouse, deliver: object, received: object) -> None:
    """What every ClaimsClearinghouse promises: idempotent submit, collect, acknowledge."""
    channel.submit("F260505000000001.837", b"ISA*first~")
    channel.submit("F260505000000001.837", b"ISA*again~")  # a re-send after a crash
    assert received() == {"F260505000000001.837": b"ISA*first~"}  # type: ignore[operator]
    deliver("F260505000000001.837.999", b"ISA*ack~")  # type: ignore[operator]
    collected = {f.name: f.content for f in channel.collect()}
    assert collected.get("F260505000000001.837.999") == b"ISA*ack~"
    channel.acknowledge("F260505000000001.837.999")
    channel.acknowledge("F260505000000001.837.999")  # twice is harmless
    assert "F260505000000001.837.999" not in {f.name for f in channel.collect()}


def test_sftp_adapter_honours_the_mailbox_contract(server: SftpServer) -> None:
    root = server.root

    def deliver(name: str, body: bytes) -> None:
        (root / "outbound" / (name + ".part")).write_bytes(b"half")  # being written: skipped
        (root / "outbound" / name).write_bytes(body)

    def received() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (root / "inbound").iterdir()}

    mailbox_contract(_adapter(server), deliver, received)
    assert not any(p.name.endswith(".part") for p in (root / "inbound").iterdir())


def test_sandbox_honours_the_same_contract() -> None:
    objects = MemoryObjects()
    sandbox = SandboxClaimsClearinghouse(objects, "sunrise")
    prefix = "sunrise/clearinghouse-sandbox"
    sandbox.submit = lambda name, content: (  # type: ignore[method-assign]
        None
        if objects.get(f"{prefix}/received/{name}")
        else objects.put(f"{prefix}/received/{name}", content)
    )  # the contract only; the 999/277CA answers are tested in tests/unit/claims
    mailbox_contract(
        sandbox,
        lambda name, body: objects.put(f"{prefix}/ready/{name}", body),
        lambda: {
            k.rsplit("/", 1)[-1]: objects.objects[k] for k in objects.keys(f"{prefix}/received/")
        },
    )


def test_a_wrong_host_key_is_refused(server: SftpServer) -> None:
    import paramiko

    other = paramiko.RSAKey.generate(2048)
    adapter = _adapter(server, host_key=f"{other.get_name()} {other.get_base64()}")
    with pytest.raises(ClearinghouseError, match="host key"):
        adapter.collect()
    assert list((server.root / "inbound").iterdir()) == []


def test_wrong_credentials_and_a_closed_port(server: SftpServer) -> None:
    with pytest.raises(ClearinghouseError, match="credentials"):
        _adapter(server, password="nope").submit("F1.837", b"ISA~")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(ClearinghouseUnavailableError):
        _adapter(server, port=port).collect()
