"""`filters` and `or_filters` (L14, L15, L21): every accepted form into condition nodes.

Forms: a JSON string or a real JSON value holding `{"field": value}`, `{"field": [op, value]}`,
an array of `[field, op, value]` triples or `[doctype, field, op, value]` quads (an object
inside the array is read like the object form), or an empty array or object.
"""

from __future__ import annotations

from typing import Any

import orjson

from maju import errors
from maju.doctype.fields import shown
from maju.query import operators
from maju.query.expressions import parse_column
from maju.query.nodes import AllOf, AnyOf, Column, Condition, InList, InSubquery
from maju.query.operators import OperatorContext
from maju.query.scope import Resolver, not_permitted

# More conditions than this in one parameter answer 417; so do more bound values in total
# (room for one full `in` list, S12; both parameters together stay under SQLite's 32,766
# bound parameters per statement).
MAX_CONDITIONS = 100
MAX_VALUES = 15_000


def _shown(value: Any) -> str:
    try:
        text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    except TypeError:  # nested deeper than orjson writes
        return shown(value)
    return text if len(text) <= 200 else text[:200] + "…"


def load_json(raw: Any, param: str) -> Any:  # Any: whatever JSON the client sent
    """A parameter that may arrive as a JSON string (query string) or as JSON already (body)."""
    if not isinstance(raw, str):
        return raw
    if raw.strip() == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.DataError(f"Invalid JSON in {param}: {_shown(raw)}") from exc


def parse_filters(
    resolver: Resolver, raw: Any, param: str, ctx: OperatorContext, *, strict_fields: bool = True
) -> list[Condition]:
    """The conditions of one `filters`-shaped parameter, each resolved against metadata.

    Args:
        resolver: resolves field names (P6 applies) and records child-table joins.
        raw: the parameter as received: a JSON string, a list or a dict (None: no condition).
        param: its name, for error messages.
        ctx: today's date and the site's zone for value coercion.
    """
    value = load_json(raw, param)
    if value is None:
        return []
    if not isinstance(value, dict | list):
        raise errors.DataError(
            f"{param} must be a JSON object or array of filters, got: {_shown(value)}"
        )
    entries: list[tuple[Any, ...]] = []
    for entry in value.items() if isinstance(value, dict) else value:
        if isinstance(value, dict):
            entries.append(_dict_entry(*entry))
        elif isinstance(entry, dict):
            entries += [_dict_entry(k, v) for k, v in entry.items()]
        elif isinstance(entry, list) and len(entry) in (3, 4):
            entries.append(tuple(entry))
        else:
            raise errors.DataError(f"Invalid filter in {param}: {_shown(entry)}")
        if len(entries) > MAX_CONDITIONS:  # S12: stop before reading the rest
            raise errors.DataError(f"Too many conditions in {param} (at most {MAX_CONDITIONS})")
    conditions: list[Condition] = []
    values = 0
    for entry in entries:
        condition = _condition(resolver, entry, param, ctx)
        values += _value_count(condition)
        if values > MAX_VALUES:
            raise errors.DataError(f"Too many values in {param} (at most {MAX_VALUES})")
        conditions.append(condition)
    return conditions


def _dict_entry(key: str, value: Any) -> tuple[Any, ...]:
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise errors.DataError(
                f"Invalid filter for {key}: expected [operator, value], got {_shown(value)}"
            )
        return key, value[0], value[1]
    return key, "=", value


def _condition(
    resolver: Resolver, entry: tuple[Any, ...], param: str, ctx: OperatorContext
) -> Condition:
    doctype: Any = None
    if len(entry) == 4:
        doctype, fieldname, op, value = entry
    else:
        fieldname, op, value = entry
    if not isinstance(fieldname, str) or (doctype is not None and not isinstance(doctype, str)):
        raise errors.DataError(f"Invalid filter in {param}: {_shown(list(entry))}")
    column = resolve_filter_field(resolver, doctype, fieldname)
    return operators.build(operators.normalize(op), column, value, ctx)


def resolve_filter_field(resolver: Resolver, doctype: str | None, fieldname: str) -> Column:
    """L15: the listed DocType's field, else the one child DocType's; a quad names its DocType."""
    ref = parse_column(fieldname)
    if ref is None:
        raise not_permitted(fieldname)
    if doctype is None or doctype == resolver.scope.meta.name:
        column = resolver.column(ref, fieldname, child_fallback=doctype is None)
        assert column is not None  # drop_unreadable is off: unreadable raises instead
        return column
    if ref.via is not None or ref.table is not None:
        raise not_permitted(f"{doctype}.{fieldname}")
    return resolver.child_column(doctype, ref.field, f"{doctype}.{fieldname}")


def _value_count(condition: Condition) -> int:
    if isinstance(condition, InList):
        return len(condition.values)
    if isinstance(condition, AllOf | AnyOf):
        return sum(_value_count(c) for c in condition.items)
    if isinstance(condition, InSubquery):
        return _value_count(condition.where)
    return 1


def combine(
    filters: list[Condition], or_filters: list[Condition], row_conditions: tuple[Condition, ...]
) -> Condition | None:
    """L21: filters AND (or_filters OR-ed) AND the silent row conditions (P5)."""
    parts = [*filters]
    if len(or_filters) == 1:
        parts.append(or_filters[0])
    elif or_filters:
        parts.append(AnyOf(tuple(or_filters)))
    parts += row_conditions
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))
