"""NPI check digit (Luhn with the 80840 prefix)."""

import pytest

from clinicflow.codes.npi import check_digit, is_valid_npi, npi_problem


def test_known_valid_npi():
    assert is_valid_npi("1234567893")
    assert check_digit("123456789") == 3


@pytest.mark.parametrize("npi", ["1467580936", "1987654328", "2000000002"])
def test_other_valid_npis(npi):
    assert npi_problem(npi) is None


@pytest.mark.parametrize(
    ("npi", "problem"),
    [
        ("1234567890", "check digit is wrong"),
        ("1234567894", "check digit is wrong"),
        ("2134567893", "check digit is wrong"),  # transposed digits
        ("123456789", "must be 10 digits"),
        ("12345678933", "must be 10 digits"),
        ("12345678a3", "must be 10 digits"),
        ("", "must be 10 digits"),
        ("\uff11" * 10, "must be 10 digits"),  # full-width digits are not ASCII digits
        ("3234567891", "must begin with 1 or 2"),
    ],
)
def test_invalid_npis(npi, problem):
    assert npi_problem(npi) == problem
    assert not is_valid_npi(npi)


def test_every_single_digit_error_is_caught():
    valid = "1234567893"
    for i in range(1, 10):
        for d in "0123456789":
            if d != valid[i]:
                assert not is_valid_npi(valid[:i] + d + valid[i + 1 :])


def test_check_digit_refuses_wrong_length():
    with pytest.raises(ValueError):
        check_digit("12345678")


def _plain_luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def test_matches_plain_luhn_over_the_80840_prefix():
    import random

    rng = random.Random(5)
    for _ in range(2000):
        npi = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(9))
        assert is_valid_npi(npi) == _plain_luhn("80840" + npi)
