"""Calendar periods of `timespan`, `previous` and `next` (L19), weeks starting on Monday."""

from __future__ import annotations

import datetime as dt

import pytest

from maju import errors
from maju.query.periods import relative, timespan

TODAY = dt.date(2024, 5, 15)  # Wednesday, second quarter


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("yesterday", "2024-05-14", "2024-05-14"),
        ("today", "2024-05-15", "2024-05-15"),
        ("Tomorrow", "2024-05-16", "2024-05-16"),
        ("last week", "2024-05-06", "2024-05-12"),
        ("this week", "2024-05-13", "2024-05-19"),
        ("next week", "2024-05-20", "2024-05-26"),
        ("last month", "2024-04-01", "2024-04-30"),
        ("this month", "2024-05-01", "2024-05-31"),
        ("next month", "2024-06-01", "2024-06-30"),
        ("last quarter", "2024-01-01", "2024-03-31"),
        ("this quarter", "2024-04-01", "2024-06-30"),
        ("next quarter", "2024-07-01", "2024-09-30"),
        ("last 6 months", "2023-10-01", "2024-03-31"),
        ("next 6 months", "2024-07-01", "2024-12-31"),
        ("last year", "2023-01-01", "2023-12-31"),
        ("this year", "2024-01-01", "2024-12-31"),
        ("next year", "2025-01-01", "2025-12-31"),
        ("last 7 days", "2024-05-08", "2024-05-15"),
        ("last 14 days", "2024-05-01", "2024-05-15"),
        ("last  30 days", "2024-04-15", "2024-05-15"),
        ("next 7 days", "2024-05-15", "2024-05-22"),
    ],
)
def test_l19_timespans(value: str, start: str, end: str) -> None:
    assert timespan(value, TODAY) == (d(start), d(end))


def test_l19_month_ends_and_year_turns() -> None:
    assert timespan("last month", dt.date(2024, 3, 31)) == (d("2024-02-01"), d("2024-02-29"))
    assert timespan("next month", dt.date(2024, 12, 31)) == (d("2025-01-01"), d("2025-01-31"))
    assert timespan("last quarter", dt.date(2024, 1, 1)) == (d("2023-10-01"), d("2023-12-31"))
    assert timespan("this week", dt.date(2024, 5, 13)) == (d("2024-05-13"), d("2024-05-19"))
    assert timespan("this week", dt.date(2024, 5, 19)) == (d("2024-05-13"), d("2024-05-19"))


@pytest.mark.parametrize(
    ("op", "value", "same_as"),
    [
        ("previous", "1 week", "last week"),
        ("previous", "1 month", "last month"),
        ("previous", "3 months", "last quarter"),
        ("previous", "6 months", "last 6 months"),
        ("previous", "1 year", "last year"),
        ("next", "1 week", "next week"),
        ("next", "3 Months", "next quarter"),
        ("next", "6 months", "next 6 months"),
    ],
)
def test_l19_previous_and_next(op: str, value: str, same_as: str) -> None:
    assert relative(op, value, TODAY) == timespan(same_as, TODAY)


@pytest.mark.parametrize(
    "value", ["this 6 months", "last 8 days", "last decade", "", "week", "last week please"]
)
def test_l19_other_timespans_answer_417(value: str) -> None:
    with pytest.raises(errors.DataError):
        timespan(value, TODAY)
    with pytest.raises(errors.DataError):
        relative("next", value, TODAY)


def test_l19_edge_of_the_calendar_is_a_clean_error() -> None:
    with pytest.raises(errors.DataError):
        timespan("next year", dt.date(9999, 6, 1))
