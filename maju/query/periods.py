"""Calendar periods for `timespan`, `previous` and `next` (L19), as Frappe computes them."""

from __future__ import annotations

import datetime as dt
import re

from maju import errors

Period = tuple[dt.date, dt.date]

# L19: `previous`/`next` take a length and mean the `last`/`next` timespan of that length.
RELATIVE = {
    "1 week": "week",
    "1 month": "month",
    "3 months": "quarter",
    "6 months": "6 months",
    "1 year": "year",
}
_DAYS = re.compile(r"^(last|next) (7|14|30) days$")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, 1)


def _month(day: dt.date) -> Period:
    start = day.replace(day=1)
    return start, _add_months(start, 1) - dt.timedelta(days=1)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _quarter(day: dt.date) -> Period:
    start = _quarter_start(day)
    return start, _add_months(start, 3) - dt.timedelta(days=1)


def _week(day: dt.date) -> Period:
    start = day - dt.timedelta(days=day.weekday())  # weeks start on Monday
    return start, start + dt.timedelta(days=6)


def _year(day: dt.date) -> Period:
    return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)


def timespan(value: str, today: dt.date) -> Period:
    """The inclusive date range a timespan names, relative to `today` in the site's zone.

    Raises DataError for anything L19 does not list.
    """
    text = " ".join(value.lower().split())
    try:
        return _period(text, today)
    except (KeyError, OverflowError, ValueError) as exc:
        raise errors.DataError(f"Invalid timespan: {value}") from exc


def _period(text: str, today: dt.date) -> Period:
    day = dt.timedelta(days=1)
    fixed = {"yesterday": today - day, "today": today, "tomorrow": today + day}
    if text in fixed:
        return fixed[text], fixed[text]
    days = _DAYS.match(text)
    if days:
        n = dt.timedelta(days=int(days.group(2)))
        return (today - n, today) if days.group(1) == "last" else (today, today + n)
    when, _, unit = text.partition(" ")
    step = {"last": -1, "this": 0, "next": 1}[when]
    if unit == "week":
        return _week(today + dt.timedelta(days=7 * step))
    if unit == "month":
        return _month(_add_months(today, step))
    if unit == "quarter":
        return _quarter(_add_months(today, 3 * step))
    if unit == "year":
        return _year(dt.date(today.year + step, 1, 1))
    if unit == "6 months" and step:
        # Frappe: the two whole quarters before (or after) the current one.
        first = _quarter_start(_add_months(today, -6 if step < 0 else 3))
        return first, _add_months(first, 6) - dt.timedelta(days=1)
    raise KeyError(text)


def relative(operator: str, value: str, today: dt.date) -> Period:
    """`previous`/`next` with `1 week` ... `1 year` (L19)."""
    length = RELATIVE.get(" ".join(value.lower().split()))
    if length is None:
        raise errors.DataError(f"Invalid value for {operator}: {value}")
    return timespan(f"{'last' if operator == 'previous' else 'next'} {length}", today)
