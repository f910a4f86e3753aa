"""Practice profile and location rules: PO boxes, EIN, taxonomy, POS, time zones, phones."""

import pytest

from clinicflow.platform.errors import Problems, ValidationError
from clinicflow.practice.model import (
    Address,
    AddressInput,
    Location,
    LocationInput,
    PracticeProfile,
    ProfileInput,
    Stamp,
    ein_problem,
    is_po_box,
    normalise_ein,
    normalise_phone,
    time_zone_problem,
)

STREET = AddressInput("1200 Sunrise Blvd", "Springfield", "IL", "62704-1234", "Suite 200")


def profile_input(**changes):
    data = {
        "legal_name": "Sunrise Family Medicine PLLC",
        "tax_id": "36-4812077",
        "group_npi": "1234567893",
        "taxonomy_code": "207q00000x",
        "billing_address": STREET,
        "phone": "(217) 555-0142",
        "time_zone": "America/Chicago",
    }
    data.update(changes)
    return ProfileInput(**data)


def fields_of(exc_info):
    return [e.field for e in exc_info.value.errors]


@pytest.mark.parametrize(
    "line",
    [
        "PO Box 123",
        "P.O. Box 123",
        "P. O. Box 123",
        "p o box 123",
        "POBox 123",
        "PO BX 9",
        "POB 44",
        "P.O.B. 44",
        "Post Office Box 77",
        "post office bx 77",
        "Postal Box 5",
        "Lock Box 1200",
        "Lockbox 1200",
        "Box 123",
        "BOX #12",
        "Suite 4, PO Box 9",
    ],
)
def test_po_box_variants_are_detected(line):
    assert is_po_box(line)


@pytest.mark.parametrize(
    "line",
    [
        "1200 Sunrise Blvd",
        "1 Post Office Square",
        "88 Post Road",
        "12 Boxwood Ave",
        "400 Pobrecito Way",
        "9 Polk St",
        "77 Hippo Box Rd",
        "Suite 200",
        "15 Apollo Dr",
    ],
)
def test_street_addresses_are_not_po_boxes(line):
    assert not is_po_box(line)


def test_billing_address_must_be_a_street_address():
    with pytest.raises(ValidationError) as exc:
        PracticeProfile.build(
            "p1",
            profile_input(
                billing_address=AddressInput("P.O. Box 12", "Springfield", "IL", "627041234")
            ),
            Stamp(),
        )
    assert fields_of(exc) == ["billing_address.line1"]
    assert "PO box" in exc.value.errors[0].message


def test_po_box_in_line2_of_billing_address_is_refused_too():
    address = AddressInput("1200 Sunrise Blvd", "Springfield", "IL", "627041234", "POB 5")
    with pytest.raises(ValidationError) as exc:
        PracticeProfile.build("p1", profile_input(billing_address=address), Stamp())
    assert fields_of(exc) == ["billing_address.line2"]


def test_pay_to_address_may_be_a_po_box_with_a_five_digit_zip():
    pay_to = AddressInput("PO Box 4410", "Springfield", "IL", "62708")
    profile = PracticeProfile.build("p1", profile_input(pay_to_address=pay_to), Stamp())
    assert profile.pay_to_address == Address("PO Box 4410", "Springfield", "IL", "62708")


def test_profile_is_normalised():
    profile = PracticeProfile.build("p1", profile_input(tax_id="364812077"), Stamp())
    assert profile.tax_id == "36-4812077"
    assert profile.tax_id_digits == "364812077"
    assert profile.taxonomy_code == "207Q00000X"
    assert profile.phone == "2175550142"
    assert profile.billing_address.postal_code == "627041234"
    assert profile.practice_id == "p1"


def test_every_failing_field_is_named_without_echoing_values():
    bad = profile_input(
        legal_name="  ",
        tax_id="12-34",
        group_npi="1234567890",
        taxonomy_code="207Q0000",
        billing_address=AddressInput("PO Box 1", "", "ZZ", "6270"),
        phone="555-0142",
        time_zone="Mars/Olympus",
    )
    with pytest.raises(ValidationError) as exc:
        PracticeProfile.build("p1", bad, Stamp())
    assert set(fields_of(exc)) == {
        "legal_name",
        "tax_id",
        "group_npi",
        "taxonomy_code",
        "billing_address.line1",
        "billing_address.city",
        "billing_address.state",
        "billing_address.postal_code",
        "phone",
        "time_zone",
    }
    assert "12-34" not in exc.value.message and "Olympus" not in exc.value.message


