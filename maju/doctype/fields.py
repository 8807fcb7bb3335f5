"""Field types (D6): how each is stored, how client input is coerced, how values go out as JSON."""

from __future__ import annotations

import datetime as dt
import re
import reprlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import orjson

from maju import errors
from maju.db.dialect import StorageKind
from maju.doctype import numbers

if TYPE_CHECKING:
    from maju.doctype.meta import FieldMeta

TEXT_TYPES = frozenset(
    {
        "Small Text",
        "Text",
        "Long Text",
        "Text Editor",
        "Code",
        "Markdown Editor",
        "HTML Editor",
        "Signature",
        "Geolocation",
    }
)
SHORT_TEXT_TYPES = frozenset(
    {
        "Data",
        "Select",
        "Link",
        "Dynamic Link",
        "Read Only",
        "Color",
        "Phone",
        "Autocomplete",
        "Icon",
        "Barcode",
    }
)
INT_TYPES = frozenset({"Int", "Check"})
DECIMAL_TYPES = frozenset({"Float", "Currency", "Percent", "Rating", "Duration"})
NUMERIC_TYPES = INT_TYPES | DECIMAL_TYPES
TABLE_TYPES = frozenset({"Table", "Table MultiSelect"})
LAYOUT_TYPES = frozenset(
    {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold", "Image"}
)
OTHER_VALUE_TYPES = frozenset(
    {"Date", "Datetime", "Time", "JSON", "Password", "Attach", "Attach Image"}
)
VALUE_TYPES = TEXT_TYPES | SHORT_TEXT_TYPES | NUMERIC_TYPES | OTHER_VALUE_TYPES
ALL_TYPES = VALUE_TYPES | TABLE_TYPES | LAYOUT_TYPES

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# Float, Currency and Percent columns are NUMERIC(21, 9): 12 digits before the point.
DECIMAL_LIMIT = Decimal(10) ** 12
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9\s\-().]{3,30}$")
_ATTACH = re.compile(r"^(/files/|/private/files/|https?://)", re.IGNORECASE)


def has_column(fieldtype: str) -> bool:
    return fieldtype in VALUE_TYPES


def storage_kind(field: FieldMeta) -> StorageKind:
    """The column kind a field is stored as; each dialect maps it to a SQL type."""
    t = field.fieldtype
    if (
        t
        in (
            "Data",
            "Link",
            "Dynamic Link",
            "Select",
            "Read Only",
            "Color",
            "Phone",
            "Autocomplete",
            "Icon",
        )
        and field.length <= 255
    ):
        return "varchar"
    if t in INT_TYPES:
        return "int"
    if t in DECIMAL_TYPES:
        return "decimal"
    if t == "Date":
        return "date"
    if t == "Datetime":
        return "datetime"
    if t == "Time":
        return "time"
    if t == "JSON":
        return "json"
    return "text"


def _invalid(field: FieldMeta, value: Any) -> errors.ValidationError:
    # The value is echoed shortened: it may be megabytes of hostile text (S12).
    return errors.ValidationError(f"Invalid value for {field.label}: {shown(value)}")


_SHOWN = reprlib.Repr()  # keyword arguments need Python 3.12
_SHOWN.maxlevel = 3
_SHOWN.maxstring = _SHOWN.maxother = 100
_SHOWN.maxlist = _SHOWN.maxdict = 10


def shown(value: Any) -> str:
    """A client value for an error message: its repr, shortened (reprlib stops at depth 3 and
    cuts long strings, so a deep or huge value costs nothing to show)."""
    return _SHOWN.repr(value)


def coerce(field: FieldMeta, value: Any, time_zone: str = "UTC") -> Any:  # Any: per fieldtype
    """Turn client input into the Python value stored for `field`, or raise naming the field."""
    t = field.fieldtype
    if t in NUMERIC_TYPES:
        if value is None or value == "":
            return 0
        return _coerce_number(field, value)
    if value is None:
        return None
    if isinstance(value, list | dict) and t != "JSON":
        raise _invalid(field, value)
    if t == "JSON":
        return None if value == "" else _coerce_json(field, value)
    if isinstance(value, bool):
        raise _invalid(field, value)
    if t == "Date":
        return None if value == "" else parse_date(field, value)
    if t == "Datetime":
        return None if value == "" else parse_datetime(field, value, time_zone)
    if t == "Time":
        return None if value == "" else parse_time(field, value)
    if isinstance(value, int | float | Decimal):
        value = str(value)
    if not isinstance(value, str):
        raise _invalid(field, value)
    return _check_text(field, value)


