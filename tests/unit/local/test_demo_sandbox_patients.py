"""The demo practice has a patient for every eligibility sandbox scenario (try each from the
portal), and the "corrected details" patient really gets corrections from the payer."""

from __future__ import annotations

from clinicflow.clearinghouse.sandbox import SCENARIOS, scenario_of
from clinicflow.clearinghouse.sandbox_records import (
    payer_birth_date,
    payer_first_name,
    payer_member_id,
)
from clinicflow.local.demo_data import DemoPractice, practices, sandbox_patients


def _sunrise_and_lakeside() -> tuple[DemoPractice, DemoPractice]:
    by_id = {p.practice_id: p for p in practices()}
    return by_id["sunrise"], by_id["lakeside"]


def test_every_scenario_has_a_sunrise_patient() -> None:
    sunrise, _ = _sunrise_and_lakeside()
    found = sandbox_patients(sunrise, "MRDN1")
    scenarios = [scenario_of(p.coverages[0][1]) for p in found]
    assert sorted(scenarios) == sorted(set(SCENARIOS.values()))
    assert all(p.last_name == "Sandbox" and p.coverages[0][0] == "MRDN1" for p in found)
    assert len({(p.first_name, p.birth_date) for p in found}) == len(found)  # no duplicates


def test_the_corrected_patient_differs_in_member_id_name_and_birth_date() -> None:
    sunrise, _ = _sunrise_and_lakeside()
    (kate,) = [
        p
        for p in sandbox_patients(sunrise, "MRDN1")
        if scenario_of(p.coverages[0][1]) == "corrected"
    ]
    member_id = kate.coverages[0][1]
    assert payer_member_id(member_id) != member_id
    assert scenario_of(payer_member_id(member_id)) == "active"  # applied: a clean next check
    assert payer_first_name(kate.first_name) != kate.first_name
    assert payer_birth_date(kate.birth_date) != kate.birth_date


def test_other_practices_get_none() -> None:
    _, lakeside = _sunrise_and_lakeside()
    assert sandbox_patients(lakeside, "MRDN1") == []
