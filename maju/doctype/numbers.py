"""Numbers from clients, bounded before they are converted (S12).

`int(Decimal("1e300000"))` builds a 300,001-digit integer and blocked the event loop for
seconds; `Decimal` arithmetic on `1e1000000` overflows its context. So every number a client
sends (field values, `docstatus`, page sizes, filter values, method arguments) is read here,
and text longer than 40 characters or with an exponent outside ±400 is refused while it is
still text. Within those bounds every later step (`int()`, range checks) costs nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_TEXT = 40
MAX_EXPONENT = 400
# Plain ASCII decimal notation, as JSON and Frappe's clients write numbers: Decimal itself
# would also take `1_000`, `NaN`, `Infinity` and non-ASCII digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?")
# The largest integer a 40-character text can write without an exponent.
_INT_BOUND = 10**MAX_TEXT


class NumberError(ValueError):
    """Not a number, or one too large to read (the caller names the field or parameter)."""


def to_decimal(value: object) -> Decimal:
    """A finite Decimal from a JSON number, a Decimal or numeric text, within S12's bounds.

    Raises:
        NumberError: anything else, checked before any conversion.
    """
    if isinstance(value, bool):
        raise NumberError("a boolean is not a number")
    if isinstance(value, int):
        if not -_INT_BOUND < value < _INT_BOUND:
            raise NumberError("number too large")
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NumberError("not a finite number")
        return Decimal(repr(value))  # at most 17 digits and an exponent within ±324
    if isinstance(value, Decimal):
        return _checked_decimal(value)
    if isinstance(value, str):
        return _from_text(value)
    raise NumberError(f"{type(value).__name__} is not a number")


def to_integer(value: object) -> int:
    """An integral number (`3`, `"3"`, `"3.0"`, `"3e2"`, `3.0`) as an int, within S12's bounds.

    Raises:
        NumberError: not a number, out of bounds, or with a fraction.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        to_decimal(value)  # the size check
        return value
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise NumberError("not an integer")
    return int(number)


def _from_text(value: str) -> Decimal:
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise NumberError(f"numeric text longer than {MAX_TEXT} characters")
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise NumberError("not a number")
    exponent = match.group(1)
    if exponent is not None and abs(int(exponent)) > MAX_EXPONENT:
        raise NumberError(f"exponent outside ±{MAX_EXPONENT}")
    return Decimal(text)


def _checked_decimal(value: Decimal) -> Decimal:
    """A Decimal from server code or a driver: finite, few digits, a small exponent."""
    if not value.is_finite():
        raise NumberError("not a finite number")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    if len(digits) > MAX_TEXT or abs(exponent) > MAX_EXPONENT:
        raise NumberError("number too large")
    return value
