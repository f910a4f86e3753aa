"""Start and stop the whole local stack: one object, used by `clinicflow dev` and the tests."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from clinicflow.local import openapi
from clinicflow.local.apigateway import LocalApi
from clinicflow.local.authorizer import CognitoAuthorizer
from clinicflow.local.clock import Clock, ScheduleFirer, Ticker
from clinicflow.local.dynamodb_local import DynamoDBLocal
from clinicflow.local.event_sources import SqsPoller, sqs_pollers
from clinicflow.local.lambdas import FunctionRegistry, patch_moto_invoke, register_functions
from clinicflow.local.messaging import LocalMessaging
from clinicflow.local.moto_server import MotoServer
from clinicflow.local.outbox import Outbox
from clinicflow.local.persistence import Snapshotter
from clinicflow.local.powertools_threads import make_powertools_thread_safe
from clinicflow.local.provision import provision_aws, provision_tables
from clinicflow.local.state_machines import provision_state_machines, provision_time_triggers
from clinicflow.local.streams import StreamPoller, stream_pollers, subscribe_sns_functions
from clinicflow.local.template import REGION, Template
from clinicflow.platform import clock as platform_clock

logger = logging.getLogger("clinicflow.local")
STATE_FILE = "stack.json"
SERVICES = [
    "s3",
    "sqs",
    "sns",
    "kms",
    "cognito-idp",
    "scheduler",
    "stepfunctions",
    "lambda",
    "iam",
    "events",
    "ses",
    "logs",
    "secretsmanager",
    "ssm",
]


@dataclass
class StackOptions:
    """How to run the stack."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path | None = None  # None: everything in memory (tests)
    seed: str | None = None
    reset: bool = False
    tick_seconds: float = 1.0
    dynamodb: DynamoDBLocal | None = None  # reuse a running DynamoDB Local (tests)
    state_dir: Path | None = None  # where stack.json goes (default: data_dir)


