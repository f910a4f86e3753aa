"""Patient messaging on the local stack: the emulator gaps closed, and simulators.

- AWS End User Messaging SMS (`pinpoint-sms-voice-v2`) is not in moto: `SendTextMessage` is
  answered here as AWS answers it (`{"MessageId": ...}`), the text goes to the outbox, and a
  delivery-status event (`TEXT_DELIVERED`, with the message's context) is published to the
  configuration set's SNS topic, as the event destination would on AWS.
- SESv2 `SendEmail` is moto's own; each accepted email is also recorded in the outbox
  (`sent`) and, when it names a configuration set, a `Delivery` event is published to the
  email feedback topic, as the configuration set's event destination would on AWS.
- `simulate_inbound` publishes an inbound text to the two-way SMS topic in End User
  Messaging's format (opt-out and HELP keywords get AWS's own auto-reply in the outbox);
  `simulate_bounce` publishes an SES bounce (or complaint) event for the last email to an
  address.
Events are queued and published by `flush()` (the stack's ticker, and `advance_clock`), never
from inside a moto request (moto's lock is held there); the outbox shows each message's
status as its events are published. Event timestamps come from the stack's clock.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from clinicflow.local.outbox import Outbox, OutboxMessage

SMS_TARGET = "PinpointSMSVoiceV2.SendTextMessage"
SES_SEND_PATH = "/v2/email/outbound-emails"
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT-OUT"}
)
AWS_OPT_OUT_REPLY = (
    "You have been unsubscribed and will receive no more messages. Reply START to resubscribe."
)
AWS_HELP_REPLY = "Appointment reminders. Msg&data rates may apply. Reply STOP to opt out."


@dataclass
class LocalMessaging:
    """The SMS emulator, the SES capture and the inbound/bounce simulators."""

    outbox: Outbox
    publish: Callable[[str, str], None] | None = None  # (topic ARN, message) → SNS
    status_topic: str = ""
    inbound_topic: str = ""
    feedback_topic: str = ""
    clock: Callable[[], datetime] | None = None  # the stack's clock (event timestamps)
    # (topic, event, outbox message id, the status the event reports)
    _pending: list[tuple[str, dict[str, Any], str, str]] = field(default_factory=list)
    _email_mail: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # held through a whole flush, so a flush returns only once an earlier one has published
    _flushing: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def _now(self) -> datetime:
        return self.clock() if self.clock else datetime.now(UTC)

    def _queue(self, topic: str, event: dict[str, Any], message_id: str, status: str) -> None:
        with self._lock:
            self._pending.append((topic, event, message_id, status))

    # --- SMS out ---------------------------------------------------------------------------
    def send_text(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer a SendTextMessage request as AWS would; record the text and its status."""
        to = str(payload.get("DestinationPhoneNumber") or "")
        body = str(payload.get("MessageBody") or "")
        if not to.startswith("+") or not body:
            return 400, {
                "__type": "ValidationException",
                "Message": "DestinationPhoneNumber and MessageBody are required",
            }
        message_id = str(uuid.uuid4())
        origin = str(payload.get("OriginationIdentity") or "")
        now = self._now()
        millis = int(now.timestamp() * 1000)
        self.outbox.add(
            OutboxMessage(
                channel="sms",
                to=to,
                subject="",
                body=body,
                source="sms",
                message_id=message_id,
                at=now.isoformat(),
                status="queued",
                sender=origin,
            )
        )
        event = {
            "eventType": "TEXT_DELIVERED",
            "eventVersion": "1.0",
            "eventTimestamp": millis,
            "isFinal": True,
            "originationPhoneNumber": origin,
            "destinationPhoneNumber": to,
            "isoCountryCode": "US",
            "messageId": message_id,
            "messageRequestTimestamp": millis,
            "messageEncoding": "GSM",
            "messageType": str(payload.get("MessageType") or "TRANSACTIONAL"),
            "messageStatus": "DELIVERED",
            "messageStatusDescription": "Message has been accepted by phone",
            "totalMessageParts": 1,
            "context": payload.get("Context") or {},
        }
        self._queue(self.status_topic, event, message_id, "delivered")
        return 200, {"MessageId": message_id}

    # --- email out -------------------------------------------------------------------------
    def record_email(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Record an email SES (moto) accepted; with a configuration set, queue its delivery."""
        simple = (request.get("Content") or {}).get("Simple") or {}
        body = simple.get("Body") or {}
        text = (body.get("Text") or body.get("Html") or {}).get("Data", "")
        message_id = str(response.get("MessageId") or uuid.uuid4())
        recipients = [str(to) for to in (request.get("Destination") or {}).get("ToAddresses") or []]
        tags = {t["Name"]: [t["Value"]] for t in request.get("EmailTags") or []}
        configuration_set = str(request.get("ConfigurationSetName") or "")
        if configuration_set:
            tags["ses:configuration-set"] = [configuration_set]
        now = self._now()
        source = str(request.get("FromEmailAddress") or "")
        mail: dict[str, Any] = {
            "timestamp": _iso(now),
            "source": source,
            "messageId": message_id,
            "destination": recipients,
            "headersTruncated": False,
            "tags": tags,
        }
        with self._lock:
            self._email_mail[message_id] = mail
        for to in recipients:
            self.outbox.add(
                OutboxMessage(
                    channel="email",
                    to=to,
                    subject=str((simple.get("Subject") or {}).get("Data", "")),
                    body=str(text),
                    source="ses",
                    message_id=message_id,
                    at=now.isoformat(),
                    status="sent",
                    sender=source,
                )
            )
        if configuration_set and recipients:
            delivery = {
                "timestamp": _iso(now),
                "processingTimeMillis": 420,
                "recipients": recipients,
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": "local.clinicflow.invalid",
            }
            event = {"eventType": "Delivery", "mail": mail, "delivery": delivery}
            self._queue(self.feedback_topic, event, message_id, "delivered")

    # --- simulators ------------------------------------------------------------------------
    def simulate_inbound(self, sender: str, body: str, to: str | None = None) -> dict[str, Any]:
        """Queue an inbound text from `sender`, to `to` (default: the number that last texted
        `sender`). Returns the SNS message."""
        if not to:
            previous = [m for m in self.outbox.messages(to=sender) if m.channel == "sms"]
            to = previous[-1].sender if previous and previous[-1].sender else ""
        if not to:
            raise ValueError("to: no text was sent to this number yet; give the practice's number")
        word = body.strip().upper()
        if word in OPT_OUT_WORDS or word == "HELP":
            reply = AWS_OPT_OUT_REPLY if word != "HELP" else AWS_HELP_REPLY
            self.outbox.add(
                OutboxMessage(
                    channel="sms",
                    to=sender,
                    subject="",
                    body=reply,
                    source="aws-keyword",
                    at=self._now().isoformat(),
                    sender=to,
                )
            )
        message = {
            "originationNumber": sender,
            "destinationNumber": to,
            "messageKeyword": word if word in OPT_OUT_WORDS or word == "HELP" else "",
            "messageBody": body,
            "inboundMessageId": str(uuid.uuid4()),
            "previousPublishedMessageId": "",
        }
        self._queue(self.inbound_topic, message, "", "")
        return message

    def simulate_bounce(self, address: str, bounce_type: str = "Permanent") -> dict[str, Any]:
        """Queue an SES bounce (or `Complaint`) for the last email sent to `address`."""
        sent = [m for m in self.outbox.messages(to=address) if m.source == "ses"]
        if not sent:
            raise ValueError("to: no email was sent to this address yet")
        message_id = sent[-1].message_id
        now = _iso(self._now())
        mail = {**self._email_mail.get(message_id, {}), "messageId": message_id}
        mail.setdefault("destination", [address])
        mail.setdefault("tags", {})
        event: dict[str, Any]
        if bounce_type == "Complaint":
            event = {
                "eventType": "Complaint",
                "mail": mail,
                "complaint": {
                    "complainedRecipients": [{"emailAddress": address}],
                    "timestamp": now,
                    "feedbackId": str(uuid.uuid4()),
                    "complaintFeedbackType": "abuse",
                },
            }
            status = "complained"
        else:
            event = {
                "eventType": "Bounce",
                "mail": mail,
                "bounce": {
                    "bounceType": bounce_type,
                    "bounceSubType": "General",
                    "bouncedRecipients": [{"emailAddress": address}],
                    "timestamp": now,
                    "feedbackId": str(uuid.uuid4()),
                },
            }
            status = "bounced" if bounce_type == "Permanent" else "failed"
        self._queue(self.feedback_topic, event, message_id, status)
        return event

    # --- delivery --------------------------------------------------------------------------
    def flush(self) -> int:
        """Publish queued events to their topics, in order; returns how many.

        The outbox takes each event's status as it is published (a bounce queued after a
        delivery therefore ends as `bounced`). Waits for a flush under way in another thread
        (the stack's ticker), so what was queued before the call is published on return."""
        with self._flushing:
            with self._lock:
                pending, self._pending = self._pending, []
            for topic, message, message_id, status in pending:
                if self.publish is not None and topic:
                    self.publish(topic, json.dumps(message))
                if message_id and status:
                    self.outbox.set_status(message_id, status)
            return len(pending)


def _iso(moment: datetime) -> str:
    """SES's timestamp form: UTC with milliseconds and `Z`."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
