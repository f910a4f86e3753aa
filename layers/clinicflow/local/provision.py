"""Create every resource template.yaml declares, on DynamoDB Local and the moto server.

Idempotent: resources that already exist (tables persisted by DynamoDB Local) are kept.
The physical names are recorded on the Template so `Ref`/`GetAtt` resolve to them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from clinicflow.local.template import ACCOUNT_ID, REGION, Template

PREFIX = "clinicflow-local"


def physical_name(logical_id: str) -> str:
    """A deterministic local name for a resource (lower case, valid for S3 too)."""
    return f"{PREFIX}-{re.sub(r'(?<!^)(?=[A-Z])', '-', logical_id).lower()}"


def provision_tables(template: Template, dynamodb: Any) -> None:
    """Create the template's DynamoDB tables (with GSIs, TTL, streams) where missing."""
    existing = set(dynamodb.list_tables()["TableNames"])
    for logical_id, _ in template.of_type("AWS::DynamoDB::Table"):
        props = template.props(logical_id)
        name = props.get("TableName") or physical_name(logical_id)
        template.physical[logical_id] = name
        template.arns[logical_id] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        if name in existing:
            continue
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if props.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("StreamSpecification"):
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        dynamodb.create_table(**args)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def provision_aws(template: Template, clients: dict[str, Any]) -> None:
    """Create the non-DynamoDB resources in the moto server, in dependency-safe order."""
    for logical_id, _ in template.of_type("AWS::KMS::Key"):
        key = clients["kms"].create_key(Description=f"{PREFIX} {logical_id}")["KeyMetadata"]
        template.physical[logical_id] = key["KeyId"]
        template.arns[logical_id] = key["Arn"]
    for logical_id, _ in template.of_type("AWS::S3::Bucket"):
        name = physical_name(logical_id)
        template.physical[logical_id] = name
        template.arns[logical_id] = f"arn:aws:s3:::{name}"
        clients["s3"].create_bucket(Bucket=name)
        props = template.props(logical_id)
        if props.get("BucketEncryption"):
            clients["s3"].put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        _encryption_rule(r)
                        for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if props.get("CorsConfiguration"):
            clients["s3"].put_bucket_cors(
                Bucket=name,
                CORSConfiguration={
                    "CORSRules": [_cors_rule(r) for r in props["CorsConfiguration"]["CorsRules"]]
                },
            )
    _provision_queues(template, clients["sqs"])
    for logical_id, _ in template.of_type("AWS::SNS::Topic"):
        arn = clients["sns"].create_topic(Name=physical_name(logical_id))["TopicArn"]
        template.physical[logical_id] = arn
        template.arns[logical_id] = arn
    _provision_cognito(template, clients["cognito-idp"])
    for logical_id, _ in template.of_type("AWS::Scheduler::ScheduleGroup"):
        name = template.props(logical_id).get("Name") or physical_name(logical_id)
        arn = clients["scheduler"].create_schedule_group(Name=name)["ScheduleGroupArn"]
        template.physical[logical_id] = name
        template.arns[logical_id] = arn


def _provision_queues(template: Template, sqs: Any) -> None:
    queues = list(template.of_type("AWS::SQS::Queue"))
    # Dead-letter queues first, so redrive policies can name them.
    queues.sort(key=lambda item: "RedrivePolicy" in item[1].get("Properties", {}))
    for logical_id, _ in queues:
        props = template.props(logical_id)
        fifo = bool(props.get("FifoQueue"))
        name = props.get("QueueName") or physical_name(logical_id) + (".fifo" if fifo else "")
        attributes = {
            key: json.dumps(value)
            if isinstance(value, dict)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
            for key, value in props.items()
            if key
            in {
                "VisibilityTimeout",
                "MessageRetentionPeriod",
                "FifoQueue",
                "ContentBasedDeduplication",
                "RedrivePolicy",
                "DelaySeconds",
            }
        }
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        template.physical[logical_id] = url
        template.arns[logical_id] = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
        template.attributes[(logical_id, "QueueName")] = name
        template.attributes[(logical_id, "QueueUrl")] = url


def _provision_cognito(template: Template, cognito: Any) -> None:
    for logical_id, _ in template.of_type("AWS::Cognito::UserPool"):
        props = template.props(logical_id)
        pool = cognito.create_user_pool(
            PoolName=props.get("UserPoolName", physical_name(logical_id)),
            Schema=[_schema_attribute(a) for a in props.get("Schema", [])],
            AutoVerifiedAttributes=props.get("AutoVerifiedAttributes", []),
            AdminCreateUserConfig=props.get("AdminCreateUserConfig", {}),
            Policies=props.get("Policies", {}),
            # Local demo users have no authenticator app; the deployed pool requires MFA.
            MfaConfiguration="OFF",
        )["UserPool"]
        template.physical[logical_id] = pool["Id"]
        template.arns[logical_id] = pool["Arn"]
        template.attributes[(logical_id, "ProviderURL")] = (
            f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
        )
    for logical_id, _ in template.of_type("AWS::Cognito::UserPoolClient"):
        props = template.props(logical_id)
        client = cognito.create_user_pool_client(
            UserPoolId=props["UserPoolId"],
            ClientName=props.get("ClientName", logical_id),
            GenerateSecret=bool(props.get("GenerateSecret", False)),
            ExplicitAuthFlows=props.get("ExplicitAuthFlows", []),
            ReadAttributes=props.get("ReadAttributes", []),
            WriteAttributes=props.get("WriteAttributes", []),
        )["UserPoolClient"]
        template.physical[logical_id] = client["ClientId"]
    for logical_id, _ in template.of_type("AWS::Cognito::UserPoolGroup"):
        props = template.props(logical_id)
        cognito.create_group(
            UserPoolId=props["UserPoolId"],
            GroupName=props["GroupName"],
            Description=props.get("Description", ""),
        )
        template.physical[logical_id] = props["GroupName"]


def _encryption_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's bucket encryption rule in the S3 API's spelling."""
    out = {k: v for k, v in rule.items() if k != "ServerSideEncryptionByDefault"}
    if "ServerSideEncryptionByDefault" in rule:
        out["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
    return out


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's CORS rule in the S3 API's spelling."""
    names = {"MaxAge": "MaxAgeSeconds", "Id": "ID", "ExposedHeaders": "ExposeHeaders"}
    return {names.get(k, k): v for k, v in rule.items()}


def _schema_attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    out = {
        k: v
        for k, v in attribute.items()
        if k in {"Name", "AttributeDataType", "Mutable", "Required", "StringAttributeConstraints"}
    }
    return out