@dataclass
class LocalStack:
    """DynamoDB Local + moto server + the API/portal server + the clock."""

    options: StackOptions
    clock: Clock = field(default_factory=Clock)
    outbox: Outbox = field(default_factory=Outbox)
    template: Template | None = None
    ddb: DynamoDBLocal | None = None
    moto: MotoServer | None = None
    registry: FunctionRegistry | None = None
    api: LocalApi | None = None
    firer: ScheduleFirer | None = None
    snapshotter: Snapshotter | None = None
    _http: BaseWSGIServer | None = None
    _openapi: dict[str, Any] | None = None
    pollers: list[SqsPoller] = field(default_factory=list)
    streams: list[StreamPoller] = field(default_factory=list)
    messaging: LocalMessaging | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _tickers: list[Ticker] = field(default_factory=list)
    _ready: threading.Event = field(default_factory=threading.Event)

    @property
    def api_url(self) -> str:
        """Base URL of the API (and the portal under /portal/)."""
        return f"http://{self.options.host}:{self.options.port}"

    def client(self, service: str) -> Any:
        """A boto3 client of the local stack's AWS (DynamoDB Local for dynamodb and its streams)."""
        assert self.moto and self.ddb
        local_ddb = service in {"dynamodb", "dynamodbstreams"}
        endpoint = self.ddb.endpoint if local_ddb else self.moto.endpoint
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION)

    @property
    def user_pool_id(self) -> str:
        """The staff user pool's id."""
        assert self.template
        return self.template.physical["UserPool"]

    @property
    def portal_client_id(self) -> str:
        """The portal's app client id."""
        assert self.template
        return self.template.physical["PortalClient"]

    def start(self) -> LocalStack:
        """Start every component and provision template.yaml; returns when ready."""
        opts = self.options
        data_dir = opts.data_dir
        if data_dir and opts.reset:
            shutil.rmtree(data_dir, ignore_errors=True)
        fresh = data_dir is None or not (data_dir / "dynamodb").exists()
        self.ddb = opts.dynamodb or DynamoDBLocal(
            data_dir=data_dir / "dynamodb" if data_dir else None, host=opts.host
        )
        ddb_thread = threading.Thread(
            target=self.ddb.start if opts.dynamodb is None else lambda: None, name="ddb-start"
        )
        ddb_thread.start()
        self.outbox = Outbox(data_dir / "outbox.jsonl" if data_dir else None)
        self.moto = MotoServer(host=opts.host, outbox=self.outbox).start()
        _quiet_libraries()
        ddb_thread.join()
        self._configure_environment()
        self.template = Template.from_file(opts.root / "template.yaml")
        provision_tables(self.template, self.client("dynamodb"))
        clients = {s: self.client(s) for s in SERVICES}
        provision_aws(self.template, clients)
        make_powertools_thread_safe()  # handlers share this process; requests run on threads
        platform_clock.use_clock(self.clock.now)  # schedules fire on it; use cases see it too
        self.registry = FunctionRegistry(self.template)
        register_functions(self.template, self.registry, clients)
        patch_moto_invoke(self.registry)
        provision_state_machines(self.template, clients["stepfunctions"])
        provision_time_triggers(self.template, clients["scheduler"], clients["events"])
        self._export_function_environment()
        self._start_messaging(clients)
        if data_dir:
            self.snapshotter = Snapshotter(
                root=data_dir / "aws",
                s3=clients["s3"],
                cognito=clients["cognito-idp"],
                buckets=[
                    self.template.physical[b] for b, _ in self.template.of_type("AWS::S3::Bucket")
                ],
                user_pool_id=self.user_pool_id,
                scheduler=clients["scheduler"],
                sqs=clients["sqs"],
            )
            self.snapshotter.restore()
        # Stream pollers start at the stream's end before the seed, as Lambda's event source
        # mappings exist before any data on AWS: seeded appointments get their reminders.
        self.streams = stream_pollers(
            self.template,
            self.client("dynamodb"),
            self.client("dynamodbstreams"),
            self.registry.invoke,
        )
        if opts.seed == "demo" and fresh:
            from clinicflow.local.seed import seed_demo

            seed_demo(self)
        self.firer = ScheduleFirer(
            clock=self.clock,
            scheduler=clients["scheduler"],
            events=clients["events"],
            start_execution=lambda arn, body, name: clients["stepfunctions"].start_execution(
                stateMachineArn=arn, input=body, name=name
            ),
            invoke_function=self._invoke_by_name,
            send_message=lambda arn, body: clients["sqs"].send_message(
                QueueUrl=self._queue_url(arn), MessageBody=body
            ),
        )
        self.pollers = sqs_pollers(self.template, clients["sqs"], self.registry.invoke)
        self._serve_http()
        self._tickers = [Ticker(self.firer.fire_due, opts.tick_seconds)]
        self._tickers += [Ticker(p.poll_once, opts.tick_seconds) for p in self.pollers]
        self._tickers += [Ticker(p.poll_once, opts.tick_seconds) for p in self.streams]
        if self.messaging:
            self._tickers.append(Ticker(self.messaging.flush, opts.tick_seconds))
        if self.snapshotter:
            self._tickers.append(Ticker(self.snapshotter.save, 5.0))
        for ticker in self._tickers:
            ticker.start()
        self._write_state()
        self._ready.set()
        return self

    def _health(self) -> Response:
        """200 once everything has started (state file written), 503 while starting."""
        if not self._ready.is_set():
            return _json({"status": "starting", "environment": "local"}, status=503)
        return _json({"status": "ok", "environment": "local"})

    def stop(self) -> None:
        """Stop everything; a data directory keeps what users made."""
        for ticker in self._tickers:
            ticker.stop()
        platform_clock.use_clock(None)
        if self.messaging:
            from clinicflow.messaging.service import use_clock

            use_clock(None)
        if self.snapshotter:
            self.snapshotter.save()
        if self._http:
            self._http.shutdown()
            self._http.server_close()
        if self.moto:
            self.moto.stop()
        if self.ddb and self.options.dynamodb is None:
            self.ddb.stop()
        if self.state_file:
            self.state_file.unlink(missing_ok=True)

    def advance_clock(self, delta: timedelta) -> int:
        """Move the clock forward and fire what became due; returns how many fired.

        Table stream records are handled first (as they would have been long before on AWS),
        and the delivery events of what the firing sent are published after.
        """
        self.drain_streams()
        self.clock.advance(delta)
        assert self.firer
        fired = self.firer.fire_due()
        self.flush_messaging()
        return fired

    def drain_streams(self) -> int:
        """Hand every pending table-stream record to its function now (tests)."""
        return sum(p.drain() for p in self.streams)

    def flush_messaging(self) -> int:
        """Publish pending SMS statuses, inbound texts and bounces now (tests)."""
        return self.messaging.flush() if self.messaging else 0

    def _start_messaging(self, clients: dict[str, Any]) -> None:
        """Close the End User Messaging SMS gap, capture SES emails, subscribe SNS functions."""
        assert self.template and self.moto
        topics = {
            logical: self.template.physical[logical]
            for logical, _ in self.template.of_type("AWS::SNS::Topic")
        }
        self.messaging = LocalMessaging(
            self.outbox,
            publish=lambda arn, body: clients["sns"].publish(TopicArn=arn, Message=body),
            status_topic=topics.get("SmsStatusTopic", ""),
            inbound_topic=topics.get("InboundSmsTopic", ""),
            feedback_topic=topics.get("EmailFeedbackTopic", ""),
            clock=self.clock.now,
        )
        if self.moto.app is not None:
            self.moto.app.messaging = self.messaging
        subscribe_sns_functions(self.template, clients["sns"])
        from clinicflow.messaging.service import use_clock

        use_clock(self.clock.now)  # reminders decide on the stack's (advanceable) clock
        sender = os.environ.get("EMAIL_FROM")
        if sender:  # SES refuses unverified senders (moto too): verify the local one
            clients["ses"].verify_email_identity(EmailAddress=sender)

    def _configure_environment(self) -> None:
        assert self.moto and self.ddb
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
                "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.moto.endpoint,
                "AWS_ENDPOINT_URL_DYNAMODB": self.ddb.endpoint,
                "CLINICFLOW_ENV": "local",
            }
        )
        os.environ.pop("POWERTOOLS_LOGGER_LOG_EVENT", None)

    def _export_function_environment(self) -> None:
        """Handlers run in this process: give it the functions' (Globals) environment."""
        assert self.template
        for logical_id, _ in self.template.of_type("AWS::Serverless::Function"):
            variables = self.template.function_props(logical_id)["Environment"]["Variables"]
            os.environ.update({k: str(v) for k, v in variables.items()})
        from clinicflow.platform.config import settings

        settings.cache_clear()

    def _invoke_by_name(self, function_name: str, event: dict[str, Any]) -> Any:
        assert self.registry
        logical_id = self.registry.logical_id_of(function_name)
        if logical_id is None:
            raise LookupError("schedule targets an unknown function")
        return self.registry.invoke(logical_id, event)

    def _queue_url(self, arn: str) -> str:
        assert self.moto
        name = arn.rsplit(":", 1)[-1]
        return f"{self.moto.endpoint}/123456789012/{name}"

    def _serve_http(self) -> None:
        assert self.template and self.registry and self.moto
        audiences = tuple(
            self.template.physical[c]
            for c, _ in self.template.of_type("AWS::Cognito::UserPoolClient")
        )
        pool = self.user_pool_id
        authorizer = CognitoAuthorizer(
            jwks_url=f"{self.moto.endpoint}/{pool}/.well-known/jwks.json",
            issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
            audiences=audiences,
        )
        import swagger_ui_bundle

        self.api = LocalApi(
            routes=self.template.routes(),
            registry=self.registry,
            authorizer=authorizer,
            static_dirs={
                "/docs/assets/": Path(str(swagger_ui_bundle.swagger_ui_path)),
                "/portal/": self.options.root / "portal",
            },
            static_headers={"/portal/": portal_headers(self.moto.endpoint)},
        )
        self.api.extra.update(
            {
                ("GET", "/health"): lambda r: self._health(),
                ("GET", "/openapi.json"): lambda r: _json(self.openapi_document()),
                ("GET", "/docs"): lambda r: Response(openapi.SWAGGER_HTML, mimetype="text/html"),
                ("GET", "/docs/assets/swagger-init.js"): lambda r: Response(
                    openapi.SWAGGER_INIT, mimetype="text/javascript"
                ),
                ("GET", "/"): lambda r: Response(status=302, headers={"Location": "/portal/"}),
                ("GET", "/_local/config"): lambda r: _json(self._public_config()),
                # The portal reads config.json (written at deploy time on AWS): same-origin API.
                ("GET", "/portal/config.json"): lambda r: _json(
                    {**self._public_config(), "apiBase": ""}
                ),
                ("GET", "/_local/outbox"): lambda r: _json({"messages": self.outbox.as_json()}),
                ("POST", "/_local/clock/advance"): self._clock_endpoint,
                ("POST", "/_local/sms/inbound"): self._sms_inbound_endpoint,
                ("POST", "/_local/email/bounce"): self._email_bounce_endpoint,
            }
        )
        self._http = make_server(self.options.host, self.options.port, self.api, threaded=True)
        self.options.port = int(self._http.server_address[1])
        thread = threading.Thread(target=self._http.serve_forever, name="local-api", daemon=True)
        thread.start()
        self._threads.append(thread)

    def openapi_document(self) -> dict[str, Any]:
        """The whole API's OpenAPI document (built once, on first use: it imports every handler)."""
        if self._openapi is None:
            assert self.template and self.registry
            self._openapi = openapi.build_openapi(self.template, self.registry)
        return self._openapi

    def _clock_endpoint(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        seconds = body.get("seconds")
        if not isinstance(seconds, int | float) or seconds < 0:
            return _json(
                {
                    "error": "validation_error",
                    "message": "seconds: a non-negative number is required",
                },
                422,
            )
        fired = self.advance_clock(timedelta(seconds=seconds))
        return _json({"now": self.clock.now().isoformat(), "fired": fired})

    def _sms_inbound_endpoint(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        sender, text, to = body.get("from"), body.get("body"), body.get("to")
        if not isinstance(sender, str) or not isinstance(text, str) or not self.messaging:
            return _json(
                {"error": "validation_error", "message": "from and body: strings are required"},
                422,
            )
        try:
            message = self.messaging.simulate_inbound(
                sender, text, to if isinstance(to, str) else None
            )
        except ValueError as exc:
            return _json({"error": "validation_error", "message": str(exc)}, 422)
        self.flush_messaging()
        return _json({"inbound_message_id": message["inboundMessageId"]}, 202)

    def _email_bounce_endpoint(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        to, kind = body.get("to"), body.get("type", "Permanent")
        if (
            not isinstance(to, str)
            or kind not in {"Permanent", "Transient", "Complaint"}
            or not self.messaging
        ):
            return _json(
                {
                    "error": "validation_error",
                    "message": "to: a string is required; type: Permanent, Transient or Complaint",
                },
                422,
            )
        try:
            event = self.messaging.simulate_bounce(to, kind)
        except ValueError as exc:
            return _json({"error": "validation_error", "message": str(exc)}, 422)
        self.flush_messaging()
        return _json({"message_id": event["mail"]["messageId"]}, 202)

    def _public_config(self) -> dict[str, Any]:
        assert self.moto
        return {
            "region": REGION,
            "userPoolId": self.user_pool_id,
            "clientId": self.portal_client_id,
            "cognitoEndpoint": self.moto.endpoint,
            "environment": "local",
        }

    @property
    def state_file(self) -> Path | None:
        """stack.json: how `clinicflow token` finds the running stack."""
        folder = self.options.state_dir or self.options.data_dir
        return folder / STATE_FILE if folder else None

    def _write_state(self) -> None:
        if self.state_file:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            state = {"api_url": self.api_url, **self._public_config()}
            self.state_file.write_text(json.dumps(state, indent=2))


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")


def portal_headers(aws_endpoint: str) -> dict[str, str]:
    """The portal's security headers, as template.yaml's CloudFront response headers policy sends
    them; connect-src names the emulator (Cognito and presigned S3 URLs) instead of AWS."""
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        f"connect-src 'self' {aws_endpoint}; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def _quiet_libraries() -> None:
    """Request lines of the emulators carry no PHI, but they are noise in the console."""
    for name in ("werkzeug", "botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
