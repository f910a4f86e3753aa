"""What the local stack would have delivered to people: invitations, emails, text messages.

AWS delivers these (Cognito's invitation email, SES, End User Messaging SMS); locally they are
recorded here instead, shown by `GET /_local/outbox` and `clinicflow outbox`, and kept under
the data directory. Synthetic data only.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class OutboxMessage:
    """One message that would have left the system."""

    channel: str  # "email" | "sms"
    to: str
    subject: str
    body: str
    source: str  # e.g. "cognito-invitation", "ses", "sms"
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    status: str = "delivered"
    sender: str = ""  # the origination number or From address (patients reply to it)


@dataclass
class Outbox:
    """An append-only list of messages, optionally persisted as JSON lines."""

    path: Path | None = None
    _messages: list[OutboxMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.path and self.path.exists():
            for line in self.path.read_text().splitlines():
                data = json.loads(line)
                if "status_of" in data:
                    self._replace_status(data["status_of"], data["status"])
                else:
                    self._messages.append(OutboxMessage(**data))

    def _replace_status(self, message_id: str, status: str) -> bool:
        for i, m in enumerate(self._messages):
            if m.message_id == message_id:
                self._messages[i] = replace(m, status=status)
                return True
        return False

    def set_status(self, message_id: str, status: str) -> bool:
        """Record a delivery status reported for a message (e.g. queued → delivered)."""
        with self._lock:
            found = self._replace_status(message_id, status)
            if found and self.path:
                with self.path.open("a") as out:
                    out.write(json.dumps({"status_of": message_id, "status": status}) + "\n")
        return found

    def add(self, message: OutboxMessage) -> OutboxMessage:
        """Record a message."""
        with self._lock:
            self._messages.append(message)
            if self.path:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a") as out:
                    out.write(json.dumps(asdict(message)) + "\n")
        return message

    def messages(self, *, to: str | None = None) -> list[OutboxMessage]:
        """Every recorded message, oldest first (optionally to one recipient)."""
        with self._lock:
            return [m for m in self._messages if to is None or m.to == to]

    def as_json(self) -> list[dict[str, Any]]:
        """The messages as JSON-ready dicts."""
        return [asdict(m) for m in self.messages()]


def cognito_invitation(payload: dict[str, Any]) -> OutboxMessage | None:
    """The invitation email Cognito sends for an AdminCreateUser request (None if suppressed)."""
    if payload.get("MessageAction") == "SUPPRESS" or not payload.get("TemporaryPassword"):
        return None
    attributes = {a["Name"]: a["Value"] for a in payload.get("UserAttributes", [])}
    email = attributes.get("email", "")
    if not email:
        return None
    body = (
        f"Your ClinicFlow username is {payload['Username']} and your temporary password is "
        f"{payload['TemporaryPassword']}. You will choose a new password at first sign-in."
    )
    return OutboxMessage(
        channel="email",
        to=email,
        subject="Your ClinicFlow account",
        body=body,
        source="cognito-invitation",
    )
