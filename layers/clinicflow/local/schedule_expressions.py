"""EventBridge schedule expressions - at(), rate() and cron() - evaluated for the local clock.

cron has six fields: minutes hours day-of-month month day-of-week year, evaluated in the
schedule's time zone (so a 02:00 nightly job stays at 02:00 local across daylight saving).
Supported: `*`, `?`, numbers, names (JAN, MON), ranges `a-b`, lists `a,b`, steps `*/n`, `a/n`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


class ScheduleExpressionError(ValueError):
    """The expression is not one the local clock can evaluate."""


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    if text in {"*", "?"}:
        return set(range(low, high + 1))
    values: set[int] = set()
    for item in text.split(","):
        part, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if part in {"*", ""}:
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not low <= start <= high or not low <= end <= high:
            raise ScheduleExpressionError(f"cron field value out of range in {text!r}")
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleExpressionError(f"unsupported cron token {text!r}")
    return int(text)


def cron_times(
    expression: str, zone: str | None, after: datetime, until: datetime
) -> Iterator[datetime]:
    """UTC instants in (after, until] matching a `cron(...)` expression."""
    fields = expression.removeprefix("cron(").removesuffix(")").split()
    if len(fields) != 6:
        raise ScheduleExpressionError("cron needs six fields")
    minutes, hours = _field(fields[0], 0, 59), _field(fields[1], 0, 23)
    doms, months = _field(fields[2], 1, 31), _field(fields[3], 1, 12, MONTHS)
    dows = _field(fields[4], 1, 7, DAYS)
    years = _field(fields[5], 1970, 2199)
    tz = ZoneInfo(zone or "UTC")
    instant = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    while instant <= until:
        local = instant.astimezone(tz)
        dow = (local.isoweekday() % 7) + 1  # SUN=1 ... SAT=7
        if (
            local.minute in minutes
            and local.hour in hours
            and local.month in months
            and local.year in years
            and local.day in doms
            and dow in dows
        ):
            yield instant
        instant += timedelta(minutes=1)


def due_times(
    expression: str, zone: str | None, after: datetime, until: datetime, anchor: datetime
) -> list[datetime]:
    """Every instant in (after, until] at which the expression fires."""
    if expression.startswith("at("):
        local = datetime.fromisoformat(expression[3:-1])
        when = local.replace(tzinfo=ZoneInfo(zone or "UTC")).astimezone(UTC)
        return [when] if after < when <= until else []
    if expression.startswith("rate("):
        match = re.fullmatch(r"rate\((\d+) (\w+)\)", expression)
        if not match or match.group(2) not in RATE_UNITS:
            raise ScheduleExpressionError("rate needs a number and minute(s)/hour(s)/day(s)")
        period = timedelta(seconds=int(match.group(1)) * RATE_UNITS[match.group(2)])
        first = anchor + period * max(1, -(-(after - anchor) // period))
        times = []
        while first <= until:
            if first > after:
                times.append(first)
            first += period
        return times
    if expression.startswith("cron("):
        return list(cron_times(expression, zone, after, until))
    raise ScheduleExpressionError("expected at(), rate() or cron()")
