"""Provider domain rules: validation, defaults, partial changes."""

import pytest

from clinicflow.codes.npi import check_digit
from clinicflow.platform.errors import ValidationError
from clinicflow.providers.model import (
    PALETTE,
    PracticeFacts,
    Provider,
    ProviderChanges,
    ProviderInput,
    default_color,
    new_provider_id,
)

FACTS = PracticeFacts(frozenset({"loc-denver", "loc-chicago"}), frozenset({"1234567893"}))


def npi(nine):
    return nine + str(check_digit(nine))


NPI = npi("154829376")
DATA = ProviderInput(
    first_name=" Adaeze ",
    last_name="Okafor",
    npi=NPI,
    taxonomy_code="207q00000x",
    credentials=("MD", "MD", "FAAFP"),
    specialty="Family  Medicine",
    location_ids=("loc-denver",),
    color="#1F77B4",
)


def build(data=DATA, provider_id="prov-okafor", facts=FACTS):
    return Provider.build("sunrise", provider_id, data, facts, actor="sunrise-admin")


def fields_of(exc):
    return [e.field for e in exc.value.errors]


def test_build_normalises_input():
    p = build()
    assert p.first_name == "Adaeze" and p.specialty == "Family Medicine"
    assert p.taxonomy_code == "207Q00000X" and p.color == "#1f77b4"
    assert p.credentials == ("MD", "FAAFP") and p.display_name == "Adaeze Okafor, MD, FAAFP"
    assert p.version == 1 and p.updated_by == "sunrise-admin" and p.active
    assert p.works_at("loc-denver") and not p.works_at("loc-chicago")


def test_every_failing_field_is_named_without_its_value():
    bad = ProviderInput(
        first_name="",
        last_name="x" * 61,
        npi="1548293765",
        taxonomy_code="207Q0000X",
        credentials=("M D",),
        location_ids=("loc-nowhere",),
        color="blue",
    )
    with pytest.raises(ValidationError) as exc:
        build(bad, provider_id="Prov#1")
    assert sorted(fields_of(exc)) == sorted(
        [
            "provider_id",
            "first_name",
            "last_name",
            "npi",
            "taxonomy_code",
            "credentials",
            "location_ids",
            "color",
        ]
    )
    assert "1548293765" not in exc.value.message and "loc-nowhere" not in exc.value.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "is required"),
        ("123456789", "must be 10 digits"),
        ("".join(chr(0xFF10 + int(d)) for d in "1548293764"), "must be 10 digits"),  # full-width
        ("3234567893", "must begin with 1 or 2"),
        ("1234567890", "check digit is wrong"),
        ("1234567893", "organisation (Type 2) NPI"),
    ],
)
def test_npi_rules(value, message):
    with pytest.raises(ValidationError) as exc:
        build(ProviderInput("A", "B", value, "207Q00000X"))
    assert fields_of(exc) == ["npi"] and message in exc.value.message


@pytest.mark.parametrize("code", ["207Q00000X", "363LF0000X", "2084P0800X", "390200000X"])
def test_real_taxonomy_codes_are_accepted(code):
    assert build(ProviderInput("A", "B", NPI, code)).taxonomy_code == code


@pytest.mark.parametrize("code", ["", "207Q00000", "207Q00000Y", "A07Q00000X", "207Q-0000X"])
def test_malformed_taxonomy_codes_are_refused(code):
    with pytest.raises(ValidationError) as exc:
        build(ProviderInput("A", "B", NPI, code))
    assert fields_of(exc) == ["taxonomy_code"]


def test_generated_ids_and_default_colours():
    pid = new_provider_id()
    assert pid.startswith("prov-") and len(pid) == 15 and pid != new_provider_id()
    p = build(ProviderInput("A", "B", NPI, "207Q00000X"), provider_id=pid)
    assert p.color == default_color(pid) in PALETTE and p.location_ids == ()


def test_changes_apply_only_given_fields_and_bump_the_version():
    p = build()
    q = p.changed(
        ProviderChanges(location_ids=("loc-denver", "loc-chicago"), accepts_new_patients=False),
        FACTS,
        actor="other-admin",
    )
    assert q.location_ids == ("loc-denver", "loc-chicago") and not q.accepts_new_patients
    assert q.first_name == p.first_name and q.npi == p.npi
    assert q.version == 2 and q.updated_by == "other-admin"


def test_an_already_assigned_location_stays_valid_after_it_is_deactivated():
    p = build()
    none_active = PracticeFacts(frozenset({"loc-chicago"}))
    assert p.changed(ProviderChanges(color="#000000"), none_active, actor="a").color == "#000000"
    kept = p.changed(ProviderChanges(location_ids=("loc-denver",)), none_active, actor="a")
    assert kept.location_ids == ("loc-denver",)
    with pytest.raises(ValidationError) as exc:
        p.changed(ProviderChanges(location_ids=("loc-elsewhere",)), none_active, actor="a")
    assert fields_of(exc) == ["location_ids"]


def test_changes_are_validated():
    with pytest.raises(ValidationError) as exc:
        build().changed(ProviderChanges(first_name=" ", color="#12345g"), FACTS, actor="a")
    assert sorted(fields_of(exc)) == ["color", "first_name"]


def test_practice_facts_are_needed_only_for_new_locations_or_a_new_npi():
    p = build()
    assert not p.needs_practice_facts(ProviderChanges(color="#000000"))
    assert not p.needs_practice_facts(ProviderChanges(location_ids=()))
    assert not p.needs_practice_facts(ProviderChanges(npi=p.npi))
    assert p.needs_practice_facts(ProviderChanges(location_ids=("loc-chicago",)))
    assert p.needs_practice_facts(ProviderChanges(npi=npi("154829377")))
    assert ProviderChanges().is_empty() and not ProviderChanges(active=True).is_empty()


def test_deactivated():
    p = build().deactivated(actor="a")
    assert not p.active and p.version == 2
