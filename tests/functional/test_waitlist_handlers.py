"""Waitlist holds and moves against DynamoDB Local, with EventBridge Scheduler in moto.

- An offer's hold timer is a real one-time schedule (the shared adapter, moto's Scheduler);
  the waitlist-expiry handler (functions/waitlist_expiry) runs on its input.
- A patient holding a later appointment moves to the earlier slot: one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from clinicflow.platform import clock as platform_clock
from clinicflow.platform.identity import Role
from clinicflow.platform.schedules import OneTimeSchedules
from clinicflow.providers.service import system_caller
from clinicflow.scheduling.model import OfferStatus, Status, WaitlistPolicy
from clinicflow.scheduling.service import booking, config, waitlist
from clinicflow.scheduling.service.ports import Ports, ServiceDirectory, default_ports
from clinicflow.scheduling.store import DynamoAuditLog, DynamoSchedulingStore
from clinicflow.scheduling.timers import SchedulerHoldTimers, fire_time, schedule_name
from tests.functional.conftest import load_event, load_handler
from tests.functional.test_scheduling_handler import Clinic, _eventually, make_clinic

PRACTICE = "sunrise"
GROUP = "clinicflow-test-waitlist-holds"
TARGET = "arn:aws:lambda:us-east-1:123456789012:function:clinicflow-test-waitlist-expiry"
STORE = DynamoSchedulingStore()


@pytest.fixture
def clinic(tables: Any) -> Clinic:
    return make_clinic(patients=4)


@pytest.fixture
def scheduler(tables: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's EventBridge Scheduler behind the real hold-timer adapter of the default ports."""
    with mock_aws():
        client = boto3.client("scheduler", region_name="us-east-1")
        client.create_schedule_group(Name=GROUP)
        schedules = OneTimeSchedules(
            group=GROUP,
            target_arn=TARGET,
            role_arn="arn:aws:iam::123456789012:role/clinicflow-test-hold-scheduler",
            client=client,
        )
        monkeypatch.setattr(default_ports(), "timers", SchedulerHoldTimers(schedules))
        yield client


@pytest.fixture
def now() -> Iterator[list[datetime]]:
    """The platform clock: a millisecond passes per reading; tests jump it via `now[0]`."""
    moment = [datetime.now(UTC).replace(microsecond=0)]

    def tick() -> datetime:
        moment[0] += timedelta(milliseconds=1)
        return moment[0]

    platform_clock.use_clock(tick)
    yield moment
    platform_clock.use_clock(None)


