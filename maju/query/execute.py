"""Run listings and counts for a caller: permissions, parse, compile, fetch, type the rows.

Public API (what `/api/resource` and the `frappe.client` methods call):

- `await list_rows(ctx, doctype, params, strict=...) -> ListResult`: one listing (L1-L23, X2).
  `params` is the E6 mapping or the method's keyword arguments; `strict=True` answers 400 for
  an unknown key (L2), `strict=False` drops it (M10, `get_list` and `get_value`).
  `ListResult.rows` are typed per D6 (nulls kept, L1), with X2's counters when asked;
  `ListResult.debug_messages` is L20's string when debug applies. The envelopes are the
  callers' (maju.api.listing, maju.api.client_read).
- `await count_rows(ctx, doctype, filters, or_filters, debug=False) -> CountResult`: the
  number of documents passing the filters and the caller's row conditions (P8, `get_count`).
- `row_conditions(ctx, meta)`: the one place the silent row conditions of P5 are gathered.

Errors are maju's typed exceptions: 404 unknown DocType (L23), 417 Single DocType (L23),
403 no `read` or no valid `parent` (P3, L22), 400 unknown parameter, 417 `DataError` for a bad
value, each naming what it refuses.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from maju import errors
from maju.context import Context
from maju.doctype import permissions
from maju.doctype.fields import now, to_json
from maju.doctype.meta import DocTypeMeta
from maju.query.compiler import compile_count, compile_document_count, compile_list
from maju.query.filters import parse_filters
from maju.query.nodes import AllOf, AnyOf, Column, Compare, Condition, InSubquery, ListQuery
from maju.query.operators import OperatorContext
from maju.query.params import PageRules, parse_list_params
from maju.query.scope import QueryScope, Resolver


@dataclass(frozen=True, slots=True)
class ListResult:
    """One page of rows, with X2's counters when asked and L20's debug text when allowed."""

    rows: list[Any]  # dicts (as_dict) or lists of values in `fields` order (L13)
    has_next_page: bool | None = None
    count: int | None = None
    count_capped: bool | None = None
    debug_messages: str | None = None  # a JSON array string: [sql, "Execution time: …", …]


@dataclass(frozen=True, slots=True)
class CountResult:
    count: int
    debug_messages: str | None = None  # L20: only `_debug_messages` for the M10 methods


def listable_meta(ctx: Context, doctype: str) -> DocTypeMeta:
    """L23: the DocType, or 404 for everyone; a Single DocType has no list (417)."""
    meta = ctx.registry[doctype]
    if meta.issingle:
        raise errors.ValidationError(f"{doctype} is a Single DocType and has no list")
    return meta


def row_conditions(ctx: Context, meta: DocTypeMeta) -> tuple[Condition, ...]:
    """P4/P5: conditions AND-ed silently into every listing, count and get_value of `meta`.

    This is the one place they are gathered. When the caller's `read` comes only from
    if_owner rows, a row must match one of `permissions.row_filters`: `owner = <user>`, or a
    field the controller's `row_condition` names (P4, e.g. ToDo's allocated or assigned rows).
    The triples are parsed and bound like `or_filters`, never spliced as text.
    """
    triples = permissions.row_filters(ctx, meta)  # any of: owner, or the controller's fields
    if triples is None:
        return ()
    if not triples:  # owner-only with no usable identity: an empty OR, which is false
        return (AnyOf(()),)
    # The condition's own fields resolve whatever the caller may read (P6 governs output).
    zone = ctx.config.site.time_zone
    scope = QueryScope(
        meta,
        readable=frozenset(f.fieldname for f in meta.data_fields),
        today=now(zone).date(),
        time_zone=zone,
    )
    found = parse_filters(
        Resolver(scope), triples, "row condition", OperatorContext(scope.today, zone)
    )
    return (found[0],) if len(found) == 1 else (AnyOf(tuple(found)),)


def scope_for(ctx: Context, meta: DocTypeMeta, parent: Any = None) -> QueryScope:
    """Check `read` (P3, L22) and describe the DocType as this caller may query it."""
    registry = ctx.registry
    conditions: tuple[Condition, ...]
    if meta.istable:
        parent_meta = _parent_of(ctx, meta, parent)
        permissions.require(ctx, parent_meta, "read")
        _require_table_level(ctx, meta, parent_meta)
        parent_rows = row_conditions(ctx, parent_meta)
        conditions = (
            Compare(Column(meta.table_name, "parenttype", "Data"), "=", parent_meta.name),
        )
        if parent_rows:
            where = parent_rows[0] if len(parent_rows) == 1 else AllOf(parent_rows)
            conditions += (
                InSubquery(
                    Column(meta.table_name, "parent", "Data"), parent_meta.table_name, "name", where
                ),
            )
    else:
        permissions.require(ctx, meta, "read")
        conditions = row_conditions(ctx, meta)
    access = permissions.access(ctx, meta)
    readable = permissions.readable_fieldnames(ctx, meta) | {
        f.fieldname
        for f in meta.table_fields
        if access.is_admin or meta.istable or f.permlevel in access.read_levels
    }
    time_zone = ctx.config.site.time_zone
    return QueryScope(
        meta,
        tuple(registry.child_tables(meta)),
        frozenset(readable),
        now(time_zone).date(),
        time_zone,
        conditions,
    )


def _parent_of(ctx: Context, meta: DocTypeMeta, parent: Any) -> DocTypeMeta:
    """L22: a child DocType is listed through a parent holding a Table field of it."""
    parent_meta = ctx.registry.get(parent) if isinstance(parent, str) and parent else None
    if parent_meta is None or not any(f.options == meta.name for f in parent_meta.table_fields):
        raise errors.PermissionError(
            f"No permission for {meta.name}: parent must name a DocType with a Table of it"
        )
    return parent_meta


def _require_table_level(ctx: Context, meta: DocTypeMeta, parent_meta: DocTypeMeta) -> None:
    """P6/P7: a child's rows follow the permlevel of the parent's Table field holding them."""
    access = permissions.access(ctx, parent_meta)
    if access.is_admin or any(
        f.options == meta.name and f.permlevel in access.read_levels
        for f in parent_meta.table_fields
    ):
        return
    raise errors.PermissionError(f"No permission for {meta.name}")


def page_rules(ctx: Context) -> PageRules:
    api = ctx.config.api
    return PageRules(api.default_page_length, None if ctx.is_privileged else api.max_page_length)


def debug_allowed(ctx: Context, query: ListQuery) -> bool:
    """L20: debug output goes to privileged users, or to anyone in developer mode."""
    return query.debug and (ctx.is_privileged or ctx.developer_mode)


async def list_rows(
    ctx: Context, doctype: str, params: Mapping[str, Any], *, strict: bool = True
) -> ListResult:
    """List `doctype` for the caller.

    Args:
        ctx: the request's Context (user, roles, connection, config).
        doctype: the DocType name as given (404 if unknown).
        params: listing parameters (L2): strings or JSON values.
        strict: refuse unknown keys (True, `/api/resource`) or drop them (False, M10).
    """
    meta = listable_meta(ctx, doctype)
    scope = scope_for(ctx, meta, params.get("parent"))
    query = parse_list_params(scope, params, strict=strict, page=page_rules(ctx))
    return await run_list(ctx, query)


async def run_list(ctx: Context, query: ListQuery) -> ListResult:
    """Execute a parsed ListQuery (X2 counters and L20 debug included)."""
    dialect = ctx.db.dialect
    sql, params = compile_list(query, dialect, extra_row=query.with_count)
    trace: list[str] = []
    started = time.perf_counter()
    _, raw_rows = await ctx.db.fetch_rows(sql, params)
    trace += [sql, _elapsed(started)]
    has_next = None
    count = capped = None
    if query.with_count:
        has_next = query.limit is not None and len(raw_rows) > query.limit
        raw_rows = raw_rows[: query.limit] if has_next else raw_rows
        cap = ctx.config.api.count_cap
        if not has_next and (raw_rows or not query.offset):
            count = query.offset + len(raw_rows)  # this page reaches the end: no COUNT needed
        else:
            count_sql, count_params = compile_count(query, dialect, cap=cap)
            started = time.perf_counter()
            count = int(await ctx.db.fetch_value(count_sql, count_params) or 0)
            trace += [count_sql, _elapsed(started)]
        capped = count > cap
        count = min(count, cap)
    rows = [_typed(query, row) for row in raw_rows]
    debug = orjson.dumps(trace).decode() if debug_allowed(ctx, query) else None
    return ListResult(rows, has_next, count, capped, debug)


def _elapsed(started: float) -> str:
    return f"Execution time: {time.perf_counter() - started:.3f} sec"


def _typed(query: ListQuery, row: tuple[Any, ...]) -> Any:
    # L1: listing rows keep nulls (a LEFT JOIN without child rows gives null even for numbers).
    values = [
        None if value is None else to_json(item.fieldtype, value)
        for item, value in zip(query.select, row, strict=True)
    ]
    if not query.as_dict:
        return values
    return {item.key: value for item, value in zip(query.select, values, strict=True)}


async def count_rows(
    ctx: Context,
    doctype: str,
    filters: Any = None,
    or_filters: Any = None,
    debug: bool = False,
    *,
    parent: str | None = None,
) -> CountResult:
    """The number of `doctype` documents passing the filters and row conditions (P8).

    Args:
        filters, or_filters: L14 forms (JSON strings or values; None for none).
        debug: L20; the SQL comes back in `CountResult.debug_messages` when allowed.
        parent: the parent DocType when counting child rows (L22).
    """
    meta = listable_meta(ctx, doctype)
    scope = scope_for(ctx, meta, parent)
    query = parse_list_params(
        scope, {"filters": filters, "or_filters": or_filters, "debug": debug}, strict=False
    )
    sql, params = compile_document_count(query, ctx.db.dialect)
    started = time.perf_counter()
    count = int(await ctx.db.fetch_value(sql, params) or 0)
    trace = [sql, _elapsed(started)]
    return CountResult(count, orjson.dumps(trace).decode() if debug_allowed(ctx, query) else None)
