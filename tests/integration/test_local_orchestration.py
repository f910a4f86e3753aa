"""Step Functions and scheduled triggers on the local stack run the real handlers."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from clinicflow.local.stack import LocalStack
from clinicflow.local.state_machines import provision_state_machines, provision_time_triggers
from clinicflow.local.template import Template
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

HEALTH_EVENT = {
    "resource": "/nowhere",
    "path": "/nowhere",
    "httpMethod": "GET",
    "headers": {},
    "requestContext": {"requestId": "sfn", "stage": "local"},
    "body": None,
    "isBase64Encoded": False,
}


def _template_with(stack: LocalStack, resources: dict) -> Template:
    template = Template(root=ROOT, body={"Resources": resources})
    assert stack.template is not None
    template.arns.update(stack.template.arns)
    template.physical.update(stack.template.physical)
    return template


def test_state_machine_lambda_task_runs_the_real_handler(stack: LocalStack):
    assert stack.template is not None
    definition = {
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": "${PatientsArn}", "End": True}},
    }
    template = _template_with(
        stack,
        {
            "Probe": {
                "Type": "AWS::Serverless::StateMachine",
                "Properties": {
                    "Definition": definition,
                    "Name": "probe",
                    "DefinitionSubstitutions": {
                        "PatientsArn": {"Fn::GetAtt": ["PatientsFunction", "Arn"]}
                    },
                },
            }
        },
    )
    sfn = stack.client("stepfunctions")
    provision_state_machines(template, sfn)
    execution = sfn.start_execution(
        stateMachineArn=template.arns["Probe"], input=json.dumps(HEALTH_EVENT)
    )["executionArn"]
    for _ in range(100):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.1)
    assert described["status"] == "SUCCEEDED", described
    # Powertools answered: the handler itself ran, in-process, and routed the event.
    assert json.loads(described["output"])["statusCode"] == 404


def test_template_schedule_v2_fires_on_the_local_clock_in_its_time_zone(stack: LocalStack):
    sqs = stack.client("sqs")
    url = sqs.create_queue(QueueName="nightly-probe")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    template = _template_with(
        stack,
        {
            "Nightly": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Events": {
                        "Every": {
                            "Type": "ScheduleV2",
                            "Properties": {
                                "ScheduleExpression": "rate(1 hours)",
                                "ScheduleExpressionTimezone": "America/Denver",
                                "Input": json.dumps({"job": "nightly"}),
                            },
                        }
                    }
                },
            }
        },
    )
    template.arns["Nightly"] = arn  # deliver to a queue we can read
    provision_time_triggers(template, stack.client("scheduler"), stack.client("events"))
    stack.advance_clock(timedelta(seconds=1))
    fired = stack.advance_clock(timedelta(hours=3, minutes=1))
    assert fired >= 3
    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert bodies and all(b == {"job": "nightly"} for b in bodies)
    stack.client("scheduler").delete_schedule(Name="Nightly-Every")


def test_direct_invoke_runs_the_real_handler(stack: LocalStack):
    response = stack.client("lambda").invoke(
        FunctionName="clinicflow-local-patients", Payload=json.dumps(HEALTH_EVENT).encode()
    )
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["statusCode"] == 404
