"""template.yaml, transformed offline by aws-sam-translator as CloudFormation would.

No AWS calls: local code paths are replaced by S3 locations (what `sam package` does), the
managed-policy map is supplied here and the region comes from an offline boto3 session.
cfn-lint runs separately in `make test`; these tests check the properties cfn-lint cannot:
security and compliance rules of this project.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for name, path in {
        "AWSLambdaBasicExecutionRole": "service-role/",
        "AWSLambdaSQSQueueExecutionRole": "service-role/",
        "AWSXRayDaemonWriteAccess": "",
        "AWSStepFunctionsReadOnlyAccess": "",
    }.items()
}
LOCAL_URIS = ("CodeUri", "ContentUri", "DefinitionUri")
DATA_SERVICES = ("dynamodb", "s3", "sqs", "sns", "kms", "ses", "states", "scheduler")
COGNITO = "cognito_user_pools"
AUDIT_ACTIONS = {"dynamodb:PutItem", "dynamodb:Query"}
PHI_FREE_CONTEXT = {
    "$context.requestId",
    "$context.requestTime",
    "$context.requestTimeEpoch",
    "$context.identity.sourceIp",
    "$context.identity.caller",
    "$context.identity.apiKeyId",
    "$context.authorizer.claims.sub",
    "$context.httpMethod",
    "$context.resourcePath",
    "$context.status",
    "$context.responseLength",
    "$context.responseLatency",
    "$context.protocol",
}


def _sam() -> dict[str, Any]:
    return yaml_parse(TEMPLATE.read_text())  # type: ignore[no-any-return]


def _packaged(sam: dict[str, Any]) -> dict[str, Any]:
    """The template as `sam package` uploads it: local code paths become S3 locations."""
    out = copy.deepcopy(sam)
    for logical_id, resource in out["Resources"].items():
        props = resource.get("Properties", {})
        for key in LOCAL_URIS:
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://clinicflow-artifacts/{logical_id}"
    return out


def _transform(sam: dict[str, Any]) -> dict[str, Any]:
    session = boto3.session.Session(region_name="us-east-1")  # offline: no credentials used
    translator = Translator(MANAGED_POLICIES, Parser(), boto_session=session)
    return translator.translate(_packaged(sam), parameter_values={})  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return _sam()


@pytest.fixture(scope="module")
def cfn(sam: dict[str, Any]) -> dict[str, Any]:
    return _transform(sam)


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _refs(value: Any, logical_id: str) -> bool:
    """Whether an (intrinsic) value refers to the given resource."""
    text = json.dumps(value)
    return (
        f'"Ref": "{logical_id}"' in text
        or f'"{logical_id}.' in text
        or f'["{logical_id}", ' in text
        or "${" + logical_id + "." in text
        or "${" + logical_id + "}" in text
    )


def _rest_api_body(cfn: dict[str, Any]) -> dict[str, Any]:
    (api,) = _of_type(cfn, "AWS::ApiGateway::RestApi").values()
    return api["Properties"]["Body"]  # type: ignore[no-any-return]


def _operations(body: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in body["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def _allow_statements(cfn: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Allow statement of every identity policy (roles, managed and inline policies)."""
    for logical_id, resource in cfn["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif resource["Type"] in {"AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"}:
            docs = [props["PolicyDocument"]]
        else:
            continue
        for doc in docs:
            for statement in _list(doc["Statement"]):
                if statement.get("Effect") == "Allow":
                    yield logical_id, statement


def wildcard_data_actions(cfn: dict[str, Any]) -> list[str]:
    """`*` or `service:*`-style actions on data services, as `policy: action`."""
    found = []
    for logical_id, statement in _allow_statements(cfn):
        for action in _list(statement.get("Action", [])):
            service = action.split(":", 1)[0].lower()
            if action == "*" or (service in DATA_SERVICES and "*" in action):
                found.append(f"{logical_id}: {action}")
    return found


def audit_table_grants_beyond_append_and_query(cfn: dict[str, Any]) -> list[str]:
    """DynamoDB actions any policy allows on the audit table other than Put/Query/BatchWrite."""
    found = []
    for logical_id, statement in _allow_statements(cfn):
        resources = _list(statement.get("Resource", []))
        if not any(r == "*" or _refs(r, "AuditTable") for r in resources):
            continue
        for action in _list(statement.get("Action", [])):
            if action.lower().startswith("dynamodb:") and action not in AUDIT_ACTIONS:
                found.append(f"{logical_id}: {action}")
    return found


def api_keys_used_as_authorisation(body: dict[str, Any]) -> list[str]:
    """Routes that require an API key without also requiring an OAuth2-scoped authorizer."""
    schemes = body.get("components", {}).get("securitySchemes", {})
    schemes |= body.get("securityDefinitions", {})
    found = []
    for path, method, op in _operations(body):
        requirements = {k: v for entry in op.get("security", []) for k, v in entry.items()}
        if "api_key" not in requirements:
            continue
        scoped = [
            name
            for name, scopes in requirements.items()
            if scopes and schemes.get(name, {}).get("x-amazon-apigateway-authtype") == COGNITO
        ]
        if not scoped:
            found.append(f"{method.upper()} {path}")
    return found


# --- the transform -------------------------------------------------------------------


def test_transform_produces_the_expected_resources(
    sam: dict[str, Any], cfn: dict[str, Any]
) -> None:
    functions = _of_type(sam, "AWS::Serverless::Function")
    assert functions, "the template defines no function"
    lambdas = _of_type(cfn, "AWS::Lambda::Function")
    assert set(functions) <= set(lambdas)
    for logical_id in functions:
        assert lambdas[logical_id]["Properties"]["Runtime"] == "python3.13"
        assert lambdas[logical_id]["Properties"]["Architectures"] == ["arm64"]
        assert lambdas[logical_id]["Properties"]["Layers"], f"{logical_id} has no layer"
    assert len(_of_type(cfn, "AWS::ApiGateway::RestApi")) == 1
    assert len(_of_type(cfn, "AWS::ApiGateway::Stage")) == 1  # no stray "Stage" stage
    assert len(_of_type(cfn, "AWS::Lambda::LayerVersion")) == 1
    assert _of_type(cfn, "AWS::ApiGateway::UsagePlan")
    assert _of_type(cfn, "AWS::Cognito::UserPool")


def test_staff_routes_use_the_cognito_user_pool_authorizer(
    sam: dict[str, Any], cfn: dict[str, Any]
) -> None:
    body = _rest_api_body(cfn)
    schemes = body["components"]["securitySchemes"]
    authorizer = schemes["StaffAuthorizer"]
    assert authorizer["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert authorizer["x-amazon-apigateway-authorizer"]["type"] == "cognito_user_pools"
    assert _refs(authorizer["x-amazon-apigateway-authorizer"]["providerARNs"], "UserPool")

    operations = {(path, method): op for path, method, op in _operations(body)}
    for logical_id, fn in _of_type(sam, "AWS::Serverless::Function").items():
        for name, event in fn["Properties"].get("Events", {}).items():
            if event["Type"] != "Api":
                continue
            p = event["Properties"]
            op = operations.get((p["Path"], p["Method"].lower()))
            assert op is not None, f"{logical_id}.{name} is not routed by the REST API"
            security = {k for entry in op.get("security", []) for k in entry}
            assert security - {"api_key"}, f"{p['Method']} {p['Path']} has no authorizer"
            if p.get("Auth", {}).get("Authorizer") != "NONE":
                assert "StaffAuthorizer" in security, f"{p['Method']} {p['Path']}"


def test_partner_api_keys_only_meter(sam: dict[str, Any], cfn: dict[str, Any]) -> None:
    assert api_keys_used_as_authorisation(_rest_api_body(cfn)) == []
    (plan,) = _of_type(cfn, "AWS::ApiGateway::UsagePlan").values()
    (stage_id,) = _of_type(cfn, "AWS::ApiGateway::Stage")
    assert _refs(plan["Properties"]["ApiStages"], stage_id)
    assert plan["Properties"]["Throttle"] and plan["Properties"]["Quota"]
    # Keys are issued per partner at onboarding (docs/deploy.md), never one shared key here.
    assert not _of_type(cfn, "AWS::ApiGateway::ApiKey")


def test_the_api_key_rule_catches_a_key_used_as_authorisation(sam: dict[str, Any]) -> None:
    broken = copy.deepcopy(sam)
    fn = next(iter(_of_type(broken, "AWS::Serverless::Function").values()))
    fn["Properties"].setdefault("Events", {})["PartnerOnlyKey"] = {
        "Type": "Api",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "Path": "/partner/ping",
            "Method": "GET",
            "Auth": {"Authorizer": "NONE", "ApiKeyRequired": True},
        },
    }
    fn["Properties"]["Events"]["PartnerScoped"] = {
        "Type": "Api",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "Path": "/partner/claims",
            "Method": "POST",
            "Auth": {
                "Authorizer": "StaffAuthorizer",
                "ApiKeyRequired": True,
                "AuthorizationScopes": ["clinicflow/claims.write"],
            },
        },
    }
    assert api_keys_used_as_authorisation(_rest_api_body(_transform(broken))) == [
        "GET /partner/ping"
    ]


