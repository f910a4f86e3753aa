"""Run the project's real Lambda handlers in-process wherever moto would invoke a function.

moto's single Docker choke point is `LambdaFunction._invoke_lambda`; pointing it at the
handlers makes direct invokes, SQS event-source mappings and Step Functions Lambda tasks
run the same code AWS runs.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from clinicflow.local.moto_server import released_moto_lock
from clinicflow.local.template import ACCOUNT_ID, REGION, Template

Handler = Callable[[dict[str, Any], Any], Any]
logger = logging.getLogger("clinicflow.local")


@dataclass(frozen=True)
class LambdaContext:
    """The parts of the Lambda context object handlers and Powertools read."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        """The function's ARN."""
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Handlers may ask; locally there is no deadline."""
        return 900_000


class FunctionRegistry:
    """Function name → its loaded handler, from template.yaml's Serverless functions."""

    def __init__(self, template: Template) -> None:
        self._template = template
        self._handlers: dict[str, Handler] = {}
        self._modules: dict[str, ModuleType] = {}
        self.names: dict[str, str] = {}  # logical id → function name

    def handler(self, logical_id: str) -> Handler:
        """Load (once) and return a function's handler."""
        if logical_id not in self._handlers:
            props = self._template.function_props(logical_id)
            module_name, attr = str(props["Handler"]).rsplit(".", 1)
            path = self._template.root / str(props["CodeUri"]) / f"{module_name}.py"
            spec = importlib.util.spec_from_file_location(f"clinicflow_fn_{logical_id}", path)
            if spec is None or spec.loader is None:
                raise RuntimeError(f"cannot load handler of {logical_id} from {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._modules[logical_id] = module
            self._handlers[logical_id] = getattr(module, attr)
        return self._handlers[logical_id]

    def module(self, logical_id: str) -> ModuleType:
        """The loaded module of a function (after `handler`)."""
        self.handler(logical_id)
        return self._modules[logical_id]

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Call a function's handler with an event, as Lambda would."""
        name = self.names.get(logical_id, logical_id)
        context = LambdaContext(function_name=name, aws_request_id=str(uuid.uuid4()))
        return self.handler(logical_id)(event, context)

    def logical_id_of(self, function_name: str) -> str | None:
        """The template logical id of a deployed function name."""
        for logical_id, name in self.names.items():
            if name == function_name:
                return logical_id
        return None


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "code runs in-process from functions/")
    return buffer.getvalue()


def register_functions(
    template: Template, registry: FunctionRegistry, clients: dict[str, Any]
) -> None:
    """Create each template function in moto's Lambda (SQS sources are polled: event_sources)."""
    role = clients["iam"].create_role(
        RoleName="clinicflow-local-lambda",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    code = _empty_zip()
    for logical_id, _ in template.of_type("AWS::Serverless::Function"):
        props = template.function_props(logical_id)
        name = props.get("FunctionName") or f"clinicflow-local-{logical_id}"
        registry.names[logical_id] = name
        arn = clients["lambda"].create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler=str(props["Handler"]),
            Code={"ZipFile": code},
            Environment=props.get("Environment", {}),
            Timeout=int(props.get("Timeout", 15)),
        )["FunctionArn"]
        template.physical[logical_id] = name
        template.arns[logical_id] = arn


def patch_moto_invoke(registry: FunctionRegistry) -> None:
    """Point moto's Docker-based invoke at the in-process handlers."""
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self: Any, event: str | None = None) -> tuple[str, bool, str]:
        logical_id = registry.logical_id_of(self.function_name)
        if logical_id is None:
            return json.dumps({"errorMessage": "unknown function"}), True, ""
        payload = json.loads(event) if isinstance(event, str | bytes) and event else (event or {})
        with released_moto_lock():
            try:
                result = registry.invoke(logical_id, payload)
            except Exception as exc:  # report as Lambda does: errored invocation, no values
                logger.error(
                    "function failed",
                    extra={"function": logical_id, "error_type": type(exc).__name__},
                )
                error = {"errorType": type(exc).__name__, "errorMessage": "handler raised"}
                return json.dumps(error), True, ""
        return json.dumps(result, default=str), False, ""

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
