"""Two-way SMS: what an inbound text does.

Inbound texts arrive on an SNS topic as AWS End User Messaging delivers them (a standard
topic: at least once, unordered), so each is handled once per inbound message id.

- Carrier opt-out words (STOP, CANCEL, END, QUIT, UNSUBSCRIBE, ...) are answered by AWS itself;
  ClinicFlow records the opt-out on the consent of every patient with that mobile number and
  never reads them as commands. START/UNSTOP re-opts in patients who had withdrawn.
- HELP is answered by AWS: nothing more is sent.
- C or Y confirms the sender's next unconfirmed appointment; R asks for a reschedule (a
  front-desk task). Anything else gets a short help text.
- A number several patients share makes a front-desk task instead of a guess.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from clinicflow.messaging import service as messaging
from clinicflow.messaging import templates
from clinicflow.messaging.model import Intent, classify, consented
from clinicflow.messaging.service import Recipient
from clinicflow.messaging.tasks import Task, TaskKind, task_id_for
from clinicflow.reminders.model import AppointmentFacts
from clinicflow.reminders.service import Ports, default_ports, utc_now

logger = logging.getLogger("clinicflow.reminders.replies")


def handle_inbound(
    message: dict[str, Any], *, ports: Ports | None = None, now: datetime | None = None
) -> str:
    """Act on one inbound text (End User Messaging's SNS message); returns the outcome."""
    ports = ports or default_ports()
    now = now or utc_now()
    sender = str(message.get("originationNumber") or "")
    destination = str(message.get("destinationNumber") or "")
    inbound_id = str(message.get("inboundMessageId") or "")
    body = str(message.get("messageBody") or "")
    if not (sender and destination and inbound_id):
        return "invalid"
    practice_id = ports.messaging.store.practice_of_number(destination)
    if practice_id is None:
        return "unrouted"
    if not ports.messaging.store.first_delivery(practice_id, inbound_id, now):
        return "duplicate"
    intent = classify(body)
    outcome = _act(practice_id, intent, sender, inbound_id, ports=ports, now=now)
    logger.info("inbound sms", extra={"intent": intent.value, "outcome": outcome})
    return outcome


def _act(
    practice_id: str, intent: Intent, sender: str, inbound_id: str, *, ports: Ports, now: datetime
) -> str:
    if intent is Intent.HELP:
        return "help_answered_by_aws"
    patients = ports.patients.by_mobile(practice_id, sender)
    if intent is Intent.OPT_OUT:
        for p in patients:
            ports.patients.set_sms_consent(practice_id, p.patient_id, False, now)
        return f"opted_out:{len(patients)}"
    if intent is Intent.OPT_IN:
        withdrawn = [
            p for p in patients if p.sms_consent is not None and not consented(p.sms_consent)
        ]
        for p in withdrawn:
            ports.patients.set_sms_consent(practice_id, p.patient_id, True, now)
        return f"opted_in:{len(withdrawn)}"
    if not patients:
        return "unknown_sender"
    if len(patients) > 1:
        if intent is Intent.OTHER:
            _reply(practice_id, patients, sender, templates.Kind.HELP, None, ports=ports, now=now)
            return "help"
        task = Task(
            task_id=task_id_for(inbound_id, TaskKind.SHARED_NUMBER),
            kind=TaskKind.SHARED_NUMBER,
            created_at=now,
            phone=sender,
            patient_ids=tuple(sorted(p.patient_id for p in patients)),
            intent=intent.value,
            inbound_message_id=inbound_id,
        )
        messaging.raise_task(practice_id, task, ports=ports.messaging)
        kind = templates.Kind.FRONT_DESK_FOLLOWS_UP
        _reply(practice_id, patients, sender, kind, None, ports=ports, now=now)
        return "shared_number"
    patient = patients[0]
    if intent is Intent.CONFIRM:
        return _confirm(practice_id, patient, sender, ports, now)
    if intent is Intent.RESCHEDULE:
        target = _next(practice_id, patient.patient_id, ports, now, unconfirmed_only=False)
        task = Task(
            task_id=task_id_for(inbound_id, TaskKind.RESCHEDULE_REQUEST),
            kind=TaskKind.RESCHEDULE_REQUEST,
            created_at=now,
            phone=sender,
            patient_ids=(patient.patient_id,),
            appointment_id=target.appointment_id if target else "",
            intent=intent.value,
            inbound_message_id=inbound_id,
        )
        messaging.raise_task(practice_id, task, ports=ports.messaging)
        kind = templates.Kind.RESCHEDULE_REQUESTED
        _reply(practice_id, [patient], sender, kind, target, ports=ports, now=now)
        return "reschedule_requested"
    _reply(practice_id, [patient], sender, templates.Kind.HELP, None, ports=ports, now=now)
    return "help"


def _next(
    practice_id: str, patient_id: str, ports: Ports, now: datetime, *, unconfirmed_only: bool
) -> AppointmentFacts | None:
    """The patient's next appointment (the next unconfirmed one first)."""
    entries = ports.store.upcoming(practice_id, patient_id, now)
    ordered = [e for e in entries if e[1] == "booked"]
    if not unconfirmed_only:
        ordered += [e for e in entries if e[1] != "booked"]
    for appointment_id, _ in ordered:
        facts = ports.appointments.get(practice_id, appointment_id)
        if facts and facts.active and facts.start > now:
            if unconfirmed_only and facts.status != "booked":
                continue
            return facts
    return None


def _confirm(practice_id: str, patient: Recipient, sender: str, ports: Ports, now: datetime) -> str:
    target = _next(practice_id, patient.patient_id, ports, now, unconfirmed_only=True)
    confirmed = ports.appointments.confirm(practice_id, target.appointment_id) if target else None
    if confirmed is None:
        kind = templates.Kind.NOTHING_TO_CONFIRM
        _reply(practice_id, [patient], sender, kind, None, ports=ports, now=now)
        return "nothing_to_confirm"
    _reply(
        practice_id, [patient], sender, templates.Kind.CONFIRMED, confirmed, ports=ports, now=now
    )
    return "confirmed"


def _reply(
    practice_id: str,
    patients: list[Recipient],
    sender: str,
    kind: templates.Kind,
    facts: AppointmentFacts | None,
    *,
    ports: Ports,
    now: datetime,
) -> None:
    """Answer the sender: in the patient's language, only with a granted SMS consent."""
    with_consent = [p for p in patients if consented(p.sms_consent)]
    patient = with_consent[0] if with_consent else patients[0]
    language = patient.language if len(patients) == 1 else "en"
    fields = templates.Fields()
    if facts is not None and len(patients) == 1:
        fields = templates.Fields(
            first_name=patient.first_name,
            when=facts.start.astimezone(ZoneInfo(facts.time_zone)),
            location_name=ports.places.location_name(practice_id, facts.location_id),
        )
    messaging.send_sms(
        practice_id,
        patient,
        f"reply-{kind.value}",
        templates.sms(kind, fields, language),
        appointment_id=facts.appointment_id if facts else "",
        to=sender,
        ports=ports.messaging,
        now=now,
    )
