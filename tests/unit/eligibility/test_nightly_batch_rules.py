"""The nightly batch with fakes: planning, the per-payer limiter's rules, flags, deferral."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from eligibility_fakes import FakeHistory, Journal, subject

from clinicflow.eligibility.batch import (
    Visit,
    WorkItem,
    WorkResult,
    defer_seconds,
    plan_lease,
    plan_nightly,
    work,
)
from clinicflow.eligibility.flags import AppointmentFlag, FlagKind
from clinicflow.eligibility.model import (
    EligibilityCheck,
    EligibilityNotAvailableError,
    EligibilityResult,
    EligibilityStatus,
    problem_from_aaa,
)
from clinicflow.eligibility.policy import EligibilitySettings
from clinicflow.platform.identity import Caller

NOW = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)


class Source:
    def __init__(self, visits: dict[str, list[Visit]], cancelled: Sequence[str] = ()) -> None:
        self.visits = visits
        self.cancelled = set(cancelled)
        self.asked: list[tuple[str, datetime, datetime]] = []

    def upcoming(self, practice_id: str, start: datetime, end: datetime) -> list[Visit]:
        self.asked.append((practice_id, start, end))
        return self.visits.get(practice_id, [])

    def still_due(self, practice_id: str, appointment_id: str) -> bool:
        return appointment_id not in self.cancelled


class Practices:
    def __init__(self, settings: dict[str, EligibilitySettings]) -> None:
        self.settings = settings

    def nightly_practices(self) -> list[str]:
        return [p for p, s in self.settings.items() if s.nightly_enabled]

    def get(self, practice_id: str) -> EligibilitySettings:
        return self.settings.get(practice_id, EligibilitySettings())


class Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, bodies: Sequence[str]) -> None:
        self.bodies += bodies


class Limiter:
    def __init__(self) -> None:
        self.held: dict[tuple[str, str], set[str]] = {}
        self.most = 0
        self.n = 0

    def acquire(
        self, practice_id: str, payer_id: str, *, limit: int, lease_seconds: int
    ) -> str | None:
        held = self.held.setdefault((practice_id, payer_id), set())
        if len(held) >= limit:
            return None
        self.n += 1
        held.add(str(self.n))
        self.most = max(self.most, len(held))
        return str(self.n)

    def release(self, practice_id: str, payer_id: str, lease_id: str) -> None:
        self.held[(practice_id, payer_id)].discard(lease_id)


class Flags:
    def __init__(self) -> None:
        self.items: dict[str, AppointmentFlag] = {}

    def put(self, practice_id: str, flag: AppointmentFlag) -> None:
        self.items[flag.appointment_id] = flag


class Coverages:
    def __init__(self, primary: dict[str, tuple[str, str] | None]) -> None:
        self.primary_of = primary

    def primary(self, caller: Caller, patient_id: str) -> tuple[str, str] | None:
        return self.primary_of.get(patient_id)


def visit(n: int, patient: str = "p1", service_type: str = "98") -> Visit:
    return Visit(f"appt-{n}", patient, START + timedelta(hours=n), START.date(), service_type)


def item(n: int, patient: str = "p1") -> WorkItem:
    v = visit(n, patient)
    return WorkItem(
        practice_id="prac-a",
        appointment_id=v.appointment_id,
        patient_id=patient,
        start=v.start,
        service_date=v.service_date,
        service_type="98",
    )


def stored_check(status: EligibilityStatus, **result: object) -> EligibilityCheck:
    s = subject()
    return EligibilityCheck(
        id="ab" * 16,
        patient_id="p1",
        coverage_id="cov-1",
        payer_id="MRDN1",
        service_date=START.date(),
        service_types=["98"],
        requested_by="x",
        requested_at=NOW,
        result=EligibilityResult(status=status, **result),  # type: ignore[arg-type]
        has_response=True,
        fingerprint=s.member_id,
    )


def test_planning_enqueues_one_id_only_message_per_visit_of_enabled_practices() -> None:
    practices = Practices(
        {
            "prac-a": EligibilitySettings(nightly_enabled=True, nightly_days=3),
            "prac-b": EligibilitySettings(nightly_enabled=False),
        }
    )
    source = Source({"prac-a": [visit(1), visit(2, "p2", "30")], "prac-b": [visit(3)]})
    queue = Queue()
    assert plan_nightly(practices=practices, source=source, queue=queue, now=NOW) == 2
    assert source.asked == [("prac-a", NOW, NOW + timedelta(days=3))]
    messages = [json.loads(b) for b in queue.bodies]
    assert [m["appointment_id"] for m in messages] == ["appt-1", "appt-2"]
    assert messages[1]["service_type"] == "30"
    assert set(messages[0]) == {
        "v",
        "practice_id",
        "appointment_id",
        "patient_id",
        "start",
        "service_date",
        "service_type",
    }


def test_a_practice_schedule_plans_that_practice_only_and_nothing_once_turned_off() -> None:
    practices = Practices(
        {
            "prac-a": EligibilitySettings(nightly_enabled=True, nightly_days=3),
            "prac-b": EligibilitySettings(nightly_enabled=True, nightly_days=1),
            "prac-c": EligibilitySettings(nightly_enabled=False),
        }
    )
    visits = {"prac-a": [visit(1)], "prac-b": [visit(2), visit(3)], "prac-c": [visit(4)]}
    source, queue = Source(visits), Queue()
    assert plan_nightly(practices=practices, source=source, queue=queue, now=NOW, only="prac-b")
    assert source.asked == [("prac-b", NOW, NOW + timedelta(days=1))]
    assert {json.loads(b)["practice_id"] for b in queue.bodies} == {"prac-b"}
    # A schedule left behind after nightly checks were turned off plans nothing.
    off = plan_nightly(practices=practices, source=source, queue=Queue(), now=NOW, only="prac-c")
    assert off == 0 and source.asked[1:] == []


def _work(
    it: WorkItem,
    run: object,
    *,
    coverages: Coverages | None = None,
    limiter: Limiter | None = None,
    flags: Flags | None = None,
    source: Source | None = None,
    limit: int = 2,
) -> WorkResult:
    return work(
        it,
        source=source or Source({}),
        coverages=coverages or Coverages({"p1": ("cov-1", "MRDN1")}),
        limiter=limiter or Limiter(),
        flags=flags or Flags(),
        settings=EligibilitySettings(payer_concurrency=limit),
        run=run,  # type: ignore[arg-type]
        now=lambda: NOW,
    )


@pytest.mark.parametrize(
    ("status", "kind", "problem"),
    [
        (EligibilityStatus.ACTIVE, FlagKind.OK, False),
        (EligibilityStatus.INACTIVE, FlagKind.INACTIVE, True),
        (EligibilityStatus.REJECTED, FlagKind.AAA_ERROR, True),
        (EligibilityStatus.PAYER_UNAVAILABLE, FlagKind.PAYER_UNAVAILABLE, True),
    ],
)
def test_each_outcome_flags_the_appointment(
    status: EligibilityStatus, kind: FlagKind, problem: bool
) -> None:
    problems = [problem_from_aaa("subscriber", "72", "Invalid member id", "C")]
    check = stored_check(status, problems=problems if status is EligibilityStatus.REJECTED else [])
    calls: list[tuple[str, date, str]] = []

    def run(
        caller: Caller, patient_id: str, coverage_id: str, d: date, st: str
    ) -> EligibilityCheck:
        calls.append((coverage_id, d, st))
        assert caller.practice_id == "prac-a"
        return check

    flags = Flags()
    result = _work(item(1), run, flags=flags)
    assert result.done and calls == [("cov-1", START.date(), "98")]
    flag = flags.items["appt-1"]
    assert (flag.kind, flag.problem, flag.check_id) == (kind, problem, check.id)
    if status is EligibilityStatus.REJECTED:
        assert "member ID" in flag.actions[0]


def test_no_primary_coverage_is_flagged_without_a_check() -> None:
    flags = Flags()
    result = _work(item(1, "p9"), lambda *a: pytest.fail("no check"), flags=flags)
    assert result.done and flags.items["appt-1"].kind is FlagKind.NO_COVERAGE


def test_an_uncheckable_payer_is_flagged_and_the_slot_returned() -> None:
    def run(*_: object) -> EligibilityCheck:
        raise EligibilityNotAvailableError("no route")

    limiter, flags = Limiter(), Flags()
    assert _work(item(1), run, limiter=limiter, flags=flags).done
    assert flags.items["appt-1"].kind is FlagKind.NOT_CHECKABLE
    assert limiter.held[("prac-a", "MRDN1")] == set()


def test_a_cancelled_appointment_is_skipped() -> None:
    flags = Flags()
    result = _work(
        item(1),
        lambda *a: pytest.fail("no check"),
        flags=flags,
        source=Source({}, cancelled=["appt-1"]),
    )
    assert result.done and flags.items == {}


def test_no_free_payer_slot_defers_the_message() -> None:
    limiter = Limiter()
    limiter.held[("prac-a", "MRDN1")] = {"x", "y"}
    result = _work(item(1), lambda *a: pytest.fail("no check"), limiter=limiter, limit=2)
    assert not result.done and result.flag is None
    other_payer = Coverages({"p1": ("cov-1", "OTHER")})
    assert _work(
        item(1),
        lambda *a: stored_check(EligibilityStatus.ACTIVE),
        limiter=limiter,
        coverages=other_payer,
    ).done


def test_the_slot_is_released_even_when_the_check_fails() -> None:
    limiter = Limiter()

    def boom(*_: object) -> EligibilityCheck:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        _work(item(1), boom, limiter=limiter)
    assert limiter.held[("prac-a", "MRDN1")] == set()


# --- the limiter's rule and deferral ---------------------------------------------------


def test_plan_lease_drops_expired_leases_and_counts_live_ones() -> None:
    leases = {"a": 100.0, "b": 200.0, "c": 50.0}
    assert plan_lease(leases, 150, 2) == (["a", "c"], True)
    assert plan_lease(leases, 40, 3) == ([], False)
    assert plan_lease({}, 0, 1) == ([], True)
    assert plan_lease({"a": 10.0}, 10, 1) == (["a"], True)  # expiry is exclusive


def test_deferral_grows_with_receives_with_jitter_and_a_cap() -> None:
    assert [defer_seconds(n, lambda: 0.0) for n in (1, 2, 3, 4)] == [7, 15, 30, 60]
    assert [defer_seconds(n, lambda: 1.0) for n in (1, 2, 3)] == [15, 30, 60]
    assert defer_seconds(30, lambda: 1.0) == 300


def test_work_items_ignore_unknown_fields_and_validate_known_ones() -> None:
    body = item(1).model_dump_json()
    data = json.loads(body) | {"future": 1}
    assert WorkItem.model_validate(data).appointment_id == "appt-1"
    with pytest.raises(ValueError):
        WorkItem.model_validate({"practice_id": "p"})


def test_fakes_module_still_works() -> None:
    assert FakeHistory(Journal()).for_coverage("prac-a", "c") == ([], None)
