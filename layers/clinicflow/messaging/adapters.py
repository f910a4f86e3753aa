"""AWS adapters: SES (SESv2 SendEmail) and AWS End User Messaging SMS (SendTextMessage).

Both send with a configuration set, so that SES bounces and complaints and each text's
delivery status come back through SNS topics (template.yaml). Tags and the SMS context carry
ids only; AWS copies them into the events, which is how an event finds its practice.
"""

from __future__ import annotations

import os
from typing import Any


def _client(service: str) -> Any:
    import boto3

    return boto3.client(service)


class SesEmailSender:
    """Email through SESv2 SendEmail with the stack's configuration set."""

    def __init__(self, client: Any = None, sender: str = "", configuration_set: str = "") -> None:
        self._client = client
        self._sender = sender or os.environ.get("EMAIL_FROM", "")
        self._configuration_set = configuration_set or os.environ.get("SES_CONFIGURATION_SET", "")

    def send_email(
        self, *, to: str, subject: str, text: str, html: str, tags: dict[str, str]
    ) -> str:
        """Send one email; returns SES's message id."""
        if self._client is None:
            self._client = _client("sesv2")
        args: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [to]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": text, "Charset": "UTF-8"},
                        "Html": {"Data": html, "Charset": "UTF-8"},
                    },
                }
            },
            "EmailTags": [{"Name": k, "Value": v} for k, v in tags.items() if v],
        }
        if self._configuration_set:
            args["ConfigurationSetName"] = self._configuration_set
        return str(self._client.send_email(**args)["MessageId"])


class EndUserMessagingSmsSender:
    """SMS through `pinpoint-sms-voice-v2` SendTextMessage (transactional)."""

    def __init__(self, client: Any = None, configuration_set: str = "") -> None:
        self._client = client
        self._configuration_set = configuration_set or os.environ.get("SMS_CONFIGURATION_SET", "")

    def send_text(self, *, to: str, origin: str, body: str, context: dict[str, str]) -> str:
        """Send one text; returns End User Messaging's message id."""
        if self._client is None:
            self._client = _client("pinpoint-sms-voice-v2")
        args: dict[str, Any] = {
            "DestinationPhoneNumber": to,
            "OriginationIdentity": origin,
            "MessageBody": body,
            "MessageType": "TRANSACTIONAL",
            "Context": {k: v for k, v in context.items() if v},
        }
        if self._configuration_set:
            args["ConfigurationSetName"] = self._configuration_set
        return str(self._client.send_text_message(**args)["MessageId"])
