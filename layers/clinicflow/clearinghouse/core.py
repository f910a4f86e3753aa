"""A real-time adapter for CAQH CORE connectivity endpoints (Phase II/IV, SOAP 1.2 envelope).

One 270 goes out as a ``COREEnvelopeRealTimeRequest`` (PayloadType
``X12_270_Request_005010X279A1``, ProcessingMode ``RealTime``, a new PayloadID, a UTC
TimeStamp, SenderID, ReceiverID, CORERuleVersion ``2.2.0``, the X12 as Payload) with a
WS-Security UsernameToken; the answer's ``COREEnvelopeRealTimeResponse`` Payload is the 271.

Resilience, all inside API Gateway's 29 s: a total budget per exchange (default 24 s), a
per-attempt timeout capped by what is left, retries with exponential backoff and full jitter
on timeouts, connection failures and 5xx only (a 270 is a read: safe to resend), and a
circuit breaker per endpoint and payer whose state every Lambda instance shares.

Credentials come from Secrets Manager (or SSM Parameter Store), fetched on first use and
cached. Errors name the endpoint host and payer id, never the X12 (it carries PHI).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from clinicflow.clearinghouse.core_credentials import (
    CoreCredentials,
    CredentialSource,
    SecretsManagerCredentials,
    SsmCredentials,
    StaticCredentials,
)
from clinicflow.clearinghouse.port import (
    ClearinghouseError,
    ClearinghouseTimeoutError,
    ClearinghouseUnavailableError,
)
from clinicflow.clearinghouse.resilience import Backoff, CircuitBreaker, Permit

__all__ = [
    "CoreClearinghouse",
    "CoreCredentials",
    "CredentialSource",
    "SecretsManagerCredentials",
    "SsmCredentials",
    "StaticCredentials",
]

CORE_ID = "core"
SOAP_NS = "http://www.w3.org/2003/05/soap-envelope"
CORE_NS = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
_WSS = "http://docs.oasis-open.org/wss/2004/01/"
PASSWORD_TYPE = _WSS + "oasis-200401-wss-username-token-profile-1.0#" + "Password" + "Text"
REQUEST_TYPE = "X12_270_Request_005010X279A1"
RESPONSE_TYPE = "X12_271_Response_005010X279A1"
REJECT_TYPE = "X12_999_Response_005010X231A1"
RULE_VERSION = "2.2.0"
CONTENT_TYPE = 'application/soap+xml; charset=utf-8; action="RealTimeTransaction"'
_RETRYABLE_CODES = ("busy", "timeout", "unavailable", "retry")


# --- the envelope -----------------------------------------------------------------------


@dataclass(frozen=True)
class CoreRequest:
    """The fields of one real-time request envelope."""

    payload_id: str
    timestamp: datetime
    sender_id: str
    receiver_id: str
    payload: str
    payload_type: str = REQUEST_TYPE


@dataclass(frozen=True)
class CoreResponse:
    """The fields of a real-time response envelope."""

    payload_type: str
    processing_mode: str
    payload_id: str
    sender_id: str
    receiver_id: str
    rule_version: str
    payload: str
    error_code: str
    error_message: str


def build_envelope(request: CoreRequest, credentials: CoreCredentials) -> bytes:
    """The SOAP 1.2 envelope of a CORE real-time request (X12 escaped as XML text)."""
    stamp = request.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = (
        ("PayloadType", request.payload_type),
        ("ProcessingMode", "RealTime"),
        ("PayloadID", request.payload_id),
        ("TimeStamp", stamp),
        ("SenderID", request.sender_id),
        ("ReceiverID", request.receiver_id),
        ("CORERuleVersion", RULE_VERSION),
        ("Payload", request.payload),
    )
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:cor="{CORE_NS}">'
        "<soapenv:Header>"
        f'<wsse:Security xmlns:wsse="{WSSE_NS}" soapenv:mustUnderstand="true">'
        "<wsse:UsernameToken>"
        f"<wsse:Username>{escape(credentials.username)}</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_TYPE}">{escape(credentials.password)}</wsse:Password>'
        "</wsse:UsernameToken></wsse:Security></soapenv:Header>"
        f"<soapenv:Body><cor:COREEnvelopeRealTimeRequest>{body}"
        "</cor:COREEnvelopeRealTimeRequest></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _safe_xml(data: bytes) -> ElementTree.Element:
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise ValueError("DTDs are not accepted")
    # No DTD means no entity expansion or external entities (what defusedxml guards against).
    return ElementTree.fromstring(data)  # noqa: S314


def _fields(element: ElementTree.Element) -> dict[str, str]:
    return {_local(child.tag): (child.text or "") for child in element}


def parse_envelope(data: bytes, kind: str) -> dict[str, str]:
    """The child fields of the envelope's `kind` element (e.g. COREEnvelopeRealTimeRequest)."""
    root = _safe_xml(data)
    for element in root.iter():
        if _local(element.tag) == kind:
            return _fields(element)
    raise ValueError(f"no {kind} in the envelope")