# --- logging -------------------------------------------------------------------------


def test_api_access_log_records_no_phi(cfn: dict[str, Any]) -> None:
    (stage,) = _of_type(cfn, "AWS::ApiGateway::Stage").values()
    setting = stage["Properties"]["AccessLogSetting"]
    fields = json.loads(setting["Format"])
    assert set(fields.values()) <= PHI_FREE_CONTEXT, "access log fields must be PHI-free"
    assert {"requestId", "ip", "caller", "httpMethod", "resourcePath", "status"} <= set(fields)
    assert "responseLength" in fields
    log_group = setting["DestinationArn"]["Fn::GetAtt"][0]
    assert _refs(cfn["Resources"][log_group]["Properties"]["KmsKeyId"], "DataKey")
    for method in stage["Properties"]["MethodSettings"]:
        assert method["DataTraceEnabled"] is False
        assert method["LoggingLevel"] == "OFF"


def test_every_function_logs_to_its_own_encrypted_log_group(sam: dict[str, Any]) -> None:
    log_groups = _of_type(sam, "AWS::Logs::LogGroup")
    for logical_id, fn in _of_type(sam, "AWS::Serverless::Function").items():
        props = fn["Properties"]
        name = props.get("FunctionName", {}).get("Fn::Sub", "")
        assert name.startswith("clinicflow-${Stage}-"), f"{logical_id} needs FunctionName"
        group_id = props.get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
        assert group_id in log_groups, f"{logical_id} needs LoggingConfig.LogGroup"
        group = log_groups[group_id]["Properties"]
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{name}"}
    assert log_groups
    for logical_id, group in log_groups.items():
        props = group["Properties"]
        assert props.get("RetentionInDays") == {"Ref": "LogRetentionDays"}, logical_id
        assert props.get("KmsKeyId") == {"Fn::GetAtt": ["DataKey", "Arn"]}, logical_id


