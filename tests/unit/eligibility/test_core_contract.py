"""Contract tests of the CAQH CORE adapter against a local fake endpoint (127.0.0.1).

Success, a slow answer (timeout -> retry), 5xx retried, 4xx not, the breaker opening and
failing fast, and half-open recovery; every exchange stays inside its time budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from core_fake import FakeCoreEndpoint
from eligibility_fakes import request_270, response_doc

from clinicflow.clearinghouse.core import (
    REQUEST_TYPE,
    CoreClearinghouse,
    CoreCredentials,
    CoreRequest,
    StaticCredentials,
    Timing,
    build_envelope,
    parse_envelope,
)
from clinicflow.clearinghouse.core_credentials import SecretsManagerCredentials, secret_name
from clinicflow.clearinghouse.port import (
    ClearinghouseError,
    ClearinghouseTimeoutError,
    ClearinghouseUnavailableError,
)
from clinicflow.clearinghouse.resilience import (
    Backoff,
    BreakerPolicy,
    BreakerStatus,
    CircuitBreaker,
    CircuitOpenError,
    MemoryBreakerStore,
)

CREDS = CoreCredentials(username="clinicflow-test", password="not-a-secret", sender_id="CFTEST")
FAST = Timing(budget_seconds=6, attempt_seconds=0.5, min_attempt_seconds=0.1, max_attempts=3)


@pytest.fixture
def fake() -> Iterator[FakeCoreEndpoint]:
    with FakeCoreEndpoint() as endpoint:
        yield endpoint


def adapter(
    url: str,
    store: MemoryBreakerStore | None = None,
    *,
    clock: list[float] | None = None,
    timing: Timing = FAST,
    policy: BreakerPolicy | None = None,
) -> CoreClearinghouse:
    now = clock or [1000.0]
    breaker = CircuitBreaker(
        store or MemoryBreakerStore(),
        policy or BreakerPolicy(failure_threshold=3, cool_down_seconds=30),
        clock=lambda: now[0],
    )
    return CoreClearinghouse(
        url,
        credentials=StaticCredentials(CREDS),
        breaker=breaker,
        timing=timing,
        backoff=Backoff(base=0.01, cap=0.05),
    )


def test_envelope_carries_every_core_field_and_round_trips_the_payload() -> None:
    x12 = request_270("SBX-ACTIVE-1")
    data = build_envelope(
        CoreRequest(
            payload_id="f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
            timestamp=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
            sender_id="CFTEST",
            receiver_id="SBMRDN1",
            payload=x12,
        ),
        CREDS,
    )
    fields = parse_envelope(data, "COREEnvelopeRealTimeRequest")
    assert fields == {
        "PayloadType": "X12_270_Request_005010X279A1",
        "ProcessingMode": "RealTime",
        "PayloadID": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "TimeStamp": "2026-03-01T09:30:00Z",
        "SenderID": "CFTEST",
        "ReceiverID": "SBMRDN1",
        "CORERuleVersion": "2.2.0",
        "Payload": x12,
    }
    assert b"UsernameToken" in data and b"not-a-secret" in data
    assert "not-a-secret" not in repr(CREDS)


def test_envelopes_with_a_dtd_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(ValueError):
        parse_envelope(bomb, "COREEnvelopeRealTimeResponse")


def test_success_returns_the_payers_271(fake: FakeCoreEndpoint) -> None:
    answer = adapter(fake.url).exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    doc = response_doc(answer)
    assert doc.sources[0].receivers[0].subscribers[0].benefits[0].code == "1"
    (sent,) = fake.requests
    assert sent["PayloadType"] == REQUEST_TYPE and sent["ProcessingMode"] == "RealTime"
    assert sent["SenderID"] == "CFTEST" and sent["ReceiverID"] == "SBMRDN1"
    assert sent["CORERuleVersion"] == "2.2.0" and sent["Payload"].startswith("ISA*")
    assert fake.headers[0]["Content-Type"].startswith("application/soap+xml")


def test_a_slow_answer_times_out_and_the_retry_succeeds(fake: FakeCoreEndpoint) -> None:
    fake.script(["delay:1.5"])
    started = time.monotonic()
    answer = adapter(fake.url).exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    assert answer.startswith("ISA*")
    assert len(fake.requests) == 2
    assert fake.requests[0]["PayloadID"] != fake.requests[1]["PayloadID"]
    assert time.monotonic() - started < FAST.budget_seconds


def test_server_errors_are_retried_client_errors_are_not(fake: FakeCoreEndpoint) -> None:
    fake.script(["status:503", "status:502"])
    assert adapter(fake.url).exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    assert len(fake.requests) == 3
    fake.script(["status:401"])
    with pytest.raises(ClearinghouseError) as raised:
        adapter(fake.url).exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    assert not isinstance(raised.value, ClearinghouseUnavailableError)
    assert len(fake.requests) == 4


def test_busy_envelopes_are_retried_rejections_are_not(fake: FakeCoreEndpoint) -> None:
    fake.script(["code:ReceiverServerBusy"])
    assert adapter(fake.url).exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    fake.script(["reject"])
    with pytest.raises(ClearinghouseError, match="999"):
        adapter(fake.url).exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))


def test_retries_stay_inside_the_budget(fake: FakeCoreEndpoint) -> None:
    fake.script(["delay:2", "delay:2", "delay:2", "delay:2"])
    tight = Timing(budget_seconds=1.2, attempt_seconds=0.5, min_attempt_seconds=0.1)
    started = time.monotonic()
    with pytest.raises(ClearinghouseTimeoutError):
        adapter(fake.url, timing=tight).exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    assert time.monotonic() - started < 1.2 + 0.3
    assert "SBX-ACTIVE" not in str(ClearinghouseTimeoutError)  # messages name hosts, not X12


def test_the_breaker_opens_then_fails_fast_then_recovers(fake: FakeCoreEndpoint) -> None:
    store = MemoryBreakerStore()
    clock = [1000.0]
    fake.script(["status:500"] * 3)
    one = adapter(fake.url, store, clock=clock)
    with pytest.raises(ClearinghouseUnavailableError):
        one.exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))  # 3 failed attempts
    key = f"{one.host}/SBMRDN1"
    assert store.load(key).status is BreakerStatus.OPEN
    other_instance = adapter(fake.url, store, clock=clock)
    with pytest.raises(CircuitOpenError):
        other_instance.exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    assert len(fake.requests) == 3  # failing fast: nothing was sent
    assert other_instance.exchange_270("SBOTHER", request_270("SBX-ACTIVE-1"))  # per payer
    clock[0] += 31  # cool-down over: one probe goes out, and it succeeds
    assert other_instance.exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    assert store.load(key).status is BreakerStatus.CLOSED


def test_a_failed_probe_is_not_retried_and_reopens(fake: FakeCoreEndpoint) -> None:
    store = MemoryBreakerStore()
    clock = [1000.0]
    fake.script(["status:500"] * 4)
    a = adapter(fake.url, store, clock=clock)
    with pytest.raises(ClearinghouseUnavailableError):
        a.exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    clock[0] += 31
    with pytest.raises(ClearinghouseUnavailableError):
        a.exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))
    assert len(fake.requests) == 4  # the probe only
    assert store.load(f"{a.host}/SBMRDN1").status is BreakerStatus.OPEN


def test_an_unreachable_endpoint_is_unavailable() -> None:
    with FakeCoreEndpoint() as gone:
        url = gone.url
    with pytest.raises(ClearinghouseUnavailableError):
        adapter(url).exchange_270("SBMRDN1", request_270("SBX-ACTIVE-1"))


class FakeSecrets:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        self.calls.append(SecretId)
        return {
            "SecretString": '{"username": "u", "password": "p", "sender_id": "S1"}',
        }


def test_credentials_are_fetched_lazily_and_cached() -> None:
    client = FakeSecrets()
    now = [0.0]
    source = SecretsManagerCredentials("clinicflow/dev/core", client, 300, lambda: now[0])
    assert client.calls == []
    assert source.get("core.payer.example:8443").sender_id == "S1"
    source.get("core.payer.example:8443")
    assert client.calls == ["clinicflow/dev/core/core.payer.example-8443"]
    now[0] += 301
    source.get("core.payer.example:8443")
    assert len(client.calls) == 2
    assert secret_name("/x/", "h:1") == "/x/h-1"


def test_a_payer_routed_to_an_endpoint_is_checked_through_core(fake: FakeCoreEndpoint) -> None:
    from eligibility_fakes import (
        COVERAGE_ID,
        FRONT_DESK,
        PATIENT_ID,
        SERVICE_DATE,
        FakeAudit,
        FakeDirectory,
        FakeDocuments,
        FakeHistory,
        FakeSubjects,
        Journal,
        subject,
    )

    from clinicflow.clearinghouse.endpoints import CoreEndpoints
    from clinicflow.clearinghouse.sandbox import SandboxClearinghouse
    from clinicflow.eligibility import service
    from clinicflow.eligibility.policy import EligibilitySettings

    base = subject("SBX-INACTIVE-1", clearinghouse_id=None)
    routed = base.model_copy(
        update={"payer": base.payer.model_copy(update={"endpoint_url": fake.url})}
    )
    journal = Journal()
    breaker = CircuitBreaker(MemoryBreakerStore())
    outcome = service.check_eligibility(
        FRONT_DESK,
        service.CheckRequest(PATIENT_ID, COVERAGE_ID, SERVICE_DATE, ["30"]),
        subjects=FakeSubjects(routed),
        clearinghouses=FakeDirectory(SandboxClearinghouse()),
        endpoints=CoreEndpoints(StaticCredentials(CREDS), breaker),
        documents=FakeDocuments(journal),
        checks=FakeHistory(journal),
        audit=FakeAudit(),
        settings=EligibilitySettings(),
    )
    assert outcome.check.result.status.value == "inactive"
    assert fake.requests[0]["ReceiverID"] == "SBMRDN1"
    assert journal.events == ["put 270.x12", "put 271.x12", "save check"]