def parse_response(data: bytes) -> CoreResponse:
    """The response envelope's fields; ValueError when it is not one."""
    f = parse_envelope(data, "COREEnvelopeRealTimeResponse")
    return CoreResponse(
        payload_type=f.get("PayloadType", ""),
        processing_mode=f.get("ProcessingMode", ""),
        payload_id=f.get("PayloadID", ""),
        sender_id=f.get("SenderID", ""),
        receiver_id=f.get("ReceiverID", ""),
        rule_version=f.get("CORERuleVersion", ""),
        payload=f.get("Payload", ""),
        error_code=f.get("ErrorCode", "Success") or "Success",
        error_message=f.get("ErrorMessage", ""),
    )


# --- transport --------------------------------------------------------------------------


class Transport(Protocol):
    """Posts an envelope; raises the typed clearinghouse errors."""

    def post(self, url: str, body: bytes, timeout: float) -> bytes:
        """The response body of a 2xx answer."""
        ...


class UrllibTransport:
    """HTTP POST with the standard library (no extra dependency in the layer)."""

    def post(self, url: str, body: bytes, timeout: float) -> bytes:
        """POST; timeouts, refused connections and 5xx become typed (retryable) errors."""
        host = urlsplit(url).netloc
        request = urllib.request.Request(  # noqa: S310 (https, or http on loopback: validated)
            url, data=body, method="POST", headers={"Content-Type": CONTENT_TYPE}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise ClearinghouseUnavailableError(f"{host} answered HTTP {exc.code}") from None
            raise ClearinghouseError(f"{host} refused the request (HTTP {exc.code})") from None
        except TimeoutError:
            raise ClearinghouseTimeoutError(f"{host} did not answer in time") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise ClearinghouseTimeoutError(f"{host} did not answer in time") from None
            raise ClearinghouseUnavailableError(f"{host} could not be reached") from None
        except OSError:
            raise ClearinghouseUnavailableError(f"{host} could not be reached") from None


# --- the adapter ------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Time limits of one exchange, well inside API Gateway's 29 s."""

    budget_seconds: float = 24.0
    attempt_seconds: float = 10.0
    min_attempt_seconds: float = 1.0
    max_attempts: int = 3


def _retryable(exc: ClearinghouseError) -> bool:
    return isinstance(exc, ClearinghouseTimeoutError | ClearinghouseUnavailableError)


class CoreClearinghouse:
    """EligibilityClearinghouse for one CORE endpoint URL."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        credentials: CredentialSource,
        breaker: CircuitBreaker,
        transport: Transport | None = None,
        timing: Timing | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_payload_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.url = endpoint_url
        self.host = urlsplit(endpoint_url).netloc
        self.credentials = credentials
        self.breaker = breaker
        self.transport = transport or UrllibTransport()
        self.timing = timing or Timing()
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.monotonic = monotonic
        self.now = now
        self.new_payload_id = new_payload_id

    def exchange_270(self, payer_id: str, request: str | bytes) -> str:
        """Send the 270 to the endpoint for `payer_id`; the 271, or a typed error."""
        payload = request.decode() if isinstance(request, bytes) else request
        key = f"{self.host}/{payer_id}"
        creds = self.credentials.get(self.host)
        deadline = self.monotonic() + self.timing.budget_seconds
        last: ClearinghouseError | None = None
        for attempt in range(self.timing.max_attempts):
            if attempt:
                pause = self.backoff.delay(attempt - 1)
                if deadline - self.monotonic() - pause < self.timing.min_attempt_seconds:
                    break
                self.sleep(pause)
            permit = self.breaker.acquire(key) if last is None else self._again(key)
            if permit is None:
                break
            remaining = deadline - self.monotonic()
            if remaining < self.timing.min_attempt_seconds:
                break
            try:
                answer = self._attempt(
                    payer_id, payload, creds, min(remaining, self.timing.attempt_seconds)
                )
            except ClearinghouseError as exc:
                if not _retryable(exc):
                    raise
                self.breaker.record_failure(key)
                last = exc
                if permit is Permit.PROBE:
                    break
                continue
            self.breaker.record_success(key)
            return answer
        assert last is not None or self.timing.max_attempts == 0
        raise last or ClearinghouseTimeoutError(f"{self.host} did not answer in time")

    def _again(self, key: str) -> Permit | None:
        """May a retry go out? None when the breaker opened meanwhile."""
        try:
            return self.breaker.acquire(key)
        except ClearinghouseUnavailableError:
            return None

    def _attempt(self, payer_id: str, payload: str, creds: CoreCredentials, timeout: float) -> str:
        envelope = build_envelope(
            CoreRequest(
                payload_id=self.new_payload_id(),
                timestamp=self.now(),
                sender_id=creds.sender_id,
                receiver_id=payer_id,
                payload=payload,
            ),
            creds,
        )
        data = self.transport.post(self.url, envelope, timeout)
        try:
            response = parse_response(data)
        except (ValueError, ElementTree.ParseError):
            raise ClearinghouseError(f"{self.host} answered with an unreadable envelope") from None
        code = response.error_code
        if code.lower() != "success":
            if any(word in code.lower() for word in _RETRYABLE_CODES):
                raise ClearinghouseUnavailableError(f"{self.host} is busy ({code[:40]})")
            raise ClearinghouseError(f"{self.host} refused the request ({code[:40]})")
        if response.payload_type == REJECT_TYPE:
            raise ClearinghouseError(f"payer {payer_id} rejected the 270 (999)")
        if response.payload_type != RESPONSE_TYPE or not response.payload.strip():
            raise ClearinghouseError(f"{self.host} answered without a 271")
        return response.payload