def _coerce_number(field: FieldMeta, value: Any) -> int | Decimal:
    if field.fieldtype == "Check":
        if value in (True, 1, "1", "true", "True", "TRUE") and not isinstance(value, float):
            return 1
        if value in (False, 0, "0", "false", "False", "FALSE") and not isinstance(value, float):
            return 0
        raise _invalid(field, value)
    try:  # S12: bounded before any conversion
        if field.fieldtype == "Int":
            integer = numbers.to_integer(value)
            if INT_MIN <= integer <= INT_MAX:  # Int columns are 32-bit INTEGER on PostgreSQL
                return integer
        else:
            number = numbers.to_decimal(value)
            if abs(number) < DECIMAL_LIMIT:
                return number
    except numbers.NumberError as exc:
        raise _invalid(field, value) from exc
    raise _invalid(field, value)


def _coerce_json(field: FieldMeta, value: Any) -> str:
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise _invalid(field, value) from exc
    try:
        return orjson.dumps(value).decode()
    except TypeError as exc:  # nested deeper than orjson writes (254), or a huge integer
        raise _invalid(field, value) from exc


def _check_text(field: FieldMeta, value: str) -> str:
    t = field.fieldtype
    if "\x00" in value:
        raise _invalid(field, value)
    if t == "Data" and value:
        option = (field.options or "").strip()
        if option == "Email" and not _EMAIL.fullmatch(value):
            raise errors.ValidationError(f"{field.label}: {value} is not a valid Email Address")
        if option == "URL" and not _URL.fullmatch(value):
            raise errors.ValidationError(f"{field.label}: {value} is not a valid URL")
        if option == "Phone" and not _PHONE.match(value):
            raise errors.ValidationError(f"{field.label}: {value} is not a valid Phone Number")
    if t in ("Data", "Link", "Dynamic Link", "Select", "Read Only") and len(value) > field.length:
        raise errors.CharacterLengthExceededError(
            f"Value too big for {field.label}: {len(value)} characters, the limit is {field.length}"
        )
    if t in ("Attach", "Attach Image") and value and not _ATTACH.match(value):
        raise _invalid(field, value)
    return value


def parse_date(field: FieldMeta, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:  # D6: a datetime string keeps its date
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise _invalid(field, value)


def parse_datetime(field: FieldMeta, value: Any, time_zone: str = "UTC") -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise _invalid(field, value) from exc
    else:
        raise _invalid(field, value)
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)
        except OverflowError as exc:  # e.g. 0001-01-01T00:00+05:00 is before year 1 in UTC
            raise _invalid(field, value) from exc
    return parsed


def parse_time(field: FieldMeta, value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        return dt.time(total // 3600 % 24, total // 60 % 60, total % 60)
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise _invalid(field, value)
    hours, minutes, seconds, fraction = match.groups()
    try:
        return dt.time(
            int(hours), int(minutes), int(seconds or 0), int((fraction or "0").ljust(6, "0"))
        )
    except ValueError as exc:
        raise _invalid(field, value) from exc


def to_json(fieldtype: str, value: Any) -> Any:  # Any: JSON-ready value per fieldtype
    """A stored value as D6 sends it (the database may hand back strings, dates or decimals)."""
    if value is None:
        return 0 if fieldtype in NUMERIC_TYPES else None
    if fieldtype in INT_TYPES:
        return int(value)
    if fieldtype in DECIMAL_TYPES:
        return float(value)
    if fieldtype == "Datetime":
        return format_datetime(value)
    if fieldtype == "Date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]
    if fieldtype == "Time":
        return format_time(value)
    if fieldtype == "Password":
        return "*" * 8 if value else None
    return value


def format_datetime(value: Any) -> str:
    if isinstance(value, dt.datetime):
        # Not strftime: its %Y drops the zero padding of years before 1000 (D7).
        return value.isoformat(sep=" ", timespec="microseconds")
    text = str(value)
    if "." not in text and len(text) == 19:
        return text + ".000000"
    return text


def format_time(value: Any) -> str:
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        value = dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.%f") if value.microsecond else value.strftime("%H:%M:%S")
    text = str(value)
    return text[:-7] if text.endswith(".000000") else text


def now(time_zone: str = "UTC") -> dt.datetime:
    """The current naive local time in the site's zone (D7)."""
    return dt.datetime.now(ZoneInfo(time_zone)).replace(tzinfo=None)
