"""D6/D7 units: coercion of client input per fieldtype and the JSON form of stored values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maju import errors
from maju.doctype.fields import INT_MAX, INT_MIN, coerce, format_datetime, to_json
from maju.doctype.meta import FieldMeta


def field(fieldtype: str, **kw: Any) -> FieldMeta:
    return FieldMeta(fieldname="f", fieldtype=fieldtype, label="My Field", **kw)


def refused(
    f: FieldMeta, value: Any, exc: type[errors.MajuError] = errors.ValidationError, tz: str = "UTC"
) -> str:
    with pytest.raises(exc) as info:
        coerce(f, value, tz)
    assert info.value.status == 417
    return info.value.message


@pytest.mark.parametrize(("value", "expected"), [("a", "a"), (5, "5"), (1.5, "1.5"), (None, None)])
def test_d6_data_accepts_text_and_numbers(value: Any, expected: Any) -> None:
    assert coerce(field("Data"), value) == expected


@pytest.mark.parametrize("value", [True, [1], {"a": 1}, "nul\x00"])
def test_d6_data_refuses_other_json_types_naming_the_field(value: Any) -> None:
    assert "My Field" in refused(field("Data"), value)


def test_d4_data_length_limit() -> None:
    assert coerce(field("Data", length=5), "abcde") == "abcde"
    message = refused(field("Data", length=5), "abcdef", errors.CharacterLengthExceededError)
    assert "My Field" in message
    assert coerce(field("Small Text"), "x" * 10000) == "x" * 10000  # no limit on text types


@pytest.mark.parametrize(
    ("option", "good", "bad"),
    [
        ("Email", "ann@example.com", "ann"),
        ("URL", "https://x.org/a", "x.org"),
        ("Phone", "+49 30 1234-56", "call me"),
    ],
)
def test_d6_data_options_are_validated(option: str, good: str, bad: str) -> None:
    assert coerce(field("Data", options=option), good) == good
    assert refused(field("Data", options=option), bad).startswith("My Field: ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), ("5", 5), (" 7 ", 7), (5.0, 5), ("1e2", 100), (None, 0), ("", 0), (-3, -3)],
)
def test_d6_int(value: Any, expected: int) -> None:
    assert coerce(field("Int"), value) == expected


@pytest.mark.parametrize("value", ["1.5", 1.5, "abc", True, [1], "nan", INT_MAX + 1, INT_MIN - 1])
def test_d6_int_refuses_non_integral_values(value: Any) -> None:
    assert "My Field" in refused(field("Int"), value)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=INT_MIN, max_value=INT_MAX))
def test_d6_int_round_trips_through_text(number: int) -> None:
    assert coerce(field("Int"), str(number)) == number
    assert to_json("Int", coerce(field("Int"), number)) == number


@pytest.mark.parametrize("fieldtype", ["Float", "Currency", "Percent"])
def test_d6_decimals_are_exact_and_sent_as_numbers(fieldtype: str) -> None:
    assert coerce(field(fieldtype), "1.10") == Decimal("1.10")
    assert coerce(field(fieldtype), 0.1) == Decimal("0.1")
    assert coerce(field(fieldtype), None) == 0
    assert to_json(fieldtype, Decimal("1.100000000")) == 1.1
    for bad in ("1,5", "inf", "NaN", True, "1e30"):
        refused(field(fieldtype), bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (1, 1),
        (True, 1),
        (False, 0),
        ("0", 0),
        ("1", 1),
        ("true", 1),
        ("false", 0),
        (None, 0),
    ],
)
def test_d6_check(value: Any, expected: int) -> None:
    assert coerce(field("Check"), value) == expected


@pytest.mark.parametrize("value", [2, "yes", 1.0, "2", [1]])
def test_d6_check_refuses_anything_else(value: Any) -> None:
    refused(field("Check"), value)


def test_d6_date_keeps_the_date_of_a_datetime() -> None:
    f = field("Date")
    assert coerce(f, "2024-02-29") == dt.date(2024, 2, 29)
    assert coerce(f, "2024-02-29 23:59:59.5") == dt.date(2024, 2, 29)
    assert coerce(f, "2024-02-29T10:00:00") == dt.date(2024, 2, 29)
    assert coerce(f, "") is None
    assert to_json("Date", dt.date(2024, 2, 29)) == "2024-02-29"
    assert to_json("Date", "2024-02-29") == "2024-02-29"  # SQLite hands back text
    for bad in ("2024-02-30", "29/02/2024", "2024-02-29 garbage", 20240229):
        refused(f, bad)


def test_d6_d7_datetime_forms() -> None:
    f = field("Datetime")
    expected = dt.datetime(2024, 1, 2, 3, 4, 5)
    for value in ("2024-01-02 03:04:05", "2024-01-02T03:04:05", "2024-01-02 03:04:05.000000"):
        assert coerce(f, value) == expected
    assert coerce(f, "2024-01-02 03:04:05.5") == expected.replace(microsecond=500000)
    assert coerce(f, "2024-01-02") == dt.datetime(2024, 1, 2)  # a date means midnight
    # D6: an offset converts to site.time_zone, then the value is naive.
    assert coerce(f, "2024-01-02T03:04:05+02:00") == dt.datetime(2024, 1, 2, 1, 4, 5)
    assert coerce(f, "2024-01-02T03:04:05Z", "Asia/Kolkata") == dt.datetime(2024, 1, 2, 8, 34, 5)
    refused(f, "yesterday")
    # D7: always six fraction digits, a space, no offset.
    assert to_json("Datetime", expected) == "2024-01-02 03:04:05.000000"
    assert format_datetime("2024-01-02 03:04:05") == "2024-01-02 03:04:05.000000"


def test_d6_time() -> None:
    f = field("Time")
    assert coerce(f, "9:05") == dt.time(9, 5)
    assert coerce(f, "09:05:07.5") == dt.time(9, 5, 7, 500000)
    assert to_json("Time", dt.time(9, 5)) == "09:05:00"  # zero-padded (differs from Frappe)
    assert to_json("Time", dt.time(9, 5, 7, 500000)) == "09:05:07.500000"
    assert to_json("Time", dt.timedelta(hours=9, minutes=5)) == "09:05:00"
    for bad in ("25:00", "9", "9:5", "noon"):
        refused(f, bad)


def test_d6_json_is_stored_and_sent_as_compact_text() -> None:
    f = field("JSON")
    assert coerce(f, {"a": [1, 2]}) == '{"a":[1,2]}'
    assert coerce(f, '{ "a" : [1, 2] }') == '{"a":[1,2]}'
    assert coerce(f, [1]) == "[1]"
    assert coerce(f, "") is None
    refused(f, "{not json")


def test_d6_password_is_masked_and_never_sent() -> None:
    assert coerce(field("Password"), "s3cret") == "s3cret"
    assert to_json("Password", "s3cret") == "********"
    assert to_json("Password", None) is None


def test_d6_attach_takes_file_or_web_urls() -> None:
    f = field("Attach")
    for good in ("/files/a.png", "/private/files/a.png", "https://x.org/a.png"):
        assert coerce(f, good) == good
    for bad in ("ftp://x.org/a", "../etc/passwd", "javascript:alert(1)"):
        refused(f, bad)


def test_d6_numeric_nulls_are_zero() -> None:
    for fieldtype in ("Int", "Check", "Float", "Currency", "Percent"):
        assert to_json(fieldtype, None) == 0
