"""Lambda event plumbing of reminders and messaging (kept out of the thin handlers).

- DynamoDB stream of the main table (appointment items only, by the event source's filter):
  each record calls `on_appointment_changed`; a failure reports that record and the rest of
  the batch (ReportBatchItemFailures), so the stream retries in order.
- Scheduler: the schedule's input is the event.
- SNS: inbound texts, SMS delivery statuses, SES bounces and complaints; one record each.
Logs carry outcomes and counts, never a number, an address or a name.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

logger = logging.getLogger("clinicflow.reminders.events")


def _image(image: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    """(practice id, appointment document) of a stream image of an appointment item."""
    if not image or image.get("SK", {}).get("S") != "APPT":
        return None
    if image.get("entity", {}).get("S") != "appointment" or "doc" not in image:
        return None
    from boto3.dynamodb.types import TypeDeserializer

    doc = TypeDeserializer().deserialize(image["doc"])
    practice_id = str(image["PK"]["S"]).split("#", 1)[0]
    return practice_id, doc


def handle_stream(event: dict[str, Any]) -> dict[str, Any]:
    """Follow appointment changes from the main table's stream."""
    from clinicflow.reminders import service
    from clinicflow.reminders.model import AppointmentFacts

    outcomes: Counter[str] = Counter()
    for record in event.get("Records", []):
        data = record.get("dynamodb") or {}
        try:
            old = _image(data.get("OldImage"))
            new = _image(data.get("NewImage"))
            if old is None and new is None:
                outcomes["ignored"] += 1
                continue
            practice_id = (new or old or ("", {}))[0]
            outcome = service.on_appointment_changed(
                practice_id,
                AppointmentFacts.from_record(practice_id, old[1]) if old else None,
                AppointmentFacts.from_record(practice_id, new[1]) if new else None,
            )
            outcomes[outcome] += 1
        except Exception as exc:
            logger.error("appointment change failed", extra={"error_type": type(exc).__name__})
            return {"batchItemFailures": [{"itemIdentifier": data.get("SequenceNumber", "")}]}
    logger.info("appointment changes", extra={"outcomes": dict(outcomes)})
    return {"batchItemFailures": []}


def handle_fire(event: dict[str, Any]) -> dict[str, str]:
    """Send one reminder (a schedule fired)."""
    from clinicflow.reminders import service

    outcome = service.fire_reminder(event)
    logger.info("reminder fired", extra={"kind": str(event.get("kind", "")), "outcome": outcome})
    return {"outcome": outcome}


def _messages(event: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for record in event.get("Records", []):
        raw = (record.get("Sns") or {}).get("Message") or "{}"
        try:
            message = json.loads(raw)
        except ValueError:
            logger.warning("sns message is not JSON")
            continue
        if isinstance(message, dict):
            out.append(message)
    return out


def handle_inbound(event: dict[str, Any]) -> dict[str, Any]:
    """Act on inbound texts (SNS records from End User Messaging two-way SMS)."""
    from clinicflow.reminders.replies import handle_inbound as act

    outcomes = Counter(act(m).split(":", 1)[0] for m in _messages(event))
    logger.info("inbound texts", extra={"outcomes": dict(outcomes)})
    return {"outcomes": dict(outcomes)}


def handle_feedback(event: dict[str, Any]) -> dict[str, Any]:
    """Record SMS delivery statuses and SES bounces/complaints (SNS records)."""
    from clinicflow.messaging import service

    counts: Counter[str] = Counter()
    for message in _messages(event):
        if "eventType" in message and str(message["eventType"]).startswith("TEXT_"):
            counts["sms" if service.record_sms_event(message) else "ignored"] += 1
        else:
            counts["email" if service.record_email_event(message) else "ignored"] += 1
    logger.info("delivery events", extra={"counts": dict(counts)})
    return {"counts": dict(counts)}
