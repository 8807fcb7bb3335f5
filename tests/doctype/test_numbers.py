"""S12: numbers from clients are bounded while still text (maju/doctype/numbers.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from maju.doctype import numbers

TOO_BIG = [
    "1e300000",
    "1e1000000",
    "-1E+401",
    "1e-401",
    "9" * 41,
    "9" * 4400,
    "1" + "0" * 39 + ".5",
    "0." + "0" * 39 + "1",
    10**40,
    -(10**40),
    Decimal("1e401"),
    Decimal("1" * 41),
]
NOT_NUMBERS = [
    *("", " ", "abc", "1_000", "١٢", "NaN", "Infinity", "-inf", "1e", "e5", "1.2.3", "0x1f"),
    *("1 2", "\x001", True, None, [1], {"a": 1}, float("nan"), float("inf"), Decimal("NaN")),
]


@pytest.mark.parametrize("value", TOO_BIG + NOT_NUMBERS)
def test_s12_refused_numbers_never_reach_decimal(
    value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused value is refused as it came: no Decimal is built from it."""
    calls: list[object] = []

    class RecordingDecimal(Decimal):
        def __new__(cls, arg: Any = "0") -> RecordingDecimal:
            calls.append(arg)
            return super().__new__(cls, arg)

    if not isinstance(value, Decimal):  # a Decimal given is only inspected, never rebuilt
        monkeypatch.setattr(numbers, "Decimal", RecordingDecimal)
    with pytest.raises(numbers.NumberError):
        numbers.to_decimal(value)
    with pytest.raises(numbers.NumberError):
        numbers.to_integer(value)
    assert calls == []


@pytest.mark.parametrize(
    ("value", "decimal", "integer"),
    [
        ("3", Decimal(3), 3),
        (" -3 ", Decimal(-3), -3),
        ("3.0", Decimal("3.0"), 3),
        ("3e2", Decimal(300), 300),
        ("+.5e1", Decimal(5), 5),
        ("1e400", Decimal("1e400"), 10**400),
        ("9" * 40, Decimal("9" * 40), int("9" * 40)),
        (7, Decimal(7), 7),
        (10**40 - 1, Decimal(10**40 - 1), 10**40 - 1),
        (2.0, Decimal(2), 2),
        (1e308, Decimal("1e308"), 10**308),
        (Decimal("1.50"), Decimal("1.50"), None),
    ],
)
def test_s12_numbers_within_bounds(value: Any, decimal: Decimal, integer: int | None) -> None:
    assert numbers.to_decimal(value) == decimal
    if integer is None:
        with pytest.raises(numbers.NumberError, match="not an integer"):
            numbers.to_integer(value)
    else:
        assert numbers.to_integer(value) == integer
