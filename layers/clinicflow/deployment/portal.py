"""Publish the staff portal to a deployed stack: its files to the portal bucket, a config.json
written from the stack's outputs, then a CloudFront invalidation.

The portal has no build step and its file names carry no content hash, so every file is
served with `no-cache` (the browser revalidates with an ETag and gets 304 when unchanged).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRED_OUTPUTS = ("PortalBucketName", "PortalDistributionId", "UserPoolId", "PortalClientId")
CACHE_CONTROL = "no-cache"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
CONFIG_KEY = "config.json"


class PublishError(Exception):
    """The stack or the portal folder is not what publishing needs; the message says why."""


@dataclass(frozen=True)
class PublishResult:
    """What a publish did."""

    bucket: str
    uploaded: list[str]
    deleted: list[str]
    invalidation_id: str | None


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The stack's outputs by key; PublishError when the stack lacks one the portal needs."""
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = [key for key in REQUIRED_OUTPUTS if key not in outputs]
    if missing:
        raise PublishError(f"stack {stack_name} has no output {', '.join(missing)}")
    return outputs


def portal_config(
    outputs: Mapping[str, str], *, region: str, environment: str, idle_timeout_minutes: int
) -> dict[str, Any]:
    """config.json: what the portal reads at start (no secrets: all of it is public)."""
    if not 1 <= idle_timeout_minutes <= 120:
        raise PublishError("idle timeout must be 1-120 minutes")
    return {
        "region": region,
        "userPoolId": outputs["UserPoolId"],
        "clientId": outputs["PortalClientId"],
        # CloudFront sends /api/* to API Gateway (the viewer-request function strips /api).
        "apiBase": "/api",
        "environment": environment,
        "idleTimeoutMinutes": idle_timeout_minutes,
    }


def portal_files(root: Path) -> dict[str, Path]:
    """Object key → file for every file the portal serves (hidden files and config.json skipped:
    a local config must never overwrite the deployed one)."""
    if not (root / "index.html").is_file():
        raise PublishError(f"{root} has no index.html: not the portal folder")
    files: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        hidden = any(p.startswith(".") for p in key.split("/"))
        if path.is_file() and not hidden and key != CONFIG_KEY:
            files[key] = path
    return files


def content_type(key: str) -> str:
    """The Content-Type a portal file is served with."""
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def publish_portal(
    root: Path,
    config: Mapping[str, Any],
    *,
    bucket: str,
    distribution_id: str | None,
    s3: Any,
    cloudfront: Any,
    caller_reference: str,
) -> PublishResult:
    """Upload the portal, write config.json, delete files no longer in the portal, invalidate."""
    files = portal_files(root)
    for key, path in files.items():
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type(key),
            CacheControl=CACHE_CONTROL,
        )
    s3.put_object(
        Bucket=bucket,
        Key=CONFIG_KEY,
        Body=json.dumps(config, indent=2).encode(),
        ContentType=CONTENT_TYPES[".json"],
        CacheControl=CACHE_CONTROL,
    )
    keep = {*files, CONFIG_KEY}
    stale = [
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
        if obj["Key"] not in keep
    ]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": k} for k in stale[start : start + 1000]], "Quiet": True},
        )
    invalidation_id = None
    if distribution_id:
        answer = cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": caller_reference,
            },
        )
        invalidation_id = str(answer["Invalidation"]["Id"])
    return PublishResult(
        bucket=bucket,
        uploaded=[*files, CONFIG_KEY],
        deleted=stale,
        invalidation_id=invalidation_id,
    )
