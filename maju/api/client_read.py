"""The reading `frappe.client` methods (M10, M12): get_list, get_count, get, get_value,
get_single_value and has_permission.

Thin shells: listings and counts go through `maju.query.execute` (L, P5, P6, P8), documents
through `maju.doctype.document.Document` (D8, D9, P3, P4). Nothing here builds SQL or checks a
permission row itself.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import orjson

from maju import errors
from maju.api.responses import message_body
from maju.context import Context
from maju.doctype.document import Document
from maju.doctype.meta import RIGHTS, Right
from maju.query.execute import count_rows, list_rows, scope_for
from maju.reply import Reply
from maju.whitelisting import whitelist

T = TypeVar("T")
# X2's counters belong to /api/resource; get_list answers rows only.
NOT_FOR_GET_LIST = frozenset({"with_count"})


def with_debug_messages(value: T, debug_messages: str | None) -> T | Reply:
    """L20: the M10 methods carry the SQL in `_debug_messages` only (never in `exc`), beside
    M8's `message`; without it the value is returned as is."""
    if debug_messages is None:
        return value
    return Reply({**message_body(value), "_debug_messages": debug_messages})


@whitelist
async def get_list(ctx: Context, doctype: str, **params: Any) -> list[Any] | Reply:
    """Rows as `/api/resource` lists them (L1), with L2's parameters; unknown keys dropped."""
    listing = {k: v for k, v in params.items() if k not in NOT_FOR_GET_LIST}
    result = await list_rows(ctx, doctype, listing, strict=False)
    return with_debug_messages(result.rows, result.debug_messages)


@whitelist
async def get_count(
    ctx: Context,
    doctype: str,
    filters: Any = None,
    or_filters: Any = None,
    debug: bool = False,
    parent: str | None = None,
) -> int | Reply:
    """P8: the matching documents the caller may read (`read` needed, P5 conditions applied)."""
    result = await count_rows(ctx, doctype, filters, or_filters, debug, parent=parent)
    return with_debug_messages(result.count, result.debug_messages)


@whitelist
async def get(
    ctx: Context,
    doctype: str,
    name: str | None = None,
    filters: Any = None,
    parent: str | None = None,
) -> dict[str, Any]:
    """One document with its nulls (D9), by `name` or by the first match of `filters`."""
    meta = ctx.registry[doctype]
    if meta.istable:
        return await _child_row(ctx, doctype, name, filters, parent)
    if name is None and filters is not None:
        name = await _first_name(ctx, doctype, filters, parent)
    if name is None:
        if not meta.issingle:
            raise errors.ValidationError("Missing required argument: name")
        name = meta.name  # D22: a Single's one record is named after its DocType
    doc = await Document.load(ctx, doctype, name)
    return doc.as_dict(include_nulls=True)


async def _first_name(ctx: Context, doctype: str, filters: Any, parent: str | None) -> Any:
    result = await list_rows(
        ctx,
        doctype,
        {"filters": filters, "fields": ["name"], "limit_page_length": 1, "parent": parent},
        strict=False,
    )
    if not result.rows:
        raise errors.DoesNotExistError(f"{doctype} not found")
    return result.rows[0]["name"]


async def _child_row(
    ctx: Context, doctype: str, name: str | None, filters: Any, parent: str | None
) -> dict[str, Any]:
    """P7: a child row is read through its parent: `read` on the parent DocType (L22) and on
    the parent document the row belongs to."""
    scope_for(ctx, ctx.registry[doctype], parent)
    if name is None:
        name = await _first_name(ctx, doctype, filters or {}, parent)
    row = await Document.load(ctx, doctype, name, right=None)
    if row.values.get("parenttype") != parent:
        raise errors.DoesNotExistError(f"{doctype} {name} not found")
    await Document.load(ctx, str(parent), row.values.get("parent"))
    return row.as_dict(include_nulls=True)


def _fieldnames(fieldname: str | list[Any]) -> tuple[list[str], bool]:
    """M12: a field name, a JSON array of names, or an array; True when several were asked."""
    value: Any = fieldname
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise errors.DataError(f"Invalid fieldname: {fieldname}") from exc
    if isinstance(value, str):
        return [value], False
    if not isinstance(value, list) or not value or not all(isinstance(f, str) for f in value):
        raise errors.DataError(f"Invalid fieldname: {fieldname}")
    return value, True


def _name_filter(filters: Any) -> Any:
    """M12: `filters` is a document name unless it is L14 filters (a JSON object or array).

    L14 allows the JSON-encoded form, so a JSON string (`"ab12"`) is the name it holds and JSON
    `null` is no filter: the classic Python client encodes `filters` that way in `get_value`.
    """
    if not isinstance(filters, str) or filters.lstrip().startswith(("{", "[")):
        return filters
    try:
        decoded = orjson.loads(filters)
    except orjson.JSONDecodeError:
        return {"name": filters}
    if decoded is None:
        return None
    return {"name": decoded if isinstance(decoded, str) else filters}


@whitelist
async def get_value(
    ctx: Context,
    doctype: str,
    fieldname: str | list[Any],
    filters: Any = None,
    as_dict: bool = True,
    debug: bool = False,
    parent: str | None = None,
) -> Any:
    """M12: the first matching row's fields (L11's default order); `{}` when nothing matches."""
    fields, several = _fieldnames(fieldname)
    meta = ctx.registry[doctype]
    debug_messages = None
    if meta.issingle:
        doc = (await Document.load(ctx, doctype, meta.name)).as_dict(include_nulls=True)
        row: dict[str, Any] = {f: doc[f] for f in fields if f in doc}
    else:
        result = await list_rows(
            ctx,
            doctype,
            {
                "fields": fields,
                "filters": _name_filter(filters),
                "limit_page_length": 1,
                "debug": debug,
                "parent": parent,
            },
            strict=False,
        )
        if not result.rows:
            return with_debug_messages({}, result.debug_messages)
        row = result.rows[0]
        debug_messages = result.debug_messages
    return with_debug_messages(_value_of(row, as_dict, several), debug_messages)


def _value_of(row: dict[str, Any], as_dict: bool, several: bool) -> Any:
    """M12: the row, its values, or its one value."""
    if as_dict:
        return row
    values = list(row.values())
    if several:
        return values
    return values[0] if values else None


@whitelist
async def get_single_value(ctx: Context, doctype: str, field: str) -> Any:
    """One field of a Single DocType's record (D22), as its document shows it (P6)."""
    meta = ctx.registry[doctype]
    if not meta.issingle:
        raise errors.ValidationError(f"{doctype} is not a Single DocType")
    doc = (await Document.load(ctx, doctype, meta.name)).as_dict(include_nulls=True)
    if field not in doc:
        raise errors.DataError(f"Field not permitted in query: {field}")
    return doc[field]


@whitelist
async def has_permission(
    ctx: Context, doctype: str, docname: str, perm_type: str = "read"
) -> dict[str, bool]:
    """P1-P4 for one document: the DocType rights, owner-only rows and the controller's check."""
    right = perm_type.strip().lower()
    if right not in RIGHTS:
        raise errors.DataError(
            f"Invalid perm_type: {perm_type}; expected one of {', '.join(RIGHTS)}"
        )
    doc = await Document.load(ctx, doctype, docname, right=None)
    try:
        await doc.check_permission(cast(Right, right))
    except errors.PermissionError:
        return {"has_permission": False}
    return {"has_permission": True}
