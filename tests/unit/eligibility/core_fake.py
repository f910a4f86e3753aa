"""A local fake CAQH CORE real-time endpoint: speaks the SOAP envelope, answers with the sandbox.

    with FakeCoreEndpoint() as fake:
        fake.script(["delay:2", "ok"])       # first request sleeps 2 s, second answers
        url = fake.url

Actions, one per request (after the script runs out: ``ok``):
- ``ok``: a COREEnvelopeRealTimeResponse whose Payload is the sandbox's 271 for the 270;
- ``delay:S``: sleep S seconds, then answer ``ok`` (the client times out first);
- ``status:N``: an HTTP N answer (a SOAP fault body for 5xx);
- ``code:X``: an envelope with ErrorCode X and no payload;
- ``reject``: an envelope whose PayloadType is a 999.
The server listens on 127.0.0.1 only and records every request envelope's fields.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from clinicflow.clearinghouse.core import RESPONSE_TYPE, parse_envelope
from clinicflow.clearinghouse.sandbox import SandboxClearinghouse

SOAP_NS = "http://www.w3.org/2003/05/soap-envelope"
CORE_NS = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"


def response_envelope(fields: dict[str, str]) -> bytes:
    """A CORE real-time response envelope with the given fields (in CORE's order)."""
    order = (
        "PayloadType",
        "ProcessingMode",
        "PayloadID",
        "TimeStamp",
        "SenderID",
        "ReceiverID",
        "CORERuleVersion",
        "Payload",
        "ErrorCode",
        "ErrorMessage",
    )
    body = "".join(f"<{k}>{escape(fields[k])}</{k}>" for k in order if k in fields)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP_NS}" '
        f'xmlns:cor="{CORE_NS}"><soapenv:Body><cor:COREEnvelopeRealTimeResponse>{body}'
        "</cor:COREEnvelopeRealTimeResponse></soapenv:Body></soapenv:Envelope>"
    ).encode()


class FakeCoreEndpoint:
    """A threaded HTTP server on 127.0.0.1 speaking the CORE envelope."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.headers: list[dict[str, str]] = []
        self._script: list[str] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                fake._handle(self, data)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The endpoint URL."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/core/realtime"

    def script(self, actions: list[str]) -> None:
        """What the next requests get, in order."""
        with self._lock:
            self._script = list(actions)

    def _next(self) -> str:
        with self._lock:
            return self._script.pop(0) if self._script else "ok"

    def _handle(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        action = self._next()
        try:
            fields = parse_envelope(data, "COREEnvelopeRealTimeRequest")
        except Exception:
            self._reply(handler, 400, b"not a CORE envelope")
            return
        with self._lock:
            self.requests.append(fields)
            self.headers.append(dict(handler.headers.items()))
        if action.startswith("delay:"):
            time.sleep(float(action.split(":", 1)[1]))
            action = "ok"
        if action.startswith("status:"):
            code = int(action.split(":", 1)[1])
            fault = (
                f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body><soapenv:Fault>'
                "<soapenv:Code><soapenv:Value>soapenv:Receiver</soapenv:Value></soapenv:Code>"
                "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
            ).encode()
            self._reply(handler, code, fault)
            return
        base = {
            "ProcessingMode": "RealTime",
            "PayloadID": fields.get("PayloadID", ""),
            "TimeStamp": fields.get("TimeStamp", ""),
            "SenderID": fields.get("ReceiverID", ""),
            "ReceiverID": fields.get("SenderID", ""),
            "CORERuleVersion": "2.2.0",
        }
        if action.startswith("code:"):
            env = {
                **base,
                "PayloadType": "CoreEnvelopeError",
                "ErrorCode": action.split(":", 1)[1],
                "ErrorMessage": "synthetic",
            }
        elif action == "reject":
            env = {
                **base,
                "PayloadType": "X12_999_Response_005010X231A1",
                "Payload": "ISA*",
                "ErrorCode": "Success",
            }
        else:
            answer = SandboxClearinghouse().exchange_270(
                fields.get("ReceiverID", ""), fields.get("Payload", "")
            )
            env = {
                **base,
                "PayloadType": RESPONSE_TYPE,
                "Payload": answer,
                "ErrorCode": "Success",
                "ErrorMessage": "",
            }
        self._reply(handler, 200, response_envelope(env))

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/soap+xml; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout)

    def __enter__(self) -> FakeCoreEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
