"""Frappe's filter operators (L16-L19): each one turns a column and a raw value into a node.

The NULL rules of L18 are decided here, once: a node gets a `Fallback` (the compiler emits
`COALESCE(column, :fallback)`) exactly when a NULL must compare as its type's fallback value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from maju import errors
from maju.doctype.fields import shown
from maju.query import periods
from maju.query.nodes import (
    Between,
    Column,
    Compare,
    CompareOp,
    Condition,
    Fallback,
    InList,
    IsNull,
    Like,
)
from maju.query.values import INT32, INT64, coerce, fallback, is_date_only, is_empty, kind_of

OPERATORS = (
    "=",
    "!=",
    ">",
    "<",
    ">=",
    "<=",
    "like",
    "not like",
    "in",
    "not in",
    "is",
    "between",
    "timespan",
    "previous",
    "next",
)
TREE_OPERATORS = frozenset(
    {
        "descendants of",
        "ancestors of",
        "not descendants of",
        "not ancestors of",
        "descendants of (inclusive)",
    }
)
# S12: an `in` list longer than this answers 417 (each value is one bound parameter), and so
# does a LIKE pattern longer than MAX_PATTERN (matching costs pattern x text; SQLite refuses
# patterns over 50,000 characters as "too complex").
MAX_IN_VALUES = 10_000
MAX_PATTERN = 1000
END_OF_DAY = dt.time(23, 59, 59, 999999)


@dataclass(frozen=True, slots=True)
class OperatorContext:
    """What value coercion needs besides the column: today's date and the site's zone."""

    today: dt.date
    time_zone: str


def normalize(op: Any) -> str:  # Any: straight from the request's JSON
    """L16: case-insensitive, empty or missing means `=`; unknown ones answer 417."""
    if op is None:
        return "="
    if not isinstance(op, str):
        raise _unknown(op)
    text = " ".join(op.lower().split())
    if text == "":
        return "="
    if text in TREE_OPERATORS:
        raise errors.DataError(f"Operator not supported: {op}")
    if text not in OPERATORS:
        raise _unknown(op)
    return text


def _unknown(op: Any) -> errors.DataError:
    return errors.DataError(f"Operator must be one of {', '.join(OPERATORS)}; got {shown(op)}")


def build(op: str, column: Column, value: Any, ctx: OperatorContext) -> Condition:
    """The condition `column <op> value`; `op` already normalised."""
    return _BUILDERS[op](op, column, value, ctx)


def _value(column: Column, value: Any, ctx: OperatorContext) -> object:
    limit = INT64 if column.fieldname == "name" else INT32
    return coerce(column, value, ctx.time_zone, int_limit=limit)


def _numeric(column: Column) -> bool:
    return kind_of(column.fieldtype) in ("int", "check", "decimal")


def _fallback(column: Column, needed: bool) -> Fallback | None:
    # Numeric and Check columns are NOT NULL (D6): never wrapped, so indexes stay usable.
    return Fallback(fallback(column)) if needed and not _numeric(column) else None


def _compare(op: str, column: Column, value: Any, ctx: OperatorContext) -> Condition:
    coerced = _value(column, value, ctx)
    if coerced is None:  # null (or "" for a date): `=` is "not set", `!=` is "set" (L14)
        if op in ("=", "!="):
            return _is(column, "not set" if op == "=" else "set")
        coerced = fallback(column)
    date_like = kind_of(column.fieldtype) in ("date", "datetime")
    needed = {
        "=": is_empty(coerced),  # L18: `=` with a non-empty value never matches NULL
        "!=": True,
        "<": True,
        "<=": True,
        ">": not date_like,  # L18: `>`/`>=` on a date never match NULL
        ">=": not date_like,
    }[op]
    cmp_op: CompareOp = op  # type: ignore[assignment]  # narrowed by the table above
    return Compare(column, cmp_op, coerced, _fallback(column, needed))


def _like(op: str, column: Column, value: Any, ctx: OperatorContext) -> Condition:
    if kind_of(column.fieldtype) == "decimal":
        raise errors.DataError(f"Operator {op} is not supported on {column.fieldname}")
    if value is None:
        value = ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or "\x00" in value:
        raise errors.DataError(f"Invalid value for {column.fieldname} in filters: {shown(value)}")
    if len(value) > MAX_PATTERN:
        raise errors.DataError(
            f"Pattern for {column.fieldname} in filters is too long "
            f"({len(value)} characters, at most {MAX_PATTERN})"
        )
    negated = op == "not like"
    needed = (negated or value == "") and not _numeric(column)
    return Like(column, value, negated, Fallback(_text_of(fallback(column))) if needed else None)


def _text_of(value: object) -> str:
    """A fallback as the text LIKE sees (D7's forms, as SQLite stores them)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds")  # %Y drops year padding
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.%f")
    return str(value)


def _in(op: str, column: Column, value: Any, ctx: OperatorContext) -> Condition:
    if isinstance(value, str):
        # Counted before splitting: a megabyte of commas must not become a million strings.
        if value.count(",") >= MAX_IN_VALUES:
            raise _too_many(column)
        raw: list[Any] = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple):
        raw = list(value)
    elif value is None:
        raw = []
    elif isinstance(value, dict):
        raise errors.DataError(f"Invalid value for {column.fieldname} in filters: {shown(value)}")
    else:
        raw = [value]
    if len(raw) > MAX_IN_VALUES:  # before any value is coerced
        raise _too_many(column)
    raw = raw or [""]  # L17: an empty list behaves as [""]
    values: list[object] = []
    has_empty = False
    for item in raw:
        coerced = _value(column, "" if item is None else item, ctx)
        if is_empty(coerced):
            has_empty = True
            coerced = fallback(column)
        values.append(coerced)
    negated = op == "not in"
    unique = tuple(dict.fromkeys(values))
    return InList(column, unique, negated, _fallback(column, negated or has_empty))


