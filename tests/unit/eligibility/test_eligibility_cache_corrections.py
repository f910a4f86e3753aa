"""Cache rules, history paging, the corrections diff and applying corrections (fakes only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from eligibility_fakes import (
    COVERAGE_ID,
    FRONT_DESK,
    OTHER_PRACTICE,
    PATIENT_ID,
    SERVICE_DATE,
    CorrectingClearinghouse,
    FakeAudit,
    FakeDirectory,
    FakeDocuments,
    FakeHistory,
    FakeSubjects,
    Journal,
    RecordingClearinghouse,
    subject,
)

from clinicflow.audit.model import Action
from clinicflow.clearinghouse.port import EligibilityClearinghouse
from clinicflow.eligibility import history, service
from clinicflow.eligibility.corrections import (
    ReturnedIdentity,
    ReturnedPerson,
    corrections_for,
    display_value,
    normalise_id,
    normalise_name,
)
from clinicflow.eligibility.model import Correction, EligibilityStatus
from clinicflow.eligibility.policy import EligibilitySettings, fingerprint, reusable
from clinicflow.platform.errors import ConflictError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Env:
    def __init__(
        self,
        member_id: str = "SBX-ACTIVE-001",
        inner: EligibilityClearinghouse | None = None,
        **subject_args: Any,
    ) -> None:
        self.journal = Journal()
        self.subjects = FakeSubjects(subject(member_id, **subject_args))
        self.clearinghouse = RecordingClearinghouse(self.journal, inner)
        self.documents = FakeDocuments(self.journal)
        self.checks = FakeHistory(self.journal)
        self.audit = FakeAudit()
        self.clock = [T0]
        self.ids = iter(f"{n:032x}" for n in range(1, 1000))

    def check(
        self,
        *,
        force: bool = False,
        hours: int = 24,
        types: Sequence[str] = ("98",),
        service_date: date = SERVICE_DATE,
        caller: Caller = FRONT_DESK,
    ) -> service.CheckOutcome:
        return service.check_eligibility(
            caller,
            service.CheckRequest(PATIENT_ID, COVERAGE_ID, service_date, list(types)),
            subjects=self.subjects,
            clearinghouses=FakeDirectory(self.clearinghouse),
            documents=self.documents,
            checks=self.checks,
            audit=self.audit,
            settings=EligibilitySettings(cache_hours=hours),
            force=force,
            now=lambda: self.clock[0],
            new_id=lambda: next(self.ids),
        )


# --- cache -----------------------------------------------------------------------------


def test_the_same_question_within_the_cache_time_reuses_the_answer() -> None:
    env = Env()
    first = env.check()
    assert not first.cached
    env.clock[0] += timedelta(hours=23)
    again = env.check()
    assert again.cached and again.check.id == first.check.id
    assert len(env.clearinghouse.sent) == 1
    assert env.audit.records[-1].action is Action.READ  # a reuse is an audited read


def test_force_expiry_and_other_questions_ask_the_payer() -> None:
    env = Env()
    env.check()
    assert not env.check(force=True).cached
    assert not env.check(types=("30",)).cached
    assert not env.check(service_date=SERVICE_DATE + timedelta(days=1)).cached
    env.clock[0] += timedelta(hours=25)
    assert not env.check().cached
    assert len(env.clearinghouse.sent) == 5


def test_a_changed_member_id_misses_the_cache() -> None:
    env = Env()
    env.check()
    env.subjects.value = subject("SBX-ACTIVE-002")
    assert not env.check().cached


@pytest.mark.parametrize("member_id", ["SBX-TIMEOUT-1", "SBX-BADID-1", "SBX-BUSY-1"])
def test_failures_and_rejections_are_never_reused(member_id: str) -> None:
    env = Env(member_id)
    env.check()
    assert not env.check().cached


def test_cache_hours_zero_turns_the_cache_off() -> None:
    env = Env()
    env.check(hours=0)
    assert not env.check(hours=0).cached


def test_reusable_picks_the_newest_matching_check() -> None:
    env = Env()
    a = env.check().check
    env.clock[0] += timedelta(hours=1)
    b = env.check(force=True).check
    settings = EligibilitySettings()
    assert a.fingerprint == b.fingerprint
    key = a.fingerprint or ""
    assert reusable([a, b], key=key, now=env.clock[0], settings=settings) == b
    assert reusable([a, b], key="other", now=env.clock[0], settings=settings) is None
    later = env.clock[0] + timedelta(hours=24, minutes=1)
    assert reusable([a], key=key, now=later, settings=settings) is None


def test_fingerprint_depends_on_what_the_270_carries() -> None:
    s = subject()
    assert fingerprint(s, SERVICE_DATE, ["98"]) == fingerprint(s, SERVICE_DATE, ["98"])
    assert fingerprint(s, SERVICE_DATE, ["98"]) != fingerprint(s, SERVICE_DATE, ["30"])
    assert fingerprint(s, SERVICE_DATE, ["98"]) != fingerprint(subject("X1"), SERVICE_DATE, ["98"])


def test_history_pages_newest_first_and_hides_other_practices() -> None:
    env = Env()
    ids = []
    for _ in range(3):
        ids.append(env.check(force=True).check.id)
        env.clock[0] += timedelta(minutes=5)
    page = history.coverage_history(
        FRONT_DESK,
        PATIENT_ID,
        COVERAGE_ID,
        subjects=env.subjects,
        checks=env.checks,
        audit=env.audit,
        limit=2,
    )
    assert [c.id for c in page.checks] == ids[::-1][:2] and page.cursor
    rest = history.coverage_history(
        FRONT_DESK,
        PATIENT_ID,
        COVERAGE_ID,
        subjects=env.subjects,
        checks=env.checks,
        audit=env.audit,
        limit=2,
        cursor=page.cursor,
    )
    assert [c.id for c in rest.checks] == [ids[0]] and rest.cursor is None
    with pytest.raises(NotFoundError):
        history.coverage_history(
            OTHER_PRACTICE,
            PATIENT_ID,
            COVERAGE_ID,
            subjects=env.subjects,
            checks=env.checks,
            audit=env.audit,
        )
    with pytest.raises(ValidationError):
        history.coverage_history(
            FRONT_DESK,
            PATIENT_ID,
            COVERAGE_ID,
            subjects=env.subjects,
            checks=env.checks,
            audit=env.audit,
            limit=0,
        )


# --- the diff --------------------------------------------------------------------------


def test_normalising_ignores_case_punctuation_spacing_and_id_hyphens() -> None:
    assert normalise_name(" o'neil-smith ") == normalise_name("ONEIL SMITH")
    assert normalise_id("ab-12 34") == normalise_id("AB1234")
    assert display_value("GREENE", "Green") == "Greene"
    assert display_value("GREENE", "GREEN") == "GREENE"


def test_same_values_in_payer_spelling_are_not_corrections() -> None:
    returned = ReturnedIdentity(
        subscriber=ReturnedPerson(
            last_name="SYNTHETICO",
            first_name="TESTA",
            birth_date=date(1984, 7, 19),
            member_id="sbx-active-001",
        )
    )
    assert corrections_for(subject(), returned) == []
    assert corrections_for(subject(), None) == []


def test_self_corrections_name_the_patient_fields() -> None:
    returned = ReturnedIdentity(
        subscriber=ReturnedPerson(
            last_name="SYNTHETICOS",
            first_name="TESTA",
            birth_date=date(1984, 7, 20),
            member_id="SBX-ACTIVE-009",
        )
    )
    got = {c.field: (c.sent, c.returned) for c in corrections_for(subject(), returned)}
    assert got == {
        "member_id": ("SBX-ACTIVE-001", "SBX-ACTIVE-009"),
        "patient.last_name": ("Synthetico", "SYNTHETICOS"),
        "patient.birth_date": ("1984-07-19", "1984-07-20"),
    }


def test_dependent_corrections_split_subscriber_and_patient() -> None:
    returned = ReturnedIdentity(
        subscriber=ReturnedPerson(
            last_name="SYNTHETICO", first_name="TESSA", member_id="SBX-ACTIVE-001"
        ),
        dependent=ReturnedPerson(
            last_name="SYNTHETICO", first_name="KITT", birth_date=date(2015, 2, 3)
        ),
    )
    got = {c.field for c in corrections_for(subject(dependent=True), returned)}
    assert got == {"subscriber.first_name", "patient.first_name"}


def test_a_dependent_answered_at_the_subscriber_level_is_compared_with_the_patient() -> None:
    returned = ReturnedIdentity(
        subscriber=ReturnedPerson(last_name="SYNTHETICO", first_name="KIT", member_id="DEP-77"),
    )
    got = {c.field: c.returned for c in corrections_for(subject(dependent=True), returned)}
    assert got == {"member_id": "DEP-77"}


def test_a_check_records_the_payers_corrections_from_the_271() -> None:
    env = Env(
        inner=CorrectingClearinghouse(
            last="SYNTHETICOS", member_id="SBX-ACTIVE-777", dob="19840720"
        )
    )
    check = env.check().check
    assert check.result.status is EligibilityStatus.ACTIVE
    assert {c.field: c.returned for c in check.corrections} == {
        "member_id": "SBX-ACTIVE-777",
        "patient.last_name": "SYNTHETICOS",
        "patient.birth_date": "1984-07-20",
    }
    dep = Env(inner=CorrectingClearinghouse(dep_first="KITTY"), dependent=True)
    assert [c.field for c in dep.check().check.corrections] == ["patient.first_name"]


# --- applying --------------------------------------------------------------------------


class FakeWriter:
    def __init__(self, fail: bool = False) -> None:
        self.applied: list[list[str]] = []
        self.fail = fail

    def apply(
        self, caller: Caller, patient_id: str, coverage_id: str, corrections: Sequence[Correction]
    ) -> None:
        if self.fail:
            raise ConflictError("the coverage or patient changed since the check")
        self.applied.append([c.field for c in corrections])


def _corrected_env() -> tuple[Env, str]:
    env = Env(inner=CorrectingClearinghouse(member_id="SBX-ACTIVE-777", first="TESS"))
    return env, env.check().check.id


def test_applying_writes_only_the_chosen_fields_once() -> None:
    env, check_id = _corrected_env()
    writer = FakeWriter()
    after = history.apply_corrections(
        FRONT_DESK,
        check_id,
        ["member_id"],
        checks=env.checks,
        writer=writer,
        now=lambda: T0 + timedelta(minutes=3),
    )
    assert writer.applied == [["member_id"]]
    by_field = {c.field: c for c in after.corrections}
    assert by_field["member_id"].applied_by == FRONT_DESK.username
    assert by_field["patient.first_name"].applied_at is None
    assert after.revision == 2 and env.checks.audit[-1].action is Action.UPDATE
    with pytest.raises(ValidationError) as raised:
        history.apply_corrections(
            FRONT_DESK,
            check_id,
            ["member_id", "group_number", "patient.last_name"],
            checks=env.checks,
            writer=writer,
        )
    fields = {f.field: f.message for f in raised.value.errors}
    assert fields == {
        "fields.0": "was already applied",
        "fields.1": "is not a correctable field",
        "fields.2": "is not a correction of this check",
    }
    assert "SBX" not in str(raised.value.body())  # no values in errors


def test_a_refused_write_marks_nothing_and_other_practices_get_404() -> None:
    env, check_id = _corrected_env()
    with pytest.raises(ConflictError):
        history.apply_corrections(
            FRONT_DESK, check_id, ["member_id"], checks=env.checks, writer=FakeWriter(fail=True)
        )
    stored = env.checks.get("prac-a", check_id)
    assert stored is not None and all(c.applied_at is None for c in stored.corrections)
    with pytest.raises(NotFoundError):
        history.apply_corrections(
            OTHER_PRACTICE, check_id, ["member_id"], checks=env.checks, writer=FakeWriter()
        )
