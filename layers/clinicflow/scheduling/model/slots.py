"""Availability and slot search (pure): templates, exceptions, closures, appointments,
buffers and rooms, in the location's time zone, correct across daylight-saving changes.

Intervals are half-open `(start, end)` pairs of aware UTC datetimes. Wall-clock times come
from templates and are converted per local day with zoneinfo, so "09:00" stays 09:00 local
on both sides of a DST change (and a day that loses an hour has one hour less).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinicflow.scheduling.model.appointment import Appointment, overlaps
from clinicflow.scheduling.model.config import (
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    Closure,
    ExceptionKind,
    Room,
)

Interval = tuple[datetime, datetime]
STEPS = (5, 10, 15, 20, 30, 60)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local day.

    A time skipped by a spring-forward change maps to the instant an hour later on the
    wall clock (PEP 495 fold=0), so hours never vanish silently into the gap.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day starts."""
    return local_instant(day, time(0), zone)


def days(first: date, last: date) -> list[date]:
    """Every date from first to last, inclusive."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of intervals (touching ones joined)."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(base: Sequence[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """`base` minus every cut."""
    result = list(merge(base))
    for cs, ce in merge(cuts):
        nxt: list[Interval] = []
        for s, e in result:
            if ce <= s or e <= cs:
                nxt.append((s, e))
                continue
            if s < cs:
                nxt.append((s, cs))
            if ce < e:
                nxt.append((ce, e))
        result = nxt
    return result


def working_intervals(
    *,
    provider_id: str,
    location_id: str,
    zone: ZoneInfo,
    first: date,
    last: date,
    templates: Sequence[AvailabilityTemplate],
    exceptions: Sequence[AvailabilityException],
    closures: Sequence[Closure],
) -> list[Interval]:
    """When the provider works at the location, local days first..last, in UTC."""
    hours: list[Interval] = []
    breaks: list[Interval] = []
    for day in days(first, last):
        for tpl in templates:
            if tpl.provider_id != provider_id or tpl.location_id != location_id:
                continue
            if not tpl.applies(day):
                continue
            for h in tpl.hours:
                if h.day.number == day.weekday():
                    hours.append(
                        (local_instant(day, h.start, zone), local_instant(day, h.end, zone))
                    )
            for b in tpl.breaks:
                if b.day.number == day.weekday():
                    breaks.append(
                        (local_instant(day, b.start, zone), local_instant(day, b.end, zone))
                    )
    worked = subtract(hours, breaks)
    extra = [
        (x.start, x.end)
        for x in exceptions
        if x.provider_id == provider_id
        and x.kind is ExceptionKind.EXTRA_HOURS
        and x.location_id == location_id
    ]
    away = [
        (x.start, x.end)
        for x in exceptions
        if x.provider_id == provider_id
        and x.kind is ExceptionKind.UNAVAILABLE
        and x.location_id in (None, location_id)
    ]
    closed = [
        (local_midnight(c.start_date, zone), local_midnight(c.end_date + timedelta(days=1), zone))
        for c in closures
        if c.location_id in (None, location_id)
    ]
    return subtract(merge([*worked, *extra]), [*away, *closed])


class BusyTimeline:
    """Held intervals of one resource, sorted, with a fast overlap test."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        self.intervals = merge(intervals)
        self._starts = [s for s, _ in self.intervals]

    def is_free(self, span: Interval) -> bool:
        """True when nothing held overlaps `span`."""
        i = bisect.bisect_left(self._starts, span[1])
        return not (i > 0 and self.intervals[i - 1][1] > span[0])

    @classmethod
    def of(cls, appointments: Iterable[Appointment]) -> BusyTimeline:
        """The time held by appointments (buffers included; cancelled ones hold nothing)."""
        return cls(a.footprint for a in appointments if a.holds_time)


@dataclass(frozen=True)
class Slot:
    """A bookable start for one provider (and the first free room, when one is needed)."""

    provider_id: str
    location_id: str
    type_id: str
    start: datetime
    end: datetime
    room_id: str | None = None


def find_slots(
    *,
    provider_id: str,
    location_id: str,
    zone: ZoneInfo,
    appointment_type: AppointmentType,
    working: Sequence[Interval],
    provider_busy: BusyTimeline,
    rooms: Sequence[Room] = (),
    room_busy: dict[str, BusyTimeline] | None = None,
    step_minutes: int = 15,
    not_before: datetime | None = None,
    limit: int = 500,
) -> list[Slot]:
    """Slots whose visit lies in working time and whose footprint (buffers included) is free.

    Candidate starts sit on the local wall-clock grid of `step_minutes` (09:00, 09:15, ...).
    When the type needs a room, a slot needs one of `rooms` free for the footprint too.
    """
    t = appointment_type
    duration = timedelta(minutes=t.duration_minutes)
    before = timedelta(minutes=t.buffer_before_minutes)
    after = timedelta(minutes=t.buffer_after_minutes)
    step = timedelta(minutes=step_minutes)
    slots: list[Slot] = []
    for ws, we in working:
        base = ws.replace(second=0, microsecond=0)
        if base < ws:
            base += timedelta(minutes=1)
        local = base.astimezone(zone)
        start = base + timedelta(minutes=(-(local.hour * 60 + local.minute)) % step_minutes)
        while start + duration <= we:
            footprint = (start - before, start + duration + after)
            if (not_before is None or start >= not_before) and provider_busy.is_free(footprint):
                room_id = _free_room(footprint, rooms, room_busy) if t.needs_room else None
                if not t.needs_room or room_id:
                    slots.append(
                        Slot(provider_id, location_id, t.type_id, start, start + duration, room_id)
                    )
                    if len(slots) >= limit:
                        return slots
            start += step
    return slots


def _free_room(
    footprint: Interval, rooms: Sequence[Room], busy: dict[str, BusyTimeline] | None
) -> str | None:
    for room in rooms:
        timeline = (busy or {}).get(room.room_id)
        if timeline is None or timeline.is_free(footprint):
            return room.room_id
    return None


def room_timelines(appointments: Iterable[Appointment]) -> dict[str, BusyTimeline]:
    """Per room: the time held by the appointments using it."""
    held: dict[str, list[Interval]] = {}
    for a in appointments:
        if a.room_id and a.holds_time:
            held.setdefault(a.room_id, []).append(a.footprint)
    return {room: BusyTimeline(spans) for room, spans in held.items()}


def nearest(slots: Iterable[Slot], wanted: datetime, count: int = 5) -> list[Slot]:
    """The `count` slots closest in time to `wanted`, in time order."""
    best = sorted(slots, key=lambda s: (abs((s.start - wanted).total_seconds()), s.start))
    return sorted(best[:count], key=lambda s: (s.start, s.provider_id))


def within(span: Interval, working: Sequence[Interval]) -> bool:
    """True when `span` lies inside one working interval."""
    return any(ws <= span[0] and span[1] <= we for ws, we in working)


def conflicts(span: Interval, appointments: Iterable[Appointment]) -> list[Appointment]:
    """Appointments holding time that overlaps `span`."""
    return [a for a in appointments if a.holds_time and overlaps(span, a.footprint)]
