"""A lint of every Step Functions definition, `infra/statemachines/*.asl.json`.

cfn-lint does not read `DefinitionUri` files, so this does: the JSON parses, StartAt names a
state, every transition (Next, Default, Choices, Catch) names a state, every state is
reachable, a terminal state exists, and each Task's Resource is an ARN or a `${Name}`
substitution that the template's DefinitionSubstitutions defines. The linter is unit-tested
on in-test documents, good and broken, so it is proven even while no machine exists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
STATES_DIR = ROOT / "infra" / "statemachines"
ASL_GLOB = "*.asl.json"
STATE_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
FINAL_TYPES = {"Succeed", "Fail"}
SUBSTITUTION = re.compile(r"\$\{([^}]+)\}")


# --- the linter ----------------------------------------------------------------------


def lint_asl(document: Any, substitutions: set[str] | None = None) -> list[str]:
    """Problems of one state machine definition; `substitutions=None` skips that check."""
    if not isinstance(document, dict):
        return ["the definition is not a JSON object"]
    problems: list[str] = []
    _lint_machine(document, "", problems)
    if substitutions is not None:
        used = set(SUBSTITUTION.findall(json.dumps(document)))
        problems += [
            f"${{{n}}} is not in DefinitionSubstitutions" for n in sorted(used - substitutions)
        ]
    return problems


def _lint_machine(machine: dict[str, Any], where: str, problems: list[str]) -> None:
    states = machine.get("States")
    if not isinstance(states, dict) or not states:
        problems.append(f"{where}States is missing or empty")
        return
    start = machine.get("StartAt")
    if start not in states:
        problems.append(f"{where}StartAt {start!r} is not a state")
    edges = {
        name: _lint_state(name, state, states, where, problems) for name, state in states.items()
    }
    reached: set[str] = set()
    todo = [start] if start in states else []
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += [t for t in edges[name] if t in states]
    problems += [
        f"{where}{name}: unreachable from StartAt" for name in states if name not in reached
    ]
    if not any(_is_final(state) for state in states.values()):
        problems.append(f"{where}no terminal state (End: true, Succeed or Fail)")


def _is_final(state: Any) -> bool:
    return isinstance(state, dict) and (
        state.get("Type") in FINAL_TYPES or state.get("End") is True
    )


def _lint_state(
    name: str, state: Any, states: dict[str, Any], where: str, problems: list[str]
) -> list[str]:
    here = f"{where}{name}: "
    kind = state.get("Type") if isinstance(state, dict) else None
    if kind not in STATE_TYPES:
        problems.append(f"{here}unknown Type {kind!r}")
        return []
    targets = _transitions(state, kind, here, problems)
    problems += [f"{here}transition to unknown state {t!r}" for t in targets if t not in states]
    if kind == "Task":
        resource = state.get("Resource")
        if not isinstance(resource, str) or not (
            resource.startswith("arn:") or SUBSTITUTION.fullmatch(resource)
        ):
            problems.append(f"{here}Task Resource must be an ARN or a ${{Substitution}}")
    if kind == "Parallel":
        branches = state.get("Branches") or []
        if not branches:
            problems.append(f"{here}Parallel without Branches")
        for i, branch in enumerate(branches):
            _lint_machine(branch, f"{here}branch {i}: ", problems)
    if kind == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, dict):
            _lint_machine(processor, f"{here}item processor: ", problems)
        else:
            problems.append(f"{here}Map without ItemProcessor")
    return [t for t in targets if isinstance(t, str)]


def _transitions(state: dict[str, Any], kind: str, here: str, problems: list[str]) -> list[Any]:
    targets: list[Any] = [c.get("Next") for c in state.get("Catch", [])]
    if kind == "Choice":
        choices = state.get("Choices") or []
        if not choices:
            problems.append(f"{here}Choice without Choices")
        targets += [c.get("Next") for c in choices]
        if "Default" in state:
            targets.append(state["Default"])
    elif kind not in FINAL_TYPES:
        has_next, ends = "Next" in state, state.get("End") is True
        if has_next == ends:
            problems.append(f"{here}needs exactly one of Next or End: true")
        if has_next:
            targets.append(state["Next"])
    return targets


# --- the template's state machines ---------------------------------------------------


def _template_machines() -> dict[Path, set[str]]:
    """Definition files the template points at, with the substitutions each may use."""
    template = yaml_parse((ROOT / "template.yaml").read_text())
    machines = {}
    for resource in template["Resources"].values():
        if resource["Type"] not in {
            "AWS::Serverless::StateMachine",
            "AWS::StepFunctions::StateMachine",
        }:
            continue
        props = resource["Properties"]
        uri = props.get("DefinitionUri")
        if isinstance(uri, str):
            machines[(ROOT / uri).resolve()] = set(props.get("DefinitionSubstitutions", {}))
    return machines


ASL_FILES = sorted(STATES_DIR.glob(ASL_GLOB))


def test_the_template_and_the_glob_agree_on_the_definition_files() -> None:
    referenced = set(_template_machines())
    for path in referenced:
        assert path.is_file(), f"DefinitionUri {path} does not exist"
        assert path.match(f"infra/statemachines/{ASL_GLOB}"), f"{path} is outside the linted glob"
    assert {p.resolve() for p in ASL_FILES} == referenced, "every definition file is deployed"


@pytest.mark.parametrize("path", ASL_FILES, ids=[p.name for p in ASL_FILES])
def test_definition_file_is_valid(path: Path) -> None:
    document = json.loads(path.read_text())
    substitutions = _template_machines().get(path.resolve(), set())
    assert lint_asl(document, substitutions) == []


# --- the linter, on in-test documents ------------------------------------------------

GOOD: dict[str, Any] = {
    "Comment": "claim cycle, in miniature",
    "StartAt": "Validate",
    "States": {
        "Validate": {
            "Type": "Task",
            "Resource": "${ValidateClaimFunctionArn}",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
            "Next": "Clean?",
        },
        "Clean?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.clean", "BooleanEquals": True, "Next": "Submit"}],
            "Default": "Failed",
        },
        "Submit": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Send",
                "States": {
                    "Send": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::sqs:sendMessage",
                        "End": True,
                    }
                },
            },
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Failed": {"Type": "Fail", "Error": "ClaimRejected"},
    },
}


def _broken(**changes: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(GOOD))
    for state, props in changes.items():
        if props is None:
            del document["States"][state]
        else:
            document["States"][state] = props
    return document


def test_a_valid_definition_has_no_problems() -> None:
    assert lint_asl(GOOD, {"ValidateClaimFunctionArn"}) == []


@pytest.mark.parametrize(
    ("document", "substitutions", "problem"),
    [
        ([], None, "not a JSON object"),
        ({"StartAt": "A", "States": {}}, None, "States is missing or empty"),
        ({**GOOD, "StartAt": "Nope"}, None, "StartAt 'Nope' is not a state"),
        (_broken(Done=None), None, "transition to unknown state 'Done'"),
        (
            _broken(**{"Clean?": {**GOOD["States"]["Clean?"], "Default": "Gone"}}),
            None,
            "Clean?: transition to unknown state 'Gone'",
        ),
        (_broken(Orphan={"Type": "Pass", "End": True}), None, "Orphan: unreachable"),
        (
            _broken(Done={"Type": "Pass", "Next": "Done"}, Failed={"Type": "Pass", "Next": "Done"}),
            None,
            "no terminal state",
        ),
        (_broken(Done={"Type": "Pass"}), None, "Done: needs exactly one of Next or End"),
        (_broken(Done={"Type": "Sleep"}), None, "Done: unknown Type 'Sleep'"),
        (
            _broken(Validate={**GOOD["States"]["Validate"], "Resource": "validate-claim"}),
            None,
            "Task Resource must be an ARN or a ${Substitution}",
        ),
        (GOOD, set(), "${ValidateClaimFunctionArn} is not in DefinitionSubstitutions"),
        (
            _broken(
                Submit={**GOOD["States"]["Submit"], "ItemProcessor": {"StartAt": "X", "States": {}}}
            ),
            None,
            "Submit: item processor: States is missing or empty",
        ),
    ],
)
def test_the_linter_reports_each_broken_rule(
    document: Any, substitutions: set[str] | None, problem: str
) -> None:
    problems = lint_asl(document, substitutions)
    assert any(problem in p for p in problems), problems
