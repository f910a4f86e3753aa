"""`clinicflow portal publish` against a deployed stack (CloudFormation, S3 and CloudFront of the
embedded AWS): the portal's files with their content types, a config.json from the stack's
outputs, stale files removed, the distribution invalidated."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from clinicflow.cli import main
from clinicflow.local.stack import LocalStack
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

REGION = "us-east-1"


def _deployed_stack(stack: LocalStack, name: str, bucket: str) -> str:
    """A CloudFormation stack with the outputs template.yaml gives the portal."""
    cloudfront = stack.client("cloudfront")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": name,
            "Comment": "portal",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "portal",
                        "DomainName": f"{bucket}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "portal",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]
    template = {
        "Resources": {
            "PortalBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}
        },
        "Outputs": {
            "PortalBucketName": {"Value": {"Ref": "PortalBucket"}},
            "PortalDistributionId": {"Value": distribution["Id"]},
            "PortalUrl": {"Value": f"https://{distribution['DomainName']}"},
            "UserPoolId": {"Value": "us-east-1_Portal123"},
            "PortalClientId": {"Value": "portalclient123"},
        },
    }
    stack.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
    return str(distribution["Id"])


@pytest.fixture
def aws_env(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's boto3 session talks to the embedded AWS, as it would to a real account."""
    assert stack.moto
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.moto.endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def _objects(stack: LocalStack, bucket: str) -> dict[str, dict[str, Any]]:
    s3 = stack.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {k: s3.get_object(Bucket=bucket, Key=k) for k in keys}


def test_publish_uploads_the_portal_and_a_config_from_the_stack_outputs(
    stack: LocalStack, aws_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"clinicflow-pub-{secrets.token_hex(3)}"
    bucket = f"{name}-portal"
    distribution_id = _deployed_stack(stack, name, bucket)
    stack.client("s3").put_object(Bucket=bucket, Key="js/old-view.js", Body=b"stale")

    assert main(["portal", "publish", "--stack-name", name, "--idle-minutes", "20"]) == 0

    objects = _objects(stack, bucket)
    expected = {
        p.relative_to(ROOT / "portal").as_posix()
        for p in (ROOT / "portal").rglob("*")
        if p.is_file()
    }
    assert set(objects) == expected | {"config.json"}  # the stale view is gone
    assert objects["index.html"]["ContentType"] == "text/html; charset=utf-8"
    assert objects["js/app.js"]["ContentType"] == "text/javascript; charset=utf-8"
    assert objects["styles.css"]["ContentType"] == "text/css; charset=utf-8"
    assert objects["favicon.svg"]["ContentType"] == "image/svg+xml"
    assert all(o["CacheControl"] == "no-cache" for o in objects.values())
    assert objects["js/app.js"]["Body"].read() == (ROOT / "portal/js/app.js").read_bytes()
    config = json.loads(objects["config.json"]["Body"].read())
    assert config == {
        "region": REGION,
        "userPoolId": "us-east-1_Portal123",
        "clientId": "portalclient123",
        "apiBase": "/api",
        "environment": "production",
        "idleTimeoutMinutes": 20,
    }
    invalidations = stack.client("cloudfront").list_invalidations(DistributionId=distribution_id)
    assert invalidations["InvalidationList"]["Quantity"] == 1
    out = capsys.readouterr().out
    assert "deleted 1 files no longer in the portal" in out


def test_publish_refuses_a_stack_without_the_portal_outputs(
    stack: LocalStack, aws_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"clinicflow-bare-{secrets.token_hex(3)}"
    template = {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}
    stack.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))

    assert main(["portal", "publish", "--stack-name", name]) == 1
    err = capsys.readouterr().err
    assert "has no output PortalBucketName, PortalDistributionId, UserPoolId, PortalClientId" in err


def test_publish_refuses_a_folder_that_is_not_the_portal(
    stack: LocalStack, aws_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"clinicflow-pub-{secrets.token_hex(3)}"
    _deployed_stack(stack, name, f"{name}-portal")

    code = main(["portal", "publish", "--stack-name", name, "--portal-dir", str(tmp_path)])

    assert code == 1
    assert "has no index.html: not the portal folder" in capsys.readouterr().err
    assert _objects(stack, f"{name}-portal") == {}
