"""Messaging rules, pure: channels, consent, quiet hours, SMS keywords, delivery statuses.

Quiet hours are wall-clock time at the visit's location: by default no SMS from 21:00 to
08:00 (each practice may set its own in its reminder policy). A text that falls inside them
goes out when they end instead, unless it would then arrive less than the minimum lead (two
hours by default) before the visit, in which case it is not sent at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
MIN_LEAD = timedelta(hours=2)


class Channel(StrEnum):
    """How a patient is reached."""

    EMAIL = "email"
    SMS = "sms"


class ConsentView(Protocol):
    """The parts of a patient's consent decision these rules read (patients' `Consent`)."""

    @property
    def status(self) -> object:
        """`granted` or `withdrawn` (a StrEnum or a string)."""
        ...


def consented(consent: ConsentView | None) -> bool:
    """True only for a recorded, granted consent: nothing is sent without one."""
    return consent is not None and str(consent.status) == "granted"


# --- quiet hours -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """When no SMS goes out (wall clock at the location), and the least notice a reminder needs.

    `start` may be later than `end` (the window crosses midnight, as 21:00-08:00 does).
    """

    start: time = QUIET_START
    end: time = QUIET_END
    min_lead: timedelta = MIN_LEAD

    def contains(self, local: time) -> bool:
        """True when the wall-clock time `local` is inside the window."""
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


DEFAULT_QUIET_HOURS = QuietHours()


def in_quiet_hours(
    moment: datetime, zone: ZoneInfo, quiet: QuietHours = DEFAULT_QUIET_HOURS
) -> bool:
    """True when `moment` is inside the quiet hours on the wall clock of `zone`."""
    return quiet.contains(moment.astimezone(zone).time())


def sms_send_time(
    due: datetime,
    visit_start: datetime,
    zone: ZoneInfo,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
) -> datetime | None:
    """When an SMS due at `due` may go out (UTC), or None when it must be skipped.

    Inside quiet hours the text moves to the next end of quiet hours at the location
    (daylight saving aware: an end time the clocks skip means the first instant after the
    gap); it is skipped when it would then arrive less than the minimum lead before the visit.
    """
    send = due.astimezone(UTC)
    if in_quiet_hours(send, zone, quiet):
        local = send.astimezone(zone)
        day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
        send = datetime.combine(day, quiet.end, tzinfo=zone).astimezone(UTC)
    if visit_start - send < quiet.min_lead:
        return None
    return send


# --- inbound SMS keywords ------------------------------------------------------------------

# Answered by AWS End User Messaging itself (it replies and keeps the opt-out list): ClinicFlow
# records the decision on the patient's consent and never treats these words as commands.
OPT_OUT_KEYWORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "OPT-OUT",
        "REMOVE",
        "ARRET",
        "TD",
    }
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
CONFIRM_KEYWORDS = frozenset({"C", "Y"})
RESCHEDULE_KEYWORDS = frozenset({"R"})
_PUNCTUATION = re.compile(r"[\s.!,;:?\"']+")


class Intent(StrEnum):
    """What an inbound text means."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    CONFIRM = "confirm"
    RESCHEDULE = "reschedule"
    OTHER = "other"


def normalise_keyword(body: str) -> str:
    """The body as carriers match keywords: trimmed, upper case, surrounding punctuation off."""
    return _PUNCTUATION.sub(" ", body).strip().upper()


def classify(body: str) -> Intent:
    """The intent of an inbound text. Opt-out words win over everything else."""
    word = normalise_keyword(body)
    if word in OPT_OUT_KEYWORDS:
        return Intent.OPT_OUT
    if word in OPT_IN_KEYWORDS:
        return Intent.OPT_IN
    if word in HELP_KEYWORDS:
        return Intent.HELP
    if word in CONFIRM_KEYWORDS:
        return Intent.CONFIRM
    if word in RESCHEDULE_KEYWORDS:
        return Intent.RESCHEDULE
    return Intent.OTHER


# --- message records and delivery statuses ------------------------------------------------


class MessageStatus(StrEnum):
    """Where a message is, from the sender's call to the carrier's or mailbox's answer."""

    SKIPPED = "skipped"  # never sent (no consent, suppressed, no number, quiet hours)
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


# Statuses arrive unordered (standard SNS topics): a later rank never yields to an earlier one.
RANK = {
    MessageStatus.SKIPPED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.FAILED: 3,
    MessageStatus.BOUNCED: 4,
    MessageStatus.COMPLAINED: 4,
}

_SMS_EVENTS = {
    "TEXT_QUEUED": MessageStatus.QUEUED,
    "TEXT_PENDING": MessageStatus.QUEUED,
    "TEXT_SENT": MessageStatus.SENT,
    "TEXT_SUCCESSFUL": MessageStatus.DELIVERED,
    "TEXT_DELIVERED": MessageStatus.DELIVERED,
}


def sms_event_status(event_type: str) -> MessageStatus | None:
    """The status an End User Messaging SMS event reports (None for non-text events)."""
    if event_type in _SMS_EVENTS:
        return _SMS_EVENTS[event_type]
    if event_type.startswith("TEXT_") and event_type != "TEXT_ALL":
        return MessageStatus.FAILED  # blocked, spam, invalid, unreachable, expired, unknown
    return None


class SkipReason(StrEnum):
    """Why a message was not sent."""

    NO_CONSENT = "no_consent"
    NO_ADDRESS = "no_address"
    SUPPRESSED = "suppressed"
    NO_SMS_NUMBER = "no_sms_number"
    QUIET_HOURS = "quiet_hours"
    TOO_LATE = "too_late"


@dataclass(frozen=True)
class MessageRecord:
    """One message to a patient (sent or skipped), recorded on its appointment.

    Carries ids, the channel, what kind of message, the status and when: never the text.
    """

    message_id: str
    channel: Channel
    kind: str
    status: MessageStatus
    at: datetime
    patient_id: str = ""
    appointment_id: str = ""
    reason: str = ""
    status_at: datetime | None = None
    detail: str = ""


def mask_address(address: str) -> str:
    """An address with most characters hidden (for staff views that do not need it whole)."""
    if "@" in address:
        local, domain = address.split("@", 1)
        return f"{local[:1]}***@{domain}"
    return f"***{address[-4:]}" if len(address) > 4 else "***"


E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass(frozen=True)
class MessagingSettings:
    """A practice's messaging settings: its SMS origination number (E.164), if any."""

    sms_number: str | None = None
    version: int = 0
