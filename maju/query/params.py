"""Listing parameters (L2-L14, X2) into a frozen ListQuery; bad input fails here, named.

`parse_list_params` is the only place that decides what a listing parameter means. It is pure:
metadata, permissions and the clock reach it through a `QueryScope`, and the result compiles
without further checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from maju import errors
from maju.doctype import numbers
from maju.doctype.fields import shown
from maju.query.expressions import parse_column, parse_field, parse_order, split_items
from maju.query.filters import combine, load_json, parse_filters
from maju.query.nodes import Aggregate, Column, ListQuery, OrderItem, SelectItem
from maju.query.operators import OperatorContext
from maju.query.scope import QueryScope, Resolver, not_permitted

# L2: the accepted keys; IGNORED ones are dropped silently.
ACCEPTED = frozenset(
    {
        "fields",
        "filters",
        "or_filters",
        "order_by",
        "group_by",
        "limit_start",
        "limit",
        "limit_page_length",
        "start",
        "page_length",
        "as_dict",
        "debug",
        "parent",
        "with_count",
    }
)
IGNORED = frozenset({"_", "cmd", "sid", "csrf_token"})
PAGE_SIZE_KEYS = ("limit_page_length", "page_length", "limit")  # L9: first present wins
OFFSET_KEYS = ("limit_start", "start")
SUMMABLE = frozenset({"Int", "Float", "Currency", "Percent"})  # L6
# Page sizes and offsets past this are refused (they must survive `+ 1` in a 64-bit integer).
MAX_INTEGER = 2**53
# S12: longer `fields` lists answer 417 (SQLite refuses over 2,000 result columns, PostgreSQL
# over 1,664); `order_by` and `group_by` take at most as many items.
MAX_FIELDS = 500


@dataclass(frozen=True, slots=True)
class PageRules:
    """L9/L10: the configured default page size and, for non-privileged callers, the cap."""

    default_page_length: int = 20
    max_page_length: int | None = None  # None: no cap (privileged callers)


def parse_list_params(
    scope: QueryScope,
    params: Mapping[str, Any],
    *,
    strict: bool = True,
    page: PageRules | None = None,
) -> ListQuery:
    """Parse one listing request into a ListQuery.

    Args:
        scope: the DocType as the caller sees it (fields, child tables, row conditions).
        params: the E6 mapping: strings from a query string, JSON values from a body.
        strict: True for `/api/resource` (an unknown key answers 400, L2); False for the
            `frappe.client` methods, which drop unknown keys (M10).
        page: the page-size rules; defaults to 20 rows and no cap.

    Raises:
        errors.BadRequestError: an unknown parameter (strict only).
        errors.DataError: any value SPEC L refuses, with a message naming it.
    """
    page = page or PageRules()
    if strict:
        for key in params:
            if key not in ACCEPTED and key not in IGNORED:
                raise errors.BadRequestError(f"Unknown parameter: {key}")
    resolver = Resolver(scope)
    select, distinct = parse_fields(resolver, params.get("fields"))
    ctx = OperatorContext(scope.today, scope.time_zone)
    filters = parse_filters(resolver, params.get("filters"), "filters", ctx)
    or_filters = parse_filters(resolver, params.get("or_filters"), "or_filters", ctx)
    group_by = _group_by(resolver, params.get("group_by"))
    aggregate = bool(group_by) or any(isinstance(s.expr, Aggregate) for s in select)
    if aggregate:
        _check_grouping(select, group_by)
    order_by = _order_by(resolver, params.get("order_by"), select, group_by, aggregate, distinct)
    limit, offset = _paging(params, page)
    return ListQuery(
        table=scope.table,
        select=select,
        joins=resolver.joins,
        where=combine(filters, or_filters, scope.row_conditions),
        group_by=group_by,
        order_by=order_by,
        distinct=distinct,
        limit=limit,
        offset=offset,
        as_dict=parse_bool(params, "as_dict", True),
        debug=parse_bool(params, "debug", False),
        with_count=parse_bool(params, "with_count", False),
    )


def field_list(raw: Any) -> list[str]:
    """L3: the `fields` forms into a list of elements; absent or empty means ["name"]."""
    value: Any = raw
    if isinstance(raw, str) and raw.strip() != "*":
        try:
            value = load_json(raw, "fields")
        except errors.DataError:
            value = raw  # refused below, with the message that names the accepted forms
    elif isinstance(raw, str):
        value = "*"
    if value is None or value == []:
        return ["name"]
    if value == "*":
        return ["*"]
    if isinstance(value, list) and len(value) > MAX_FIELDS:
        raise errors.DataError(f"fields may name at most {MAX_FIELDS} fields, got {len(value)}")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    given = raw if isinstance(raw, str) else type(raw).__name__
    raise errors.DataError(f"fields must be a JSON array of field names, got: {given}"[:300])


def parse_fields(resolver: Resolver, raw: Any) -> tuple[tuple[SelectItem, ...], bool]:
    """L3-L8: the select list, and whether any element asked for `distinct`."""
    items: list[SelectItem] = []
    distinct = False
    expanded = False
    for element in field_list(raw):
        if element.strip() == "*":
            if expanded:
                continue  # a second `*` adds the same columns again
            expanded = True
            items += [
                SelectItem(c, c.fieldname, fieldtype=c.fieldtype) for c in resolver.scope.columns()
            ]
            continue
        expr = parse_field(element)
        if expr is None:
            raise not_permitted(element)
        column = None
        if expr.ref is not None:
            column = resolver.column(expr.ref, element, drop_unreadable=True)
            if column is None:
                continue  # P6: an unreadable field leaves an explicit list silently
        distinct = distinct or expr.distinct
        if expr.func is None:
            assert column is not None
            items.append(SelectItem(column, expr.key, expr.alias, column.fieldtype))
            continue
        if expr.func in ("sum", "avg") and (column is None or column.fieldtype not in SUMMABLE):
            raise not_permitted(element)
        items.append(
            SelectItem(
                Aggregate(expr.func, column),  # type: ignore[arg-type]
                expr.key,
                expr.alias,
                _aggregate_type(expr.func, column),
            )
        )
    if not items:
        name = resolver.scope.columns()[0]
        items.append(SelectItem(name, "name", fieldtype=name.fieldtype))
    return tuple(items), distinct


def _aggregate_type(func: str, column: Column | None) -> str:
    if func == "count":
        return "Int"
    if func == "avg" or column is None:
        return "Float"
    if func == "sum":
        return "Int" if column.fieldtype == "Int" else "Float"
    return column.fieldtype


def _text_param(raw: Any, param: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise errors.DataError(f"{param} must be a comma-separated string")
    return raw


def _items(text: str, param: str) -> list[str]:
    """The comma-separated items of `order_by` or `group_by`, at most MAX_FIELDS (S12)."""
    if text.count(",") >= MAX_FIELDS:  # counted before anything is split out
        raise errors.DataError(f"{param} may name at most {MAX_FIELDS} items")
    return split_items(text)


def _group_by(resolver: Resolver, raw: Any) -> tuple[Column, ...]:
    """L12: comma-separated readable field names, plain or backtick form."""
    text = _text_param(raw, "group_by")
    if not text.strip():
        return ()
    columns: list[Column] = []
    for item in _items(text, "group_by"):
        ref = parse_column(item)
        if ref is None:
            raise not_permitted(item)
        column = resolver.column(ref, item)
        assert column is not None
        columns.append(column)
    return tuple(dict.fromkeys(columns))


def _check_grouping(select: tuple[SelectItem, ...], group_by: tuple[Column, ...]) -> None:
    # Both databases must answer alike: PostgreSQL refuses a bare column beside an aggregate.
    for item in select:
        if isinstance(item.expr, Column) and item.expr not in group_by:
            raise errors.DataError(
                f"Field {item.key} must be in group_by or inside an aggregate function"
            )


def _order_by(
    resolver: Resolver,
    raw: Any,
    select: tuple[SelectItem, ...],
    group_by: tuple[Column, ...],
    aggregate: bool,
    distinct: bool,
) -> tuple[OrderItem, ...]:
    """L11; grouped or distinct rows sort only by what they hold (same answer on both DBs)."""
    selected = {s.expr for s in select if isinstance(s.expr, Column)}

    def allowed(column: Column) -> bool:
        return (not aggregate or column in group_by) and (not distinct or column in selected)

    text = _text_param(raw, "order_by")
    if text.strip():
        items: list[OrderItem] = []
        for item in _items(text, "order_by"):
            parsed = parse_order(item)
            if parsed is None:
                raise errors.DataError(f"Invalid order_by item: {item}")
            column = resolver.column(parsed.ref, item)
            assert column is not None
            if not allowed(column):
                raise errors.DataError(
                    f"Invalid order_by item: {item} (grouped or distinct rows can only be "
                    "sorted by a field they hold)"
                )
            items.append(OrderItem(column, parsed.descending))
        return tuple(items)
    meta = resolver.scope.meta
    default = Column(meta.table_name, meta.sort_field, meta.fieldtype_of(meta.sort_field) or "Data")
    if allowed(default):
        return (OrderItem(default, meta.sort_order == "DESC"),)
    return tuple(OrderItem(c) for c in group_by if allowed(c))


def parse_int(params: Mapping[str, Any], key: str) -> int | None:
    """L9: a JSON integer or a string of digits (empty: absent); anything else answers 417."""
    raw = params.get(key)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    value: int | None = None
    digits = isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit()
    if digits or (isinstance(raw, int | float) and not isinstance(raw, bool)):
        try:  # S12: `numbers` checks the length before int() sees it
            value = numbers.to_integer(raw)
        except numbers.NumberError:
            if digits:
                raise errors.DataError(f"{key} is too large: {_text(raw)}") from None
    if value is None or value < 0:
        raise errors.DataError(f"{key} must be a non-negative integer, got: {_text(raw)}")
    if value > MAX_INTEGER:
        raise errors.DataError(f"{key} is too large: {_text(raw)}")
    return value


def _text(raw: Any) -> str:
    """A parameter's value for a message: text as sent, anything else shortened safely."""
    return raw[:100] if isinstance(raw, str) else shown(raw)


def _paging(params: Mapping[str, Any], page: PageRules) -> tuple[int | None, int]:
    sizes = [(key, parse_int(params, key)) for key in PAGE_SIZE_KEYS]
    offsets = [parse_int(params, key) for key in OFFSET_KEYS]
    size = next((value for _, value in sizes if value is not None), None)
    offset = next((value for value in offsets if value is not None), 0)
    cap = page.max_page_length
    if size is None:
        size = page.default_page_length if cap is None else min(page.default_page_length, cap)
    if size == 0:  # L10: "no limit", which the cap bounds for non-privileged callers
        return cap, offset
    if cap is not None and size > cap:
        raise errors.DataError(f"Page size must not exceed {cap}")
    return size, offset


def parse_bool(params: Mapping[str, Any], key: str, default: bool) -> bool:
    """L13: JSON booleans, 0/1, or case-insensitive true/false/1/0; empty is absent."""
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return raw == 1
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "1", "0"):
        return raw.strip().lower() in ("true", "1")
    raise errors.DataError(f"{key} must be true or false, got: {_text(raw)}")
