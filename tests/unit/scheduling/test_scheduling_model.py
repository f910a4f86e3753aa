"""Pure scheduling domain: availability, slots, DST, locks, state machine, series, waitlist."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinicflow.platform.errors import ValidationError
from clinicflow.scheduling.model import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    BusyTimeline,
    Closure,
    ExceptionKind,
    InvalidTransitionError,
    Offer,
    Recurrence,
    Room,
    Scope,
    Status,
    WaitlistEntry,
    blocks,
    find_slots,
    next_in_line,
    occurrence_starts,
    targeted,
    working_intervals,
)

DENVER = ZoneInfo("America/Denver")
NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def tpl(**kw):
    hours = kw.pop("hours", None) or [
        {"day": d, "start": "08:00", "end": "17:00"}
        for d in ("mon", "tue", "wed", "thu", "fri", "sun")
    ]
    return AvailabilityTemplate.model_validate(
        {
            "template_id": "tpl-1",
            "provider_id": "prov-a",
            "location_id": "loc-denver",
            "effective_from": "2026-01-01",
            "hours": hours,
            "breaks": kw.pop("breaks", [{"day": "mon", "start": "12:00", "end": "13:00"}]),
            **kw,
        }
    )


VISIT = AppointmentType(type_id="visit", name="Visit", duration_minutes=30)
BUFFERED = AppointmentType(
    type_id="proc",
    name="Procedure",
    duration_minutes=30,
    buffer_before_minutes=10,
    buffer_after_minutes=15,
    needs_room=True,
)


def appt(start, minutes=30, **kw):
    return Appointment(
        appointment_id=kw.pop("appointment_id", "appt-1"),
        patient_id="pat-1",
        provider_id="prov-a",
        location_id="loc-denver",
        time_zone="America/Denver",
        type_id="visit",
        start=start,
        end=start + timedelta(minutes=minutes),
        created_at=NOW,
        updated_at=NOW,
        **kw,
    )


def work(first, last, templates=None, exceptions=(), closures=()):
    return working_intervals(
        provider_id="prov-a",
        location_id="loc-denver",
        zone=DENVER,
        first=first,
        last=last,
        templates=templates or [tpl()],
        exceptions=list(exceptions),
        closures=list(closures),
    )


def local(dt):
    return dt.astimezone(DENVER).strftime("%Y-%m-%d %H:%M")


def test_weekly_hours_minus_break_in_local_time():
    intervals = work(date(2026, 1, 5), date(2026, 1, 5))  # a Monday, MST (UTC-7)
    assert [(local(s), local(e)) for s, e in intervals] == [
        ("2026-01-05 08:00", "2026-01-05 12:00"),
        ("2026-01-05 13:00", "2026-01-05 17:00"),
    ]
    assert intervals[0][0] == datetime(2026, 1, 5, 15, tzinfo=UTC)


def test_effective_dates_bound_the_template():
    late = tpl(effective_from="2026-01-07", effective_to="2026-01-08")
    got = work(date(2026, 1, 5), date(2026, 1, 9), templates=[late])
    assert {local(s)[:10] for s, _ in got} == {"2026-01-07", "2026-01-08"}


def test_spring_forward_day_keeps_wall_clock_hours():
    # 2026-03-08 (Sunday): US clocks jump 02:00 -> 03:00; 08:00-17:00 is 9 h, offset -6.
    got = work(date(2026, 3, 7), date(2026, 3, 9))
    sunday = [i for i in got if local(i[0]).startswith("2026-03-08")]
    assert [(local(s), local(e)) for s, e in sunday] == [("2026-03-08 08:00", "2026-03-08 17:00")]
    assert sunday[0][0] == datetime(2026, 3, 8, 14, tzinfo=UTC)  # MDT
    friday_before = work(date(2026, 3, 6), date(2026, 3, 6))
    assert friday_before[0][0] == datetime(2026, 3, 6, 15, tzinfo=UTC)  # MST


def test_fall_back_day_keeps_wall_clock_hours():
    # 2026-11-01 (Sunday): clocks fall back 02:00 -> 01:00.
    got = work(date(2026, 11, 1), date(2026, 11, 1))
    assert [(local(s), local(e)) for s, e in got] == [("2026-11-01 08:00", "2026-11-01 17:00")]
    assert got[0][0] == datetime(2026, 11, 1, 15, tzinfo=UTC)  # MST again


def test_hours_across_the_spring_gap_lose_an_hour():
    night = tpl(hours=[{"day": "sun", "start": "01:00", "end": "05:00"}], breaks=[])
    (span,) = work(date(2026, 3, 8), date(2026, 3, 8), templates=[night])
    assert span[1] - span[0] == timedelta(hours=3)


def test_hours_across_the_fall_overlap_gain_an_hour():
    night = tpl(hours=[{"day": "sun", "start": "00:30", "end": "03:00"}], breaks=[])
    (span,) = work(date(2026, 11, 1), date(2026, 11, 1), templates=[night])
    assert span[1] - span[0] == timedelta(hours=3, minutes=30)


def test_slots_across_dst_start_at_the_same_local_times():
    for day in (date(2026, 3, 8), date(2026, 11, 1)):
        working = work(day, day)
        slots = find_slots(
            provider_id="prov-a",
            location_id="loc-denver",
            zone=DENVER,
            appointment_type=VISIT,
            working=working,
            provider_busy=BusyTimeline([]),
            step_minutes=60,
        )
        assert [s.start.astimezone(DENVER).hour for s in slots] == list(range(8, 17))


def test_exceptions_and_closures():
    vacation = AvailabilityException(
        exception_id="away-1",
        provider_id="prov-a",
        kind=ExceptionKind.UNAVAILABLE,
        start=datetime(2026, 1, 6, 15, tzinfo=UTC),
        end=datetime(2026, 1, 8, 7, tzinfo=UTC),
    )
    extra = AvailabilityException(
        exception_id="extra-1",
        provider_id="prov-a",
        kind=ExceptionKind.EXTRA_HOURS,
        location_id="loc-denver",
        start=datetime(2026, 1, 10, 16, tzinfo=UTC),
        end=datetime(2026, 1, 10, 19, tzinfo=UTC),
    )
    holiday = Closure(closure_id="closed-1", start_date=date(2026, 1, 8), end_date=date(2026, 1, 8))
    got = work(
        date(2026, 1, 6), date(2026, 1, 10), exceptions=[vacation, extra], closures=[holiday]
    )
    days = sorted({local(s)[:10] for s, _ in got})
    assert days == ["2026-01-09", "2026-01-10"]  # 6th and 7th away, 8th closed, Sat extra
    assert (local(got[-1][0]), local(got[-1][1])) == ("2026-01-10 09:00", "2026-01-10 12:00")


def test_buffers_block_neighbouring_slots():
    day = date(2026, 1, 6)
    busy = BusyTimeline.of([appt(datetime(2026, 1, 6, 17, tzinfo=UTC), buffer_after_minutes=15)])
    slots = find_slots(
        provider_id="prov-a",
        location_id="loc-denver",
        zone=DENVER,
        appointment_type=BUFFERED.model_copy(update={"needs_room": False}),
        working=work(day, day),
        provider_busy=busy,
        step_minutes=15,
    )
    starts = {local(s.start)[11:] for s in slots}
    # existing 10:00-10:30 (+15 after) holds 10:00-10:45; a new one needs 10 min before.
    assert "09:15" in starts and "09:30" not in starts and "10:45" not in starts
    assert "11:00" in starts


def test_rooms_needed_picks_a_free_room_or_none():
    day = date(2026, 1, 6)
    rooms = [
        Room(room_id="room-1", location_id="loc-denver", name="1"),
        Room(room_id="room-2", location_id="loc-denver", name="2"),
    ]
    start = datetime(2026, 1, 6, 15, 10, tzinfo=UTC)  # 08:10 local
    r1 = BusyTimeline([(start - timedelta(minutes=10), start + timedelta(minutes=45))])
    found = find_slots(
        provider_id="prov-a",
        location_id="loc-denver",
        zone=DENVER,
        appointment_type=BUFFERED,
        working=work(day, day),
        provider_busy=BusyTimeline([]),
        rooms=rooms,
        room_busy={"room-1": r1, "room-2": r1},
        step_minutes=5,
    )
    assert found and found[0].start >= start + timedelta(minutes=55)
    found2 = find_slots(
        provider_id="prov-a",
        location_id="loc-denver",
        zone=DENVER,
        appointment_type=BUFFERED,
        working=work(day, day),
        provider_busy=BusyTimeline([]),
        rooms=rooms,
        room_busy={"room-1": r1},
        step_minutes=5,
    )
    assert found2[0].room_id == "room-2" and local(found2[0].start).endswith("08:00")


def test_lock_blocks_cover_buffers_on_utc_five_minute_grid():
    a = appt(
        datetime(2026, 3, 8, 8, 55, tzinfo=UTC),
        minutes=30,
        buffer_before_minutes=5,
        buffer_after_minutes=10,
        room_id="room-1",
    )
    keys = a.lock_keys()
    provider = [k for k in keys if k[0] == "P"]
    assert provider[0][2] == "20260308T0850" and provider[-1][2] == "20260308T0930"
    assert len(provider) == 9 and len(keys) == 18
    assert a.model_copy(update={"overbook": True}).lock_keys() == []
    assert a.model_copy(update={"status": Status.CANCELLED}).lock_keys() == []
    assert blocks(
        datetime(2026, 1, 1, 0, 3, tzinfo=UTC), datetime(2026, 1, 1, 0, 6, tzinfo=UTC)
    ) == ["20260101T0000", "20260101T0005"]


def test_a_type_must_fit_one_transaction():
    AppointmentType(type_id="long", name="Long", duration_minutes=230, needs_room=True).check()
    with pytest.raises(ValidationError) as err:
        AppointmentType(
            type_id="long",
            name="Long",
            duration_minutes=230,
            buffer_after_minutes=5,
            needs_room=True,
        ).check()
    assert err.value.errors[0].field == "duration_minutes"
    # 93 locks + appointment, audit, patient, visit list, and an accepted offer's three items
    AppointmentType(type_id="vlong", name="V", duration_minutes=465).check()
    with pytest.raises(ValidationError):
        AppointmentType(
            type_id="vlong", name="V", duration_minutes=465, buffer_after_minutes=5
        ).check()


def test_status_machine_and_history():
    a = appt(datetime(2026, 1, 6, 15, tzinfo=UTC))
    t = datetime(2026, 1, 6, 14, 50, tzinfo=UTC)
    a = a.moved_to(Status.CONFIRMED, at=t, by="fd")
    a = a.moved_to(Status.CHECKED_IN, at=t + timedelta(minutes=5), by="fd")
    a = a.moved_to(Status.ROOMED, at=t + timedelta(minutes=17), by="ma")
    a = a.moved_to(Status.SEEN, at=t + timedelta(minutes=25), by="dr")
    a = a.moved_to(Status.CHECKED_OUT, at=t + timedelta(minutes=50), by="fd")
    assert [h.status for h in a.history] == [
        Status.CONFIRMED,
        Status.CHECKED_IN,
        Status.ROOMED,
        Status.SEEN,
        Status.CHECKED_OUT,
    ]
    assert a.waits() == {
        "check_in_to_roomed": 12,
        "roomed_to_seen": 8,
        "check_in_to_seen": 20,
        "check_in_to_check_out": 45,
    }
    assert a.version == 6
    with pytest.raises(InvalidTransitionError):
        a.moved_to(Status.CANCELLED, at=t, by="fd")
    fresh = appt(datetime(2026, 1, 6, 15, tzinfo=UTC))
    with pytest.raises(InvalidTransitionError):
        fresh.moved_to(Status.SEEN, at=t, by="fd")
    no_show = fresh.moved_to(Status.NO_SHOW, at=t, by="fd")
    assert not no_show.holds_time and no_show.lock_keys() == []


def test_series_keeps_local_time_across_dst():
    starts = occurrence_starts(
        datetime(2026, 2, 24, 9, 0), DENVER, Recurrence(count=4, interval_weeks=2)
    )
    assert [local(s) for s in starts] == [
        "2026-02-24 09:00",
        "2026-03-10 09:00",
        "2026-03-24 09:00",
        "2026-04-07 09:00",
    ]
    assert starts[0].hour == 16 and starts[1].hour == 15  # MST then MDT
    until = occurrence_starts(
        datetime(2026, 10, 20, 9), DENVER, Recurrence(until=date(2026, 11, 3))
    )
    assert [s.hour for s in until] == [15, 15, 16]
    with pytest.raises(ValidationError):
        occurrence_starts(datetime(2026, 1, 1, 9), DENVER, Recurrence())
    assert targeted([1, 2, 3, 4], Scope.FOLLOWING, 3) == [3, 4]
    assert targeted([1, 2, 3, 4], Scope.ONE, 2) == [2]
    assert targeted([1, 2, 3, 4], Scope.ALL, 3) == [1, 2, 3, 4]


def test_waitlist_fifo_and_fit():
    def entry(i, **kw):
        return WaitlistEntry.model_validate(
            {
                "entry_id": f"wait-{i}",
                "patient_id": f"pat-{i}",
                "type_id": "visit",
                "location_id": "loc-denver",
                "earliest": "2026-01-01",
                "latest": "2026-01-31",
                "created_at": NOW + timedelta(minutes=i),
                **kw,
            }
        )

    entries = [entry(3), entry(1), entry(2, provider_ids=["prov-b"]), entry(4, latest="2026-01-02")]
    got = next_in_line(
        entries,
        type_id="visit",
        provider_id="prov-a",
        location_id="loc-denver",
        day=date(2026, 1, 10),
        count=2,
    )
    assert [e.entry_id for e in got] == ["wait-1", "wait-3"]
    got = next_in_line(
        entries,
        type_id="visit",
        provider_id="prov-a",
        location_id="loc-denver",
        day=date(2026, 1, 10),
        exclude=["wait-1"],
        count=2,
    )
    assert [e.entry_id for e in got] == ["wait-3"]
    offer = Offer(
        offer_id="offer-1",
        provider_id="prov-a",
        location_id="loc-denver",
        type_id="visit",
        start=NOW,
        end=NOW,
        time_zone="America/Denver",
        entry_ids=("wait-1",),
        expires_at=NOW + timedelta(minutes=5),
        hold_seconds=300,
    )
    assert offer.is_live(NOW) and not offer.is_live(NOW + timedelta(minutes=5))