# --- data at rest --------------------------------------------------------------------


# Buckets of static code only (the portal's HTML/JS/CSS): never data, so not the data key.
STATIC_FILE_BUCKETS = {"PortalBucket"}


def test_data_at_rest_uses_the_customer_managed_key(sam: dict[str, Any]) -> None:
    key = sam["Resources"]["DataKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain", "retained data must stay readable"
    logs_grant = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if "logs." in json.dumps(s)
    ]
    assert logs_grant and all("Condition" in s for s in logs_grant)
    for table_id, table in _of_type(sam, "AWS::DynamoDB::Table").items():
        sse = table["Properties"]["SSESpecification"]
        assert sse["SSEType"] == "KMS" and _refs(sse["KMSMasterKeyId"], "DataKey"), table_id
    for bucket_id, bucket in _of_type(sam, "AWS::S3::Bucket").items():
        rules = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        default = rules[0]["ServerSideEncryptionByDefault"]
        if bucket_id in STATIC_FILE_BUCKETS:  # no data; CloudFront OAC reads SSE-S3 keylessly
            assert default["SSEAlgorithm"] == "AES256", bucket_id
            continue
        assert default["SSEAlgorithm"] == "aws:kms", bucket_id
        assert _refs(default["KMSMasterKeyID"], "DataKey"), bucket_id
    for queue_id, queue in _of_type(sam, "AWS::SQS::Queue").items():
        assert _refs(queue["Properties"].get("KmsMasterKeyId"), "DataKey"), queue_id
    for topic_id, topic in _of_type(sam, "AWS::SNS::Topic").items():
        assert _refs(topic["Properties"].get("KmsMasterKeyId"), "DataKey"), topic_id


