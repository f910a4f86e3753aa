"""Keep what moto holds only in memory - stored files and staff users - across restarts.

DynamoDB Local persists its own tables under the data directory. moto does not, so the
local stack snapshots S3 objects and Cognito users to `<data-dir>/aws/` every few seconds
and when it stops, and restores them on start. (Local only: never for real PHI.)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinicflow.local.template import ACCOUNT_ID, REGION


@dataclass
class Snapshotter:
    """Snapshots and restores S3 objects of the given buckets and the users of one pool."""

    root: Path
    s3: Any
    cognito: Any
    buckets: list[str]
    user_pool_id: str

    @property
    def _s3_dir(self) -> Path:
        return self.root / "s3"

    @property
    def _users_file(self) -> Path:
        return self.root / "cognito-users.json"

    scheduler: Any = None
    sqs: Any = None

    def save(self) -> None:
        """Write what changed since the last snapshot."""
        self._save_objects()
        self._save_users()
        self._save_json("schedules.json", self._schedules())
        self._save_json("queues.json", self._queue_messages())

    def restore(self) -> None:
        """Load the last snapshot into a freshly provisioned moto."""
        self._restore_objects()
        self._restore_users()
        self._restore_schedules()
        self._restore_queue_messages()

    def _save_json(self, name: str, data: Any) -> None:
        path = self.root / name
        text = json.dumps(data, indent=1, sort_keys=True, default=str)
        if path.exists() and path.read_text() == text:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)

    def _load_json(self, name: str) -> Any:
        path = self.root / name
        return json.loads(path.read_text()) if path.exists() else []

    def _schedules(self) -> list[dict[str, Any]]:
        """Every Scheduler schedule (reminders, holds) with what recreating it needs."""
        if self.scheduler is None:
            return []
        keep = (
            "Name",
            "GroupName",
            "ScheduleExpression",
            "ScheduleExpressionTimezone",
            "FlexibleTimeWindow",
            "Target",
            "State",
            "ActionAfterCompletion",
            "Description",
        )
        found = []
        for group in self.scheduler.list_schedule_groups()["ScheduleGroups"]:
            listed = self.scheduler.list_schedules(GroupName=group["Name"])["Schedules"]
            for summary in listed:
                full = self.scheduler.get_schedule(GroupName=group["Name"], Name=summary["Name"])
                found.append({k: full[k] for k in keep if full.get(k) is not None})
        return found

    def _restore_schedules(self) -> None:
        if self.scheduler is None:
            return
        for schedule in self._load_json("schedules.json"):
            try:
                self.scheduler.create_schedule(**schedule)
            except self.scheduler.exceptions.ConflictException:
                continue  # declared in template.yaml: already provisioned

    def _queue_messages(self) -> dict[str, list[dict[str, Any]]]:
        """Messages waiting in every queue (in flight ones included: redelivered on restart)."""
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[ACCOUNT_ID][REGION]
        return {
            name: [
                {
                    "Body": m.body,
                    "MessageAttributes": m.message_attributes or {},
                    "MessageGroupId": m.group_id,
                    "MessageDeduplicationId": m.deduplication_id,
                }
                for m in queue._messages
            ]
            for name, queue in backend.queues.items()
        }

    def _restore_queue_messages(self) -> None:
        if self.sqs is None:
            return
        saved = self._load_json("queues.json") or {}
        for name, messages in saved.items():
            try:
                url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except self.sqs.exceptions.QueueDoesNotExist:
                continue  # no longer declared in template.yaml
            for message in messages:
                args = {k: v for k, v in message.items() if v}
                self.sqs.send_message(QueueUrl=url, **args)

    def _save_objects(self) -> None:
        for bucket in self.buckets:
            folder = self._s3_dir / bucket
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for entry in page.get("Contents", []):
                    target = folder / entry["Key"]
                    meta_file = target.with_name(target.name + ".meta.json")
                    if (
                        meta_file.exists()
                        and json.loads(meta_file.read_text())["ETag"] == entry["ETag"]
                    ):
                        continue
                    obj = self.s3.get_object(Bucket=bucket, Key=entry["Key"])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(obj["Body"].read())
                    meta_file.write_text(
                        json.dumps(
                            {
                                "ETag": entry["ETag"],
                                "ContentType": obj.get("ContentType", ""),
                                "Metadata": obj.get("Metadata", {}),
                            }
                        )
                    )

    def _restore_objects(self) -> None:
        for bucket in self.buckets:
            folder = self._s3_dir / bucket
            if not folder.is_dir():
                continue
            for meta_file in folder.rglob("*.meta.json"):
                target = meta_file.with_name(meta_file.name.removesuffix(".meta.json"))
                meta = json.loads(meta_file.read_text())
                args: dict[str, Any] = {"Metadata": meta.get("Metadata", {})}
                if meta.get("ContentType"):
                    args["ContentType"] = meta["ContentType"]
                self.s3.put_object(
                    Bucket=bucket,
                    Key=str(target.relative_to(folder)),
                    Body=target.read_bytes(),
                    **args,
                )
                head = self.s3.head_object(Bucket=bucket, Key=str(target.relative_to(folder)))
                meta["ETag"] = head["ETag"]
                meta_file.write_text(json.dumps(meta))

    def _save_users(self) -> None:
        from moto.cognitoidp.models import cognitoidp_backends

        pool = cognitoidp_backends[ACCOUNT_ID][REGION].user_pools.get(self.user_pool_id)
        if pool is None:
            return
        users = [
            {
                "Username": user.username,
                "Attributes": [a for a in user.attributes if a["Name"] != "sub"],
                "Enabled": user.enabled,
                "Password": user.password,
                "Status": user.status,
                "Groups": sorted(g.group_name for g in user.groups),
            }
            for user in pool.users.values()
        ]
        text = json.dumps(users, indent=1, sort_keys=True)
        if self._users_file.exists() and self._users_file.read_text() == text:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self._users_file.with_suffix(".tmp")
        tmp.write_text(text)
        os.chmod(tmp, 0o600)
        tmp.replace(self._users_file)

    def _restore_users(self) -> None:
        if not self._users_file.exists():
            return
        for user in json.loads(self._users_file.read_text()):
            self.cognito.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=user["Username"],
                UserAttributes=user["Attributes"],
                MessageAction="SUPPRESS",
            )
            if user.get("Password"):
                self.cognito.admin_set_user_password(
                    UserPoolId=self.user_pool_id,
                    Username=user["Username"],
                    Password=user["Password"],
                    Permanent=user["Status"] == "CONFIRMED",
                )
            for group in user["Groups"]:
                self.cognito.admin_add_user_to_group(
                    UserPoolId=self.user_pool_id, Username=user["Username"], GroupName=group
                )
            if not user["Enabled"]:
                self.cognito.admin_disable_user(
                    UserPoolId=self.user_pool_id, Username=user["Username"]
                )
