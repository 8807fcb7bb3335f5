"""Filter values: coerced to the column's type (L17), and each type's NULL fallback (L18)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from maju import errors
from maju.doctype import fields, numbers
from maju.doctype.fields import DECIMAL_TYPES
from maju.doctype.meta import FieldMeta
from maju.query.nodes import Column

ValueKind = Literal["text", "int", "check", "decimal", "date", "datetime", "time"]

FALLBACK_DATE = dt.date(1, 1, 1)
FALLBACK_DATETIME = dt.datetime(1, 1, 1)
FALLBACK_TIME = dt.time(0, 0)
# PostgreSQL stores Int and Check as INTEGER; an autoincrement name as BIGINT.
INT32 = 2**31 - 1
INT64 = 2**63 - 1
# Within what Float/Currency/Percent columns hold, as fields.coerce checks.
DECIMAL_LIMIT = fields.DECIMAL_LIMIT


def kind_of(fieldtype: str) -> ValueKind:
    if fieldtype == "Check":
        return "check"
    if fieldtype == "Int":
        return "int"
    if fieldtype in DECIMAL_TYPES:
        return "decimal"
    if fieldtype == "Date":
        return "date"
    if fieldtype == "Datetime":
        return "datetime"
    if fieldtype == "Time":
        return "time"
    return "text"


def fallback(column: Column) -> object:
    """L18: what a NULL in this column compares as."""
    kind = kind_of(column.fieldtype)
    if kind == "date":
        return FALLBACK_DATE
    if kind == "datetime":
        return FALLBACK_DATETIME
    if kind == "time":
        return FALLBACK_TIME
    if kind in ("int", "check"):
        return 0
    if kind == "decimal":
        return Decimal(0)
    return ""


def is_empty(value: object) -> bool:
    """L18's empty value: `""` or null (a NULL compares equal to it)."""
    return value is None or value == ""


def _bad(column: Column, value: Any) -> errors.DataError:
    shown = "null" if value is None else fields.shown(value)
    return errors.DataError(f"Invalid value for {column.fieldname} in filters: {shown}")


def coerce(column: Column, value: Any, time_zone: str, *, int_limit: int = INT32) -> object:
    """The value bound for a comparison with `column`; None only for a non-numeric NULL.

    Raises DataError naming the field when the value cannot be of the column's type (L17).
    """
    kind = kind_of(column.fieldtype)
    if isinstance(value, list | dict | tuple):
        raise _bad(column, value)
    if kind in ("int", "check", "decimal"):
        return _number(column, kind, value, int_limit)
    if value is None:
        return None
    if isinstance(value, bool):
        raise _bad(column, value)
    if kind in ("date", "datetime", "time"):
        return _temporal(column, kind, value, time_zone)
    if isinstance(value, int | float | Decimal):
        value = str(value)
    if not isinstance(value, str) or "\x00" in value:
        raise _bad(column, value)
    return value


def _number(column: Column, kind: ValueKind, value: Any, int_limit: int) -> int | Decimal:
    if value is None or value == "":
        return 0
    if kind == "check":
        if value in (True, 1, "1") or (isinstance(value, str) and value.lower() == "true"):
            return 1
        if value in (False, 0, "0") or (isinstance(value, str) and value.lower() == "false"):
            return 0
        raise _bad(column, value)
    try:  # S12: bounded before any conversion
        if kind == "int":
            integer = numbers.to_integer(value)
            if abs(integer) <= int_limit:
                return integer
        else:
            number = numbers.to_decimal(value)
            if abs(number) < DECIMAL_LIMIT:
                return number
    except numbers.NumberError as exc:
        raise _bad(column, value) from exc
    raise _bad(column, value)


def _temporal(column: Column, kind: ValueKind, value: Any, time_zone: str) -> object:
    if value == "":
        return None
    meta = FieldMeta(column.fieldname, column.fieldtype, column.fieldname)
    try:
        if kind == "date":
            return fields.parse_date(meta, value)
        if kind == "datetime":
            return fields.parse_datetime(meta, value, time_zone)
        return fields.parse_time(meta, value)
    except (errors.ValidationError, ValueError, OverflowError) as exc:
        raise _bad(column, value) from exc


def is_date_only(value: Any) -> bool:
    """A between bound given as a date, which a Datetime column widens to the whole day (L19)."""
    if isinstance(value, dt.datetime):
        return False
    if isinstance(value, dt.date):
        return True
    return isinstance(value, str) and not any(c in value.strip() for c in " T")