def test_data_survives_mistakes(sam: dict[str, Any], cfn: dict[str, Any]) -> None:
    for table_id, table in _of_type(sam, "AWS::DynamoDB::Table").items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], table_id
        assert props["DeletionProtectionEnabled"] is True, table_id
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", table_id
    for bucket_id, bucket in _of_type(sam, "AWS::S3::Bucket").items():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"]["Status"] == "Enabled", bucket_id
        assert all(props["PublicAccessBlockConfiguration"].values()), bucket_id
        assert bucket["DeletionPolicy"] == "Retain", bucket_id
        policies = [
            p
            for p in _of_type(cfn, "AWS::S3::BucketPolicy").values()
            if _refs(p["Properties"]["Bucket"], bucket_id)
        ]
        assert any("aws:SecureTransport" in json.dumps(p) for p in policies), bucket_id


def test_staff_sign_in_requires_mfa_and_practice_claim_is_not_writable(sam: dict[str, Any]) -> None:
    (pool,) = _of_type(sam, "AWS::Cognito::UserPool").values()
    assert pool["Properties"]["MfaConfiguration"] == "ON"
    practice = [a for a in pool["Properties"]["Schema"] if a["Name"] == "practice_id"]
    assert practice and practice[0]["Mutable"] is False
    for client_id, client in _of_type(sam, "AWS::Cognito::UserPoolClient").items():
        writable = client["Properties"].get("WriteAttributes", [])
        assert "custom:practice_id" not in writable, client_id


# --- IAM -----------------------------------------------------------------------------


def test_no_wildcard_actions_on_data(cfn: dict[str, Any]) -> None:
    assert wildcard_data_actions(cfn) == []


def test_audit_records_can_only_be_appended_and_queried(cfn: dict[str, Any]) -> None:
    assert audit_table_grants_beyond_append_and_query(cfn) == []


def test_the_iam_rules_catch_violations(sam: dict[str, Any]) -> None:
    broken = copy.deepcopy(sam)
    fn = next(iter(_of_type(broken, "AWS::Serverless::Function").values()))
    fn["Properties"]["Policies"] = [
        {"DynamoDBCrudPolicy": {"TableName": {"Ref": "AuditTable"}}},
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
    ]
    cfn = _transform(broken)
    assert "dynamodb:DeleteItem" in " ".join(audit_table_grants_beyond_append_and_query(cfn))
    assert "dynamodb:UpdateItem" in " ".join(audit_table_grants_beyond_append_and_query(cfn))
    assert any(v.endswith("s3:*") for v in wildcard_data_actions(cfn))


# --- what `sam build` needs ----------------------------------------------------------


def test_code_locations_exist(sam: dict[str, Any]) -> None:
    for logical_id, fn in _of_type(sam, "AWS::Serverless::Function").items():
        props = fn["Properties"]
        module = props["Handler"].rsplit(".", 1)[0]
        assert (ROOT / props["CodeUri"] / f"{module}.py").is_file(), logical_id
    for logical_id, layer in _of_type(sam, "AWS::Serverless::LayerVersion").items():
        assert layer["Metadata"]["BuildMethod"] == "makefile", logical_id
        makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text()
        assert f"build-{logical_id}:" in makefile, logical_id
