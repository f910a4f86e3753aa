"""Message templates per language (the patient's preferred language; English otherwise).

An SMS carries the minimum: the patient's first name, the visit's date and time at the
location, and the location's name. Never a diagnosis, a reason for the visit, a provider or a
specialty that could reveal one. Emails carry the same fields, as HTML and as text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from string import Template

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


class Kind(StrEnum):
    """Which message."""

    REMINDER = "reminder"
    CONFIRMED = "confirmed"
    RESCHEDULE_REQUESTED = "reschedule_requested"
    HELP = "help"
    NOTHING_TO_CONFIRM = "nothing_to_confirm"
    FRONT_DESK_FOLLOWS_UP = "front_desk_follows_up"


@dataclass(frozen=True)
class Fields:
    """Everything a template may show. Nothing else can reach a message."""

    first_name: str = ""
    when: datetime | None = None  # aware, in the location's zone
    location_name: str = ""
    practice_name: str = ""


@dataclass(frozen=True)
class Email:
    """A rendered email."""

    subject: str
    text: str
    html: str


_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
}
_DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
}

_SMS: dict[str, dict[Kind, str]] = {
    "en": {
        Kind.REMINDER: "Hi $first_name, reminder: your appointment is $when at $location. "
        "Reply C to confirm or R to reschedule.",
        Kind.CONFIRMED: "Thanks $first_name, your appointment on $when at $location is confirmed.",
        Kind.RESCHEDULE_REQUESTED: "Thanks, our front desk will contact you to find a new time.",
        Kind.HELP: "Reply C to confirm your appointment or R to reschedule. Reply STOP to opt out.",
        Kind.NOTHING_TO_CONFIRM: "We found no upcoming appointment to confirm. "
        "Please call our front desk.",
        Kind.FRONT_DESK_FOLLOWS_UP: "Thanks, our front desk will contact you.",
    },
    "es": {
        Kind.REMINDER: "Hola $first_name, recordatorio: su cita es el $when en $location. "
        "Responda C para confirmar o R para cambiarla.",
        Kind.CONFIRMED: "Gracias $first_name, su cita del $when en $location está confirmada.",
        Kind.RESCHEDULE_REQUESTED: "Gracias, nuestra recepción le contactará para una nueva hora.",
        Kind.HELP: "Responda C para confirmar su cita o R para cambiarla. "
        "Responda STOP para no recibir mensajes.",
        Kind.NOTHING_TO_CONFIRM: "No encontramos una cita próxima para confirmar. "
        "Llame a nuestra recepción.",
        Kind.FRONT_DESK_FOLLOWS_UP: "Gracias, nuestra recepción le contactará.",
    },
}

_EMAIL_SUBJECT = {
    "en": "Appointment reminder: $when",
    "es": "Recordatorio de cita: $when",
}
_EMAIL_TEXT = {
    "en": "Hello $first_name,\n\nThis is a reminder of your appointment on $when at "
    "$location.\n\nIf you need to change it, please contact $practice.\n",
    "es": "Hola $first_name,\n\nLe recordamos su cita el $when en $location.\n\n"
    "Si necesita cambiarla, comuníquese con $practice.\n",
}
_EMAIL_HTML = {
    "en": '<!doctype html><html lang="en"><body><p>Hello $first_name,</p>'
    "<p>This is a reminder of your appointment on <strong>$when</strong> at "
    "<strong>$location</strong>.</p><p>If you need to change it, please contact "
    "$practice.</p></body></html>",
    "es": '<!doctype html><html lang="es"><body><p>Hola $first_name,</p>'
    "<p>Le recordamos su cita el <strong>$when</strong> en <strong>$location</strong>.</p>"
    "<p>Si necesita cambiarla, comuníquese con $practice.</p></body></html>",
}


def language_of(preferred: str | None) -> str:
    """The template language for a BCP-47 tag (es-MX → es); English when not available."""
    head = (preferred or "").split("-", 1)[0].lower()
    return head if head in LANGUAGES else DEFAULT_LANGUAGE


def format_when(moment: datetime, language: str) -> str:
    """A visit's date and time as patients read it, e.g. `Tuesday, March 10 at 9:30 AM`."""
    month = _MONTHS[language].split()[moment.month - 1]
    day = _DAYS[language].split()[moment.weekday()]
    if language == "es":
        return f"{day} {moment.day} de {month} a las {moment:%H:%M}"
    hour = moment.hour % 12 or 12
    return f"{day}, {month} {moment.day} at {hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def _values(fields: Fields, language: str, escape: bool = False) -> dict[str, str]:
    values = {
        "first_name": fields.first_name,
        "when": format_when(fields.when, language) if fields.when else "",
        "location": fields.location_name,
        "practice": fields.practice_name or fields.location_name,
    }
    return {k: html.escape(v) for k, v in values.items()} if escape else values


def sms(kind: Kind, fields: Fields, preferred_language: str | None) -> str:
    """The text of an SMS."""
    language = language_of(preferred_language)
    return Template(_SMS[language][kind]).substitute(_values(fields, language))


def reminder_email(fields: Fields, preferred_language: str | None) -> Email:
    """The reminder email, as HTML and as text."""
    language = language_of(preferred_language)
    plain = _values(fields, language)
    return Email(
        subject=Template(_EMAIL_SUBJECT[language]).substitute(plain),
        text=Template(_EMAIL_TEXT[language]).substitute(plain),
        html=Template(_EMAIL_HTML[language]).substitute(_values(fields, language, escape=True)),
    )
