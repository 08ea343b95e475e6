"""ISIN validation (ISO 6166): two-letter country code, nine alphanumerics, one check digit."""

from __future__ import annotations

import re

__all__ = ["isin_check_digit", "is_valid_isin"]

_ISIN_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")


def isin_check_digit(body: str) -> int:
    """Compute the check digit of the first eleven ISIN characters.

    Each letter becomes its value A=10 … Z=35, and the Luhn algorithm runs over the resulting
    digit string, doubling every second digit from the right.
    """
    digits = "".join(str(int(char, 36)) for char in body)
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_isin(isin: str) -> bool:
    """Return True when `isin` has the ISIN shape and a correct check digit."""
    if not _ISIN_PATTERN.match(isin):
        return False
    return isin_check_digit(isin[:11]) == int(isin[11])
