"""`clinicflow portal publish`: the portal's files and config.json onto a deployed stack."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_PORTAL_DIR = Path(__file__).resolve().parents[3] / "portal"


def register(commands: Any) -> None:
    """Add `portal publish` to the CLI."""
    portal = commands.add_parser("portal", help="the staff portal on a deployed stack")
    actions = portal.add_subparsers(dest="portal_command", required=True)
    publish = actions.add_parser(
        "publish", help="upload portal/ and a config.json from the stack's outputs"
    )
    publish.add_argument("--stack-name", required=True, help="e.g. clinicflow-prod")
    publish.add_argument("--region", help="the stack's region (default: the AWS CLI's)")
    publish.add_argument("--portal-dir", type=Path, default=DEFAULT_PORTAL_DIR)
    publish.add_argument(
        "--idle-minutes", type=int, default=15, help="sign staff out after this long idle"
    )
    publish.add_argument(
        "--environment", default="production", help="shown to staff; 'local' shows a banner"
    )
    publish.set_defaults(func=_publish)


def _publish(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from clinicflow.deployment.portal import (
        PublishError,
        portal_config,
        publish_portal,
        stack_outputs,
    )

    session = boto3.session.Session(region_name=args.region)
    region = session.region_name
    if not region:
        print("clinicflow portal publish: no region: pass --region", file=sys.stderr)
        return 2
    try:
        outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
        config = portal_config(
            outputs,
            region=region,
            environment=args.environment,
            idle_timeout_minutes=args.idle_minutes,
        )
        result = publish_portal(
            args.portal_dir,
            config,
            bucket=outputs["PortalBucketName"],
            distribution_id=outputs["PortalDistributionId"],
            s3=session.client("s3"),
            cloudfront=session.client("cloudfront"),
            caller_reference=f"clinicflow-portal-{time.time_ns()}",
        )
    except (PublishError, BotoCoreError, ClientError) as exc:
        print(f"clinicflow portal publish: {exc}", file=sys.stderr)
        return 1
    print(f"uploaded {len(result.uploaded)} files to s3://{result.bucket}")
    if result.deleted:
        print(f"deleted {len(result.deleted)} files no longer in the portal")
    print(
        f"CloudFront invalidation {result.invalidation_id}; portal: {outputs.get('PortalUrl', '')}"
    )
    return 0
