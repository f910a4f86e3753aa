"""Claim lifecycle, encounters, fee schedules and authorizations (pure domain)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from claims_support import DOS, make_claim

from clinicflow.claims.model import (
    TRANSITIONS,
    Authorization,
    AuthorizationKind,
    ClaimStatus,
    Encounter,
    EncounterInput,
    EncounterStatus,
    FeeSchedule,
    Frequency,
    IllegalTransitionError,
    ServiceLine,
    check_authorization,
    check_encounter,
    check_fee_schedule,
    new_claim_id,
    transition,
)
from clinicflow.platform.errors import ConflictError, ValidationError

S = ClaimStatus
AT = datetime(2026, 5, 6, 12, tzinfo=UTC)


def walk(*steps: ClaimStatus, number: str = ""):
    claim = make_claim()
    for step in steps:
        claim = transition(claim, step, at=AT, by="biller", payer_claim_number=number)
    return claim


def test_happy_path_is_timestamped_and_versioned():
    claim = walk(S.READY, S.QUEUED, S.SUBMITTED, S.ACCEPTED, S.PAID, S.CLOSED)
    assert claim.status is S.CLOSED
    assert [t.to_status for t in claim.history] == [
        S.READY,
        S.QUEUED,
        S.SUBMITTED,
        S.ACCEPTED,
        S.PAID,
        S.CLOSED,
    ]
    assert all(t.at == AT and t.by == "biller" for t in claim.history)
    assert claim.version == 7
    assert claim.submitted_at == AT


@pytest.mark.parametrize("start", list(S))
def test_every_transition_outside_the_table_is_refused(start: ClaimStatus):
    claim = replace(make_claim(), status=start)
    for target in S:
        if target in TRANSITIONS[start]:
            continue
        with pytest.raises(IllegalTransitionError):
            transition(claim, target, at=AT, by="x", payer_claim_number="P1")


def test_illegal_transition_is_a_409():
    with pytest.raises(ConflictError) as err:
        walk(S.SUBMITTED)
    assert err.value.status_code == 409


def test_correction_and_void_need_the_payer_claim_number_and_set_frequency():
    paid = walk(S.READY, S.QUEUED, S.SUBMITTED, S.ACCEPTED, S.PAID)
    with pytest.raises(ValidationError):
        transition(paid, S.CORRECTED, at=AT, by="b")
    corrected = transition(paid, S.CORRECTED, at=AT, by="b", payer_claim_number="PAY123")
    assert corrected.frequency is Frequency.REPLACEMENT
    assert corrected.payer_claim_number == "PAY123"
    assert transition(corrected, S.READY, at=AT, by="b").status is S.READY
    voided = transition(paid, S.VOIDED, at=AT, by="b", payer_claim_number="PAY123")
    assert voided.frequency is Frequency.VOID
    sent = walk_from(voided, S.QUEUED, S.SUBMITTED, S.ACCEPTED, S.CLOSED)
    assert sent.status is S.CLOSED


def walk_from(claim, *steps):
    for step in steps:
        claim = transition(claim, step, at=AT, by="b")
    return claim


def test_rejected_claim_is_fixed_as_an_original():
    rejected = walk(S.READY, S.QUEUED, S.SUBMITTED, S.REJECTED)
    again = transition(rejected, S.DRAFT, at=AT, by="b")
    assert again.frequency is Frequency.ORIGINAL and again.status is S.DRAFT


def test_an_accepted_original_cannot_close_without_adjudication():
    with pytest.raises(IllegalTransitionError):
        walk(S.READY, S.QUEUED, S.SUBMITTED, S.ACCEPTED, S.CLOSED)


def test_claim_ids_fit_clm01():
    ids = {new_claim_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) <= 20 and i.isalnum() for i in ids)


def test_override_needs_a_reason_and_an_editable_claim():
    claim = make_claim()
    with pytest.raises(ValidationError):
        claim.with_override("duplicate.possible", " ", "b", AT)
    done = claim.with_override("duplicate.possible", "second visit same day", "b", AT)
    assert done.overridden("duplicate.possible")
    with pytest.raises(ConflictError):
        walk(S.READY, S.QUEUED).with_override("duplicate.possible", "x", "b", AT)


def _input(**changes) -> EncounterInput:
    data = EncounterInput(
        patient_id="pat-1",
        coverage_id="cov-1",
        rendering_provider_id="prov-1",
        location_id="loc-1",
        service_date=DOS,
        diagnoses=("e11.9", "I10", "E119"),
        lines=(ServiceLine("99213", Decimal("1"), (1,), ("25",)),),
    )
    return replace(data, **changes)


def test_encounter_input_is_normalised_and_malformed_fields_named():
    data = check_encounter(_input())
    assert data.diagnoses == ("E119", "I10")
    with pytest.raises(ValidationError) as err:
        check_encounter(
            _input(
                diagnoses=("not-a-code",),
                lines=(ServiceLine("9", Decimal("-1"), (1,), ("2",), charge=Decimal("1.001")),),
                clia_number="123",
            )
        )
    fields = {f.field for f in err.value.errors}
    assert {"diagnoses.0", "lines.0.procedure", "lines.0.units", "lines.0.modifiers.0"} <= fields
    assert {"lines.0.charge", "clia_number"} <= fields


def test_line_dates_stay_within_the_visit_span():
    visit = _input().service_date
    later = ServiceLine("93000", Decimal("1"), (1,), service_date=visit + timedelta(days=31))
    assert check_encounter(_input(lines=(later,))).lines[0].service_date == later.service_date
    for days in (-1, 32):
        line = replace(later, service_date=visit + timedelta(days=days))
        with pytest.raises(ValidationError) as err:
            check_encounter(_input(lines=(line,)))
        assert [f.field for f in err.value.errors] == ["lines.0.service_date"]


def test_encounter_sign_reopen_bill():
    enc = Encounter("sunrise", "enc-1", check_encounter(_input()))
    signed = enc.signed("dr", AT)
    assert signed.status is EncounterStatus.SIGNED and signed.signed_by == "dr"
    with pytest.raises(ConflictError):
        signed.changed(_input(), "fd", AT)
    with pytest.raises(ConflictError):
        enc.billed("C1", "b", AT)
    assert signed.reopened("b", AT).status is EncounterStatus.DRAFT
    assert signed.billed("C1", "b", AT).claim_id == "C1"


def test_fee_schedule_prices_modifier_specific_first():
    fees = check_fee_schedule(
        FeeSchedule("sunrise", "default", {"71046": Decimal("90"), "71046-26": Decimal("30")})
    )
    assert fees.price("71046", ("26",)) == Decimal("30")
    assert fees.price("71046") == Decimal("90")
    assert fees.price("99999") is None
    with pytest.raises(ValidationError):
        check_fee_schedule(FeeSchedule("sunrise", "default", {"abc": Decimal("1")}))
    with pytest.raises(ValidationError):
        check_fee_schedule(FeeSchedule("sunrise", "default", {"99213": Decimal("1.005")}))


def test_authorization_window_codes_and_visits():
    auth = check_authorization(
        Authorization(
            "sunrise",
            "auth-1",
            "pat-1",
            "MRDN1",
            AuthorizationKind.PRIOR_AUTH,
            "PA-1",
            date(2026, 5, 1),
            date(2026, 5, 31),
            1,
            ("97110",),
        )
    )
    assert auth.covers("97110", date(2026, 5, 3))
    assert not auth.covers("97110", date(2026, 6, 1))
    assert not auth.covers("97112", date(2026, 5, 3))
    used = auth.used_once("b", AT)
    assert used.visits_left == 0
    with pytest.raises(ConflictError):
        used.used_once("b", AT)
    with pytest.raises(ValidationError):
        check_authorization(replace(auth, end_date=date(2026, 4, 1)))