def _schedule(client: Any, offer_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = client.get_schedule(
            GroupName=GROUP, Name=schedule_name(PRACTICE, offer_id)
        )
    except client.exceptions.ResourceNotFoundException:
        return None
    return found


def _fire(offer_id: str) -> str:
    """Run the expiry function on the input its schedule carries."""
    event = {**load_event("scheduling/hold_expired.json"), "offer_id": offer_id}
    outcome: str = load_handler("waitlist_expiry")(event, None)["outcome"]
    return outcome


def _book(invoke: Any, clinic: Clinic, start: str, patient: int) -> dict[str, Any]:
    res = invoke(
        "scheduling",
        "scheduling/book.json",
        body={
            "patient_id": clinic.patients[patient],
            "provider_id": clinic.providers[0],
            "location_id": "loc-denver",
            "type_id": "visit",
            "start": start,
        },
    )
    assert res.status == 201, res.body
    return dict(res.body)


def _wait(invoke: Any, clinic: Clinic, patient: int, **extra: Any) -> Any:
    return invoke(
        "scheduling",
        "scheduling/add_waitlist.json",
        body={
            "patient_id": clinic.patients[patient],
            "type_id": "visit",
            "location_id": "loc-denver",
            "provider_ids": [clinic.providers[0]],
            "earliest": "2027-01-11",
            "latest": "2027-01-19",
            **extra,
        },
    )


def _free_slot_for(invoke: Any, clinic: Clinic, waiting: int) -> dict[str, Any]:
    """Patient 0's 2027-01-12 09:00 visit is cancelled once `waiting` patients wait."""
    freed = _book(invoke, clinic, "2027-01-12T09:00:00", patient=0)
    _eventually(
        lambda: invoke("scheduling", "scheduling/list_waitlist.json").body["entries"],
        lambda got: len(got) == waiting,
    )
    res = invoke(
        "scheduling", "scheduling/cancel.json", path={"appointment_id": freed["appointment_id"]}
    )
    assert res.status == 200, res.body
    return freed


def _open_offers() -> list[Any]:
    return _eventually(lambda: STORE.open_offers(PRACTICE), lambda got: len(got) >= 1)


def _accept(invoke: Any, offer_id: str, entry_id: str, **extra: Any) -> Any:
    return invoke(
        "scheduling",
        "scheduling/accept_offer.json",
        path={"offer_id": offer_id},
        body={"entry_id": entry_id, **extra},
    )


def test_the_hold_timer_expires_the_offer_once_and_offers_the_next_patient(
    invoke, clinic, scheduler, now
):
    entries = [_wait(invoke, clinic, p).body for p in (1, 2)]
    _free_slot_for(invoke, clinic, waiting=2)
    (first,) = _open_offers()
    assert first.entry_ids == (entries[0]["entry_id"],)
    schedule = _schedule(scheduler, first.offer_id)
    assert schedule is not None
    assert schedule["ScheduleExpression"] == f"at({fire_time(first.expires_at):%Y-%m-%dT%H:%M:%S})"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == TARGET
    assert json.loads(schedule["Target"]["Input"]) == {
        "offer_id": first.offer_id,
        "practice_id": PRACTICE,
    }
    # fired early (it never is on AWS: the schedule is set at the whole minute after the hold)
    assert _fire(first.offer_id) == "not_due"
    now[0] = fire_time(first.expires_at)
    assert _fire(first.offer_id) == "expired"
    assert STORE.get_offer(PRACTICE, first.offer_id).status is OfferStatus.EXPIRED
    (second,) = _open_offers()
    assert second.entry_ids == (entries[1]["entry_id"],) and second.round == 2
    assert _schedule(scheduler, first.offer_id) is None
    assert _schedule(scheduler, second.offer_id) is not None
    # Scheduler may deliver twice: nothing more happens
    assert _fire(first.offer_id) == "expired"
    assert [(o.offer_id, o.version) for o in STORE.open_offers(PRACTICE)] == [(second.offer_id, 1)]
    # the second patient accepts: their timer goes, and a late firing changes nothing
    accepted = _accept(invoke, second.offer_id, entries[1]["entry_id"])
    assert accepted.status == 200, accepted.body
    assert _schedule(scheduler, second.offer_id) is None
    now[0] += timedelta(hours=1)
    assert _fire(second.offer_id) == "closed"
    got = invoke(
        "scheduling",
        "scheduling/get.json",
        path={"appointment_id": accepted.body["appointment_id"]},
    )
    assert got.body["status"] == "booked" and got.body["patient_id"] == clinic.patients[2]
    assert STORE.open_offers(PRACTICE) == []


def test_declines_drop_the_timer_once_everyone_in_the_round_said_no(invoke, clinic, scheduler, now):
    config.put_record(
        system_caller(PRACTICE),
        WaitlistPolicy,
        {"policy_id": "waitlist", "hold_seconds": 900, "batch": 2},
    )
    entries = [_wait(invoke, clinic, p).body for p in (1, 2)]
    _free_slot_for(invoke, clinic, waiting=2)
    (offer,) = _open_offers()
    assert offer.entry_ids == (entries[0]["entry_id"], entries[1]["entry_id"])
    for n, entry in enumerate(entries):
        res = invoke(
            "scheduling",
            "scheduling/decline_offer.json",
            path={"offer_id": offer.offer_id},
            body={"entry_id": entry["entry_id"]},
        )
        assert res.status == 200, res.body
        still_armed = _schedule(scheduler, offer.offer_id) is not None
        assert still_armed is (n == 0)  # the other patient may still accept
    assert STORE.get_offer(PRACTICE, offer.offer_id).status is OfferStatus.EXPIRED


def test_accepting_an_earlier_slot_moves_the_patient_in_one_step(invoke, clinic, scheduler, now):
    later = _book(invoke, clinic, "2027-01-20T09:00:00", patient=1)
    other = _book(invoke, clinic, "2027-01-26T09:00:00", patient=2)
    refused = _wait(invoke, clinic, 1, replaces_appointment_id=other["appointment_id"])
    assert refused.status == 422 and refused.body["fields"][0]["field"] == "replaces_appointment_id"
    too_late = _wait(
        invoke, clinic, 1, replaces_appointment_id=later["appointment_id"], latest="2027-01-21"
    )
    assert too_late.status == 422 and too_late.body["fields"][0]["field"] == "latest"
    entry = _wait(invoke, clinic, 1, replaces_appointment_id=later["appointment_id"]).body
    assert entry["replaces_appointment_id"] == later["appointment_id"]
    _free_slot_for(invoke, clinic, waiting=1)
    (offer,) = _open_offers()
    moved = _accept(invoke, offer.offer_id, entry["entry_id"])
    assert moved.status == 200, moved.body
    assert moved.body["start_local"] == "2027-01-12T09:00:00-07:00"
    gave_up = invoke(
        "scheduling", "scheduling/get.json", path={"appointment_id": later["appointment_id"]}
    ).body
    assert gave_up["status"] == "cancelled"
    assert gave_up["cancel_reason"] == "moved_to_earlier_slot"
    assert gave_up["history"][-1]["reason"] == "moved to earlier slot from waitlist"
    # its time is free again, for anyone
    _book(invoke, clinic, "2027-01-20T09:00:00", patient=3)
    done = STORE.get_entry(PRACTICE, entry["entry_id"])
    assert done is not None and done.status.value == "booked"
    assert done.appointment_id == moved.body["appointment_id"]
    assert done.replaces_appointment_id == later["appointment_id"]


def test_naming_the_later_appointment_when_accepting_links_it_to_the_entry(
    invoke, clinic, scheduler, now
):
    later = _book(invoke, clinic, "2027-01-21T10:00:00", patient=1)
    entry = _wait(invoke, clinic, 1).body
    assert entry["replaces_appointment_id"] is None
    _free_slot_for(invoke, clinic, waiting=1)
    (offer,) = _open_offers()
    moved = _accept(
        invoke, offer.offer_id, entry["entry_id"], replaces_appointment_id=later["appointment_id"]
    )
    assert moved.status == 200, moved.body
    assert STORE.get(PRACTICE, later["appointment_id"]).status is Status.CANCELLED
    linked = STORE.get_entry(PRACTICE, entry["entry_id"])
    assert linked is not None and linked.replaces_appointment_id == later["appointment_id"]


class RacingStore(DynamoSchedulingStore):
    """The real store; right before the booking transaction, the front desk confirms the
    later appointment (a concurrent change the transaction must notice)."""

    def __init__(self, clinic: Clinic, appointment_id: str) -> None:
        self.clinic, self.appointment_id = clinic, appointment_id

    def book(self, *args: Any, **kwargs: Any) -> None:
        booking.change_status(self.clinic.caller(), self.appointment_id, Status.CONFIRMED)
        super().book(*args, **kwargs)


def test_a_move_never_leaves_both_or_neither_appointment(invoke, clinic, scheduler, now):
    later = _book(invoke, clinic, "2027-01-22T09:00:00", patient=1)
    entry = _wait(invoke, clinic, 1, replaces_appointment_id=later["appointment_id"]).body
    _free_slot_for(invoke, clinic, waiting=1)
    (offer,) = _open_offers()
    racing = Ports(
        RacingStore(clinic, later["appointment_id"]),
        ServiceDirectory(),
        DynamoAuditLog(),
        timers=default_ports().timers,
    )
    with pytest.raises(Exception) as refused:
        waitlist.accept_offer(
            clinic.caller(Role.FRONT_DESK), offer.offer_id, entry["entry_id"], ports=racing
        )
    assert getattr(refused.value, "code", "") == "replaced_appointment_changed"
    # neither changed: the later visit still holds its time, the earlier slot is still free
    kept = STORE.get(PRACTICE, later["appointment_id"])
    assert kept is not None and kept.status is Status.CONFIRMED
    assert STORE.get_offer(PRACTICE, offer.offer_id).status is OfferStatus.OPEN
    day = invoke(
        "scheduling",
        "scheduling/list.json",
        query={"location_id": "loc-denver", "from_date": "2027-01-12"},
    )
    assert day.body["appointments"] == []
    # accepted again without the race: the move goes through
    moved = _accept(invoke, offer.offer_id, entry["entry_id"])
    assert moved.status == 200, moved.body
    assert STORE.get(PRACTICE, later["appointment_id"]).status is Status.CANCELLED


def test_a_malformed_timer_input_changes_nothing(tables):
    handler = load_handler("waitlist_expiry")
    assert handler({"practice_id": PRACTICE}, None) == {"outcome": "invalid"}
    assert _fire("offer-0000000000000000") == "unknown"
