"""moto in server mode as the embedded AWS, with every request serialised.

moto's backends are not thread-safe (measured: concurrent TransactWriteItems gave double
winners and RuntimeErrors), so one lock wraps the WSGI app. Two gaps of the emulator are
closed here because ClinicFlow's security relies on them in AWS:
- Cognito refuses `UpdateUserAttributes` on attributes the app client may not write and
  any change of an immutable attribute (moto accepts both).
- Lambda invocations run the project's real handlers in-process (see `lambdas.py`).
And one service moto lacks: AWS End User Messaging SMS `SendTextMessage` is answered, and SES
emails recorded, by `messaging.py` (into the outbox, with delivery-status events).
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from clinicflow.local.outbox import Outbox, cognito_invitation
from clinicflow.local.template import ACCOUNT_ID, REGION

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_lock = threading.Lock()
_holder = threading.local()


def moto_lock_held() -> bool:
    """True when the current thread is inside a serialised moto request."""
    return bool(getattr(_holder, "held", False))


class released_moto_lock:
    """Release the moto lock while in-process Lambda code runs (it may call moto itself)."""

    def __enter__(self) -> None:
        self._was_held = moto_lock_held()
        if self._was_held:
            _holder.held = False
            _lock.release()

    def __exit__(self, *exc: object) -> None:
        if self._was_held:
            _lock.acquire()
            _holder.held = True


def _cognito_error(start_response: Callable[..., Any], kind: str, message: str) -> list[bytes]:
    body = json.dumps({"__type": kind, "message": message}).encode()
    start_response(
        "400 Bad Request",
        [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", kind)],
    )
    return [body]


def _cognito_refusal(target: str, payload: dict[str, Any]) -> tuple[str, str] | None:
    """The error AWS Cognito would answer for an attribute write moto would wrongly accept."""
    from moto.cognitoidp.models import cognitoidp_backends

    backend = cognitoidp_backends[ACCOUNT_ID][REGION]
    names = [a.get("Name", "") for a in payload.get("UserAttributes", [])]
    if target.endswith(".UpdateUserAttributes"):
        for pool in backend.user_pools.values():
            if payload.get("AccessToken") in pool.access_tokens:
                client_id, _ = pool.access_tokens[payload["AccessToken"]]
                writable = pool.clients[client_id].extended_config.get("WriteAttributes")
                if writable is not None and any(n not in writable for n in names):
                    return (
                        "NotAuthorizedException",
                        "A client attempted to write unauthorized attribute",
                    )
                return _immutable(pool, names)
        return None
    target_pool = backend.user_pools.get(payload.get("UserPoolId", ""))
    return _immutable(target_pool, names) if target_pool else None


def _immutable(pool: Any, names: list[str]) -> tuple[str, str] | None:
    for name in names:
        attribute = pool.schema_attributes.get(name)
        if attribute is not None and not attribute.mutable:
            return ("InvalidParameterException", f"{name}: cannot modify an immutable attribute")
    return None


@dataclass
class SerialisedApp:
    """WSGI middleware: one request at a time into moto, plus the Cognito attribute guard
    and the capture of Cognito's invitation emails into the local outbox."""

    app: WSGIApp
    outbox: Outbox | None = None
    messaging: Any = None  # clinicflow.local.messaging.LocalMessaging, set by the stack

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if self.messaging is not None:
            answered = self._messaging(environ, start_response, target)
            if answered is not None:
                return answered
        cognito = target.startswith("AWSCognitoIdentityProviderService.")
        guarded = cognito and target.endswith(("UpdateUserAttributes", ".AdminCreateUser"))
        body = b""
        if guarded:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        with _lock:
            _holder.held = True
            try:
                if guarded and target.endswith("UpdateUserAttributes"):
                    refusal = _cognito_refusal(target, json.loads(body or b"{}"))
                    if refusal:
                        return _cognito_error(start_response, *refusal)
                statuses: list[str] = []

                def recording_start(status: str, *args: Any) -> Any:
                    statuses.append(status)
                    return start_response(status, *args)

                result = list(self.app(environ, recording_start))
                if guarded and self.outbox and statuses and statuses[0].startswith("200"):
                    invitation = cognito_invitation(json.loads(body or b"{}"))
                    if invitation:
                        self.outbox.add(invitation)
                return result
            finally:
                _holder.held = False

    def _messaging(
        self, environ: dict[str, Any], start_response: Callable[..., Any], target: str
    ) -> list[bytes] | None:
        """End User Messaging SMS (not in moto) answered here; SES emails recorded."""
        from clinicflow.local.messaging import SES_SEND_PATH, SMS_TARGET

        if target == SMS_TARGET:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
            status, answer = self.messaging.send_text(payload)
            start_response(
                "200 OK" if status == 200 else "400 Bad Request",
                [("Content-Type", "application/x-amz-json-1.0")],
            )
            return [json.dumps(answer).encode()]
        if environ.get("PATH_INFO") == SES_SEND_PATH and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            statuses: list[str] = []

            def recording_start(status: str, *args: Any) -> Any:
                statuses.append(status)
                return start_response(status, *args)

            with _lock:
                _holder.held = True
                try:
                    result = list(self.app(environ, recording_start))
                finally:
                    _holder.held = False
            if statuses and statuses[0].startswith("200"):
                self.messaging.record_email(json.loads(body or b"{}"), json.loads(b"".join(result)))
            return result
        return None


@dataclass
class MotoServer:
    """The moto server on loopback, serialised, with Step Functions execution on."""

    host: str = "127.0.0.1"
    port: int = 0
    outbox: Outbox | None = None
    app: SerialisedApp | None = field(default=None, init=False, repr=False)
    _server: BaseWSGIServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    @property
    def endpoint(self) -> str:
        """The endpoint every boto3 client of the local stack uses."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> MotoServer:
        """Start serving in a background thread."""
        from moto.core.config import default_user_config
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        default_user_config["stepfunctions"]["execute_state_machine"] = True
        # Authenticator codes are checked as Cognito checks them (moto accepts any code
        # unless told otherwise), so a wrong code is refused locally too.
        os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
        app = SerialisedApp(DomainDispatcherApplication(create_backend_app), self.outbox)
        self.app = app
        self._server = make_server(
            self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self.port = int(self._server.server_address[1])
        os.environ["MOTO_PORT"] = str(self.port)
        os.environ["MOTO_HOST"] = self.host
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="moto-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = None
