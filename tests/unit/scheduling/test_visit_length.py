"""Resizing a visit: which lengths a type allows, and what a longer visit holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clinicflow.platform.errors import ValidationError
from clinicflow.scheduling.model import Appointment, AppointmentType

NOW = datetime(2027, 1, 5, 12, tzinfo=UTC)
PROCEDURE = AppointmentType(
    type_id="procedure",
    name="Procedure",
    duration_minutes=45,
    buffer_before_minutes=10,
    buffer_after_minutes=10,
    needs_room=True,
)
VISIT = AppointmentType(type_id="visit", name="Visit", duration_minutes=30)


def refusal(kind: AppointmentType, minutes: int, *, with_room: bool) -> str:
    with pytest.raises(ValidationError) as err:
        kind.check_length(minutes, with_room=with_room)
    (problem,) = err.value.errors
    assert problem.field == "duration_minutes"
    return problem.message


@pytest.mark.parametrize("minutes", [0, -5, 7, 33, 485, 1000])
def test_a_length_off_the_five_minute_grid_or_out_of_range_is_refused(minutes: int) -> None:
    assert "multiple of 5 minutes from 5 to 480" in refusal(VISIT, minutes, with_room=False)


def test_lengths_on_the_grid_are_accepted_up_to_what_one_transaction_holds() -> None:
    VISIT.check_length(5, with_room=False)
    VISIT.check_length(465, with_room=False)
    assert "at most 465 minutes" in refusal(VISIT, 470, with_room=False)
    # 46 blocks x (provider + room) + appointment, audit, patient check, visit-list entry,
    # and an accepted waitlist offer's offer, replaced visit and its audit = 99 items.
    VISIT.check_length(230, with_room=True)
    assert "at most 230 minutes" in refusal(VISIT, 235, with_room=True)


def test_buffers_count_against_the_longest_length() -> None:
    # (100 - 7) // 2 blocks = 230 minutes held per resource, 20 of them buffers.
    PROCEDURE.check_length(210, with_room=True)
    message = refusal(PROCEDURE, 215, with_room=True)
    assert "at most 210 minutes for this type with a room" in message


def test_a_longer_visit_holds_more_blocks_buffers_included() -> None:
    start = datetime(2027, 1, 12, 16, tzinfo=UTC)

    def visit(minutes: int) -> Appointment:
        return Appointment(
            appointment_id="appt-1",
            patient_id="pat-1",
            provider_id="prov-a",
            location_id="loc-denver",
            time_zone="America/Denver",
            type_id="procedure",
            room_id="room-1",
            start=start,
            end=start + timedelta(minutes=minutes),
            buffer_before_minutes=10,
            buffer_after_minutes=10,
            created_at=NOW,
            updated_at=NOW,
        )

    short, long = visit(45), visit(60)
    assert (short.duration_minutes, long.duration_minutes) == (45, 60)
    added = set(long.lock_keys()) - set(short.lock_keys())
    # the wrap-up time moves with the end: 16:55-17:10 gains three blocks per resource
    assert sorted(added) == sorted(
        (kind, res, block)
        for kind, res in (("P", "prov-a"), ("R", "room-1"))
        for block in ("20270112T1655", "20270112T1700", "20270112T1705")
    )
    assert set(short.lock_keys()) <= set(long.lock_keys())