def test_billing_address_needs_zip_plus_four():
    address = AddressInput("1200 Sunrise Blvd", "Springfield", "IL", "62704")
    with pytest.raises(ValidationError) as exc:
        PracticeProfile.build("p1", profile_input(billing_address=address), Stamp())
    assert fields_of(exc) == ["billing_address.postal_code"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("36-4812077", "36-4812077"), ("364812077", "36-4812077"), (" 01-0000001 ", "01-0000001")],
)
def test_ein_accepted(value, expected):
    assert normalise_ein(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("3648120770", "form"),
        ("36-481207", "form"),
        ("364-812077", "form"),
        ("AB-1234567", "form"),
        ("00-1234567", "prefix"),
        ("07-1234567", "prefix"),
        ("89-1234567", "prefix"),
    ],
)
def test_ein_refused(value, problem):
    assert normalise_ein(value) is None
    assert problem in (ein_problem(value) or "").replace("NN-NNNNNNN", "form")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("(217) 555-0142", "2175550142"),
        ("+1 217 555 0142", "2175550142"),
        ("217.555.0142", "2175550142"),
        ("12175550142", "2175550142"),
        ("555-0142", None),
        ("(117) 555-0142", None),  # area codes start with 2-9
        ("(217) 155-0142", None),  # so do exchanges
        ("217-555-01AB", None),
    ],
)
def test_phone_normalisation(value, expected):
    assert normalise_phone(value) == expected


@pytest.mark.parametrize(
    "zone", ["America/Chicago", "America/New_York", "Pacific/Honolulu", "America/Puerto_Rico"]
)
def test_iana_time_zones_accepted(zone):
    assert time_zone_problem(zone) is None


@pytest.mark.parametrize(
    "zone",
    [
        "EST",
        "EST5EDT",
        "UTC",
        "Etc/GMT+5",
        "America/Springfield",
        "../../etc/passwd",
        "America/../../etc/passwd",
        "america/chicago",
    ],
)
def test_non_iana_or_unknown_time_zones_refused(zone):
    assert time_zone_problem(zone) is not None


def location_input(**changes):
    data = {
        "name": "Sunrise Downtown",
        "address": STREET,
        "time_zone": "America/Chicago",
        "place_of_service": "11",
        "phone": "217-555-0143",
        "npi": "",
    }
    data.update(changes)
    return LocationInput(**data)


COMMON_POS = "02 10 11 12 19 20 21 22 23 24 31 32 49 50 53 71 72 81 99"


@pytest.mark.parametrize("pos", COMMON_POS.split())
def test_valid_place_of_service_codes(pos):
    assert Location.build("p1", "loc-1", location_input(place_of_service=pos), Stamp())


@pytest.mark.parametrize("pos", ["1", "011", "00", "30", "40", "98", "AA", ""])
def test_invalid_place_of_service_codes(pos):
    with pytest.raises(ValidationError) as exc:
        Location.build("p1", "loc-1", location_input(place_of_service=pos), Stamp())
    assert fields_of(exc) == ["place_of_service"]


def test_location_npi_is_optional_but_checked():
    assert Location.build("p1", "l", location_input(npi=""), Stamp()).npi == ""
    assert Location.build("p1", "l", location_input(npi="1467580936"), Stamp()).npi == "1467580936"
    with pytest.raises(ValidationError) as exc:
        Location.build("p1", "l", location_input(npi="1467580934"), Stamp())
    assert fields_of(exc) == ["npi"]


def test_location_address_must_be_a_street_address_and_zone_known():
    bad = location_input(
        address=AddressInput("Post Office Box 9", "Springfield", "IL", "627041234"),
        time_zone="Central",
    )
    with pytest.raises(ValidationError) as exc:
        Location.build("p1", "l", bad, Stamp())
    assert fields_of(exc) == ["address.line1", "time_zone"]


def test_deactivation_bumps_the_version():
    loc = Location.build("p1", "l", location_input(), Stamp().next("admin"))
    off = loc.deactivated("admin2")
    assert (off.active, off.stamp.version, off.stamp.updated_by) == (False, 2, "admin2")


def test_address_state_and_zip_rules():
    problems = Problems()
    address = Address.build(
        problems, "a", line1="1 Main St", city="Town", state="il", postal_code="12345-678"
    )
    assert address.state == "IL"
    assert [e.field for e in problems.errors] == ["a.postal_code"]