def _too_many(column: Column) -> errors.DataError:
    return errors.DataError(
        f"Too many values for {column.fieldname} in filters (at most {MAX_IN_VALUES})"
    )


def _is(column: Column, value: Any) -> Condition:
    text = " ".join(value.lower().split()) if isinstance(value, str) else None
    if text not in ("set", "not set"):
        raise errors.DataError(
            f"Invalid value for {column.fieldname} in filters: is takes 'set' or 'not set'"
        )
    is_set = text == "set"
    kind = kind_of(column.fieldtype)
    if _numeric(column):
        return Compare(column, "!=" if is_set else "=", fallback(column))
    if kind in ("date", "datetime", "time"):
        return IsNull(column, negated=is_set)
    # L19: "set" is non-empty; comparing without COALESCE keeps NULL out and an index usable.
    if is_set:
        return Compare(column, "!=", "")
    return Compare(column, "=", "", Fallback(""))


def _between(op: str, column: Column, value: Any, ctx: OperatorContext) -> Condition:
    if isinstance(value, str):
        bounds: list[Any] = [part.strip() for part in value.split(",", 2)]
    elif isinstance(value, list | tuple):
        bounds = list(value)
    elif value is None:
        bounds = []
    else:
        raise errors.DataError(f"Invalid value for {column.fieldname} in filters: {shown(value)}")
    if len(bounds) > 2:
        raise errors.DataError(
            f"Invalid value for {column.fieldname} in filters: between takes [from, to]"
        )
    bounds += [None] * (2 - len(bounds))
    kind = kind_of(column.fieldtype)
    if kind in ("date", "datetime"):
        low, high = (
            _date_bound(column, b, ctx, end) for b, end in zip(bounds, (False, True), strict=True)
        )
        return Between(column, low, high)
    if any(b is None or b == "" for b in bounds):
        raise errors.DataError(
            f"Invalid value for {column.fieldname} in filters: between needs both bounds"
        )
    low, high = (_value(column, b, ctx) for b in bounds)
    return Between(column, low, high, _fallback(column, True))


def _date_bound(column: Column, bound: Any, ctx: OperatorContext, end: bool) -> object:
    """L19: a missing bound is today; a Datetime column widens a date to the whole day."""
    if bound is None or bound == "":
        bound = ctx.today
    if kind_of(column.fieldtype) == "date":
        return _value(column, bound, ctx)
    if not is_date_only(bound):
        return _value(column, bound, ctx)
    day = _value(Column(column.table, column.fieldname, "Date"), bound, ctx)
    assert isinstance(day, dt.date)
    return dt.datetime.combine(day, END_OF_DAY if end else dt.time())


def _period(op: str, column: Column, value: Any, ctx: OperatorContext) -> Condition:
    if kind_of(column.fieldtype) not in ("date", "datetime"):
        raise errors.DataError(f"Operator {op} needs a Date or Datetime field: {column.fieldname}")
    if not isinstance(value, str):
        raise errors.DataError(f"Invalid value for {column.fieldname} in filters: {shown(value)}")
    start, end = (
        periods.timespan(value, ctx.today)
        if op == "timespan"
        else periods.relative(op, value, ctx.today)
    )
    return _between("between", column, [start, end], ctx)


_BUILDERS: dict[str, Callable[[str, Column, Any, OperatorContext], Condition]] = {
    **{op: _compare for op in ("=", "!=", "<", ">", "<=", ">=")},
    "like": _like,
    "not like": _like,
    "in": _in,
    "not in": _in,
    "is": lambda op, column, value, ctx: _is(column, value),
    "between": _between,
    "timespan": _period,
    "previous": _period,
    "next": _period,
}
