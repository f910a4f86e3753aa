"""State machines and time-based triggers from template.yaml, created in the moto server.

- AWS::Serverless::StateMachine / AWS::StepFunctions::StateMachine: the ASL file
  (DefinitionUri, e.g. infra/statemachines/*.asl.json) with its DefinitionSubstitutions.
- `ScheduleV2` events (EventBridge Scheduler, with a time zone) of functions and state
  machines become Scheduler schedules; `Schedule` events (EventBridge rules, UTC) become
  rules. The local clock fires both (the emulator never does).
"""

from __future__ import annotations

import json
import re
from typing import Any

from clinicflow.local.template import Template

ROLE = "arn:aws:iam::123456789012:role/clinicflow-local-lambda"


def provision_state_machines(template: Template, stepfunctions: Any) -> None:
    """Create each state machine with its definition's substitutions resolved."""
    for logical_id, resource in template.of_type(
        "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"
    ):
        props = template.props(logical_id)
        definition = _definition(template, resource["Type"], props)
        substitutions = {k: str(v) for k, v in props.get("DefinitionSubstitutions", {}).items()}
        for key, value in substitutions.items():
            definition = definition.replace("${" + key + "}", value)
        unresolved = re.findall(r"\$\{(\w+)\}", definition)
        if unresolved:
            raise ValueError(f"{logical_id}: unresolved substitutions {sorted(set(unresolved))}")
        name = (
            props.get("Name") or props.get("StateMachineName") or f"clinicflow-local-{logical_id}"
        )
        arn = stepfunctions.create_state_machine(
            name=name, definition=definition, roleArn=ROLE, type=props.get("Type", "STANDARD")
        )["stateMachineArn"]
        template.physical[logical_id] = arn
        template.arns[logical_id] = arn


def _definition(template: Template, kind: str, props: dict[str, Any]) -> str:
    if kind == "AWS::Serverless::StateMachine":
        if "Definition" in props:
            return json.dumps(props["Definition"])
        return (template.root / str(props["DefinitionUri"])).read_text()
    if "DefinitionString" in props:
        return str(props["DefinitionString"])
    return json.dumps(props["Definition"])


def provision_time_triggers(template: Template, scheduler: Any, events: Any) -> None:
    """Turn `ScheduleV2`/`Schedule` events of functions and state machines into schedules/rules."""
    for logical_id, resource in template.of_type(
        "AWS::Serverless::Function", "AWS::Serverless::StateMachine"
    ):
        target_arn = template.arns[logical_id]
        for event_name, event in resource.get("Properties", {}).get("Events", {}).items():
            p = template.resolve(event.get("Properties", {}))
            name = f"{logical_id}-{event_name}"[:64]
            if event.get("Type") == "ScheduleV2":
                schedule: dict[str, Any] = {
                    "Name": p.get("Name") or name,
                    "ScheduleExpression": p["ScheduleExpression"],
                    "FlexibleTimeWindow": p.get("FlexibleTimeWindow", {"Mode": "OFF"}),
                    "Target": {"Arn": target_arn, "RoleArn": ROLE, "Input": p.get("Input", "{}")},
                    "State": p.get("State", "ENABLED"),
                }
                if p.get("ScheduleExpressionTimezone"):
                    schedule["ScheduleExpressionTimezone"] = p["ScheduleExpressionTimezone"]
                if p.get("GroupName"):
                    schedule["GroupName"] = p["GroupName"]
                scheduler.create_schedule(**schedule)
            elif event.get("Type") == "Schedule":
                enabled = p.get("Enabled", True) and p.get("State", "ENABLED") == "ENABLED"
                events.put_rule(
                    Name=p.get("Name") or name,
                    ScheduleExpression=p["Schedule"],
                    State="ENABLED" if enabled else "DISABLED",
                )
                events.put_targets(
                    Rule=p.get("Name") or name,
                    Targets=[{"Id": "target", "Arn": target_arn, "Input": p.get("Input", "{}")}],
                )
