"""Read template.yaml - the one list of AWS resources - and resolve it for the local stack."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
STAGE = "local"


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that turns CloudFormation short tags into their long form."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template."""
    data = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 (SafeLoader subclass)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a template")
    return data


@dataclass(frozen=True)
class ApiRoute:
    """One `Type: Api` event of a function: the HTTP route API Gateway would serve."""

    function: str
    method: str
    path: str
    authorized: bool

    @property
    def pattern(self) -> re.Pattern[str]:
        """The path template as a regex with one named group per `{param}`."""
        parts = re.split(r"\{(\w+)\+?\}", self.path)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
        )
        return re.compile(f"^{regex}$")


@dataclass
class Template:
    """A parsed template plus the physical names the local stack gave its resources."""

    root: Path
    body: dict[str, Any]
    physical: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path) -> Template:
        """Load template.yaml from a checkout."""
        return cls(root=path.parent, body=load(path))

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Logical id → resource."""
        resources: dict[str, dict[str, Any]] = self.body.get("Resources", {})
        return resources

    def of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Resources of the given types, in template order."""
        for logical_id, resource in self.resources.items():
            if resource.get("Type") in types:
                yield logical_id, resource

    def props(self, logical_id: str) -> dict[str, Any]:
        """A resource's Properties, resolved for the local stack."""
        resolved = self.resolve(self.resources[logical_id].get("Properties", {}))
        return resolved if isinstance(resolved, dict) else {}

    def function_props(self, logical_id: str) -> dict[str, Any]:
        """A function's Properties merged over Globals.Function (as SAM does)."""
        merged = dict(self.body.get("Globals", {}).get("Function", {}))
        own = self.resources[logical_id].get("Properties", {})
        env = {
            **merged.get("Environment", {}).get("Variables", {}),
            **own.get("Environment", {}).get("Variables", {}),
        }
        merged.update(own)
        merged["Environment"] = {"Variables": env}
        resolved = self.resolve(merged)
        return resolved if isinstance(resolved, dict) else {}

    def parameter(self, name: str) -> str:
        """A parameter's local value (its default; Stage is `local`)."""
        if name == "Stage":
            return STAGE
        return str(self.body.get("Parameters", {}).get(name, {}).get("Default", ""))

    def routes(self) -> list[ApiRoute]:
        """Every API route of every function, as API Gateway would serve it."""
        default_auth = bool(
            self.body.get("Resources", {}).get("Api", {}).get("Properties", {}).get("Auth")
        )
        routes: list[ApiRoute] = []
        for logical_id, resource in self.of_type("AWS::Serverless::Function"):
            for event in resource.get("Properties", {}).get("Events", {}).values():
                if event.get("Type") != "Api":
                    continue
                p = event["Properties"]
                auth = p.get("Auth", {}).get("Authorizer", "default")
                routes.append(
                    ApiRoute(
                        function=logical_id,
                        method=str(p["Method"]).upper(),
                        path=str(p["Path"]),
                        authorized=default_auth and auth != "NONE",
                    )
                )
        return routes

    def resolve(self, value: Any) -> Any:
        """Resolve Ref/GetAtt/Sub/Join/Select/If-free intrinsics with local names."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(str(arg))
            if key == "Fn::GetAtt":
                name, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self._get_att(str(name), str(attr))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, parts = arg
                return str(sep).join(str(self.resolve(p)) for p in parts)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(index)]
        return {k: self.resolve(v) for k, v in value.items()}

    def _pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "clinicflow-local",
            "AWS::NoValue": "",
        }.get(name)

    def _ref(self, name: str) -> str:
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.body.get("Parameters", {}):
            return self.parameter(name)
        return self.physical.get(name, name)

    def _get_att(self, name: str, attr: str) -> str:
        if (name, attr) in self.attributes:
            return self.attributes[(name, attr)]
        if attr == "Arn":
            return self.arns.get(name, f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{name}")
        return self.physical.get(name, name)

    def _sub(self, arg: Any) -> str:
        text, extra = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in extra:
                return str(self.resolve(extra[token]))
            if "." in token and not token.startswith("AWS::"):
                name, attr = token.split(".", 1)
                return self._get_att(name, attr)
            return self._ref(token)

        return re.sub(r"\$\{([^}!]+)\}", replace, str(text))
