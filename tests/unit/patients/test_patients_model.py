"""Patient domain rules and normalisation (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from clinicflow.patients.model import (
    Guarantor,
    GuarantorRelationship,
    HumanName,
    PatientData,
    PatientSearch,
    Sex,
    duplicate_key,
    fold,
    format_mrn,
    normalize_mrn,
    normalize_phone,
    parse,
    patient_problems,
)
from clinicflow.platform.errors import ValidationError


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(217) 555-0142", "+12175550142"),
        ("217.555.0142", "+12175550142"),
        ("1 217 555 0142", "+12175550142"),
        ("+1-217-555-0142", "+12175550142"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phones_normalise_to_e164(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["555-0142", "(017) 555-0142", "217-155-0142", "call me", "+12"])
def test_bad_phones_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="must"):
        normalize_phone(raw)


def test_names_fold_accents_case_and_punctuation() -> None:
    assert fold("García-López") == fold("GARCIA LOPEZ") == "garcialopez"
    assert fold("Zoë O'Neil") == "zoeoneil"
    assert duplicate_key("Núñez", "José", date(2000, 1, 2)) == "nunez#jose#2000-01-02"


def test_mrn_rules() -> None:
    assert normalize_mrn(" ab-12 ") == "AB-12"
    assert format_mrn(42) == "00000042"
    with pytest.raises(ValueError):
        normalize_mrn("a#b")


def _data(**changes: Any) -> dict[str, Any]:
    return {
        "name": {"first": "Ann", "last": "Able"},
        "dob": "1980-01-01",
        "sex": "female",
        **changes,
    }


def test_sex_maps_to_x12_dmg03() -> None:
    assert [s.x12 for s in Sex] == ["F", "M", "U"]


def test_parse_names_every_failing_field_without_values() -> None:
    with pytest.raises(ValidationError) as exc:
        parse(PatientData, _data(name={"first": "4nn", "last": ""}, email="secret-value", sex="x"))
    fields = {e.field for e in exc.value.errors}
    assert fields == {"name.first", "name.last", "email", "sex"}
    assert "secret-value" not in exc.value.message
    assert "4nn" not in exc.value.message


def test_future_and_ancient_dob_refused() -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    for dob in (tomorrow, "1899-12-31"):
        with pytest.raises(ValidationError) as exc:
            parse(PatientData, _data(dob=dob))
        assert [e.field for e in exc.value.errors] == ["dob"]


def test_address_normalisation() -> None:
    data = parse(
        PatientData,
        _data(
            address={
                "line1": "1 Main St",
                "city": "Austin",
                "state": "tx",
                "postal_code": "787011234",
            }
        ),
    )
    assert data.address.state == "TX"
    assert data.address.postal_code == "78701-1234"


def test_consent_times_are_utc_and_need_a_channel() -> None:
    data = parse(
        PatientData,
        _data(
            sms_consent={
                "status": "granted",
                "at": "2025-03-01T10:00:00-05:00",
                "method": "sms-keyword",
            },
            email_consent={"status": "granted", "at": "2025-03-01T15:00:00Z", "method": "portal"},
        ),
    )
    assert data.sms_consent is not None
    assert data.sms_consent.at == datetime(2025, 3, 1, 15, 0, tzinfo=UTC)
    assert {p.field for p in patient_problems(data)} == {"sms_consent", "email_consent"}
    with pytest.raises(ValidationError) as exc:
        parse(
            PatientData,
            _data(
                sms_consent={"status": "granted", "at": "2025-03-01T10:00:00", "method": "verbal"}
            ),
        )
    assert exc.value.errors[0].field == "sms_consent.at"  # naive times are refused


def test_guarantor_rules() -> None:
    self_with_name = PatientData.model_validate(
        _data(guarantor={"relationship": "self", "name": {"first": "B", "last": "C"}})
    )
    assert [p.field for p in patient_problems(self_with_name)] == ["guarantor.name"]
    other = PatientData(
        name=HumanName(first="Kid", last="Able"),
        dob=date(2015, 1, 1),
        sex=Sex.MALE,
        guarantor=Guarantor(
            relationship=GuarantorRelationship.PARENT, name=HumanName(first="Ann", last="Able")
        ),
    )
    assert {p.field for p in patient_problems(other)} == {"guarantor.address", "guarantor.phone"}


def test_duplicate_phone_numbers_refused() -> None:
    data = parse(
        PatientData,
        _data(
            phones=[
                {"type": "home", "number": "2175550142"},
                {"type": "work", "number": "+1 217 555 0142"},
            ]
        ),
    )
    assert [p.field for p in patient_problems(data)] == ["phones"]


def test_search_criteria_rules() -> None:
    assert [p.field for p in PatientSearch(first_name="ann").problems()] == ["criteria"]
    assert [p.field for p in PatientSearch(last_name="--").problems()] == ["last_name"]
    assert PatientSearch(phone="(217) 555-0142").phone == "+12175550142"
    assert PatientSearch(last_name="Ábl").last_prefix == "abl"
