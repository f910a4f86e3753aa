"""National Provider Identifier (NPI) validation.

An NPI is 10 digits: 9 identifier digits and a Luhn check digit computed as if the number
were prefixed with the card issuer code 80840 (CMS, "Requirements for NPI check digit").
The prefix contributes a constant 24 to the Luhn sum. NPIs begin with 1 or 2.
"""

from __future__ import annotations

_PREFIX_SUM = 24  # Luhn contribution of the implicit "80840" prefix


def check_digit(first_nine: str) -> int:
    """The Luhn check digit of an NPI's first nine digits (with the 80840 prefix)."""
    if len(first_nine) != 9 or not first_nine.isdigit() or not first_nine.isascii():
        raise ValueError("an NPI check digit needs exactly nine digits")
    total = _PREFIX_SUM
    # Double every other digit starting from the rightmost of the nine (the check digit is
    # the position to its right).
    for index, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def npi_problem(value: str) -> str | None:
    """Why `value` is not a valid NPI, or None when it is."""
    if len(value) != 10 or not value.isdigit() or not value.isascii():
        return "must be 10 digits"
    if value[0] not in "12":
        return "must begin with 1 or 2"
    if int(value[9]) != check_digit(value[:9]):
        return "check digit is wrong"
    return None


def is_valid_npi(value: str) -> bool:
    """True when `value` is a well-formed NPI with a correct check digit."""
    return npi_problem(value) is None
