"""Role permissions (P1-P6): what a caller may do with a DocType, a document and its fields.

This is the one seam every handler asks: listing (P5 row conditions, P6 readable fields),
CRUD and the client methods. Results are cached per request in `ctx.cache`.

Owner-only rights (P4) open the rows a user owns. A DocType controller may open more rows to
an owner-only user with a classmethod `row_condition(ctx) -> {fieldname: value}`: a row whose
field equals the value (any of the pairs) is open too. ToDo uses it for the rows a user is
allocated or assigned, as Frappe's ToDo does. The same pairs serve listings (as L14 filters the
query compiler binds, never SQL text) and single documents, so both always agree.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal

from maju import errors
from maju.context import Context
from maju.doctype.meta import RIGHTS, DocTypeMeta, Right

ROW_CONDITION_HOOK = "row_condition"

Scope = Literal["all", "owner"]


@dataclass(frozen=True, slots=True)
class Access:
    """A caller's rights on one DocType: each right at level 0 is "all", "owner" or absent."""

    rights: dict[str, Scope]
    read_levels: frozenset[int]
    write_levels: frozenset[int]
    is_admin: bool = False

    def scope(self, right: Right) -> Scope | None:
        return "all" if self.is_admin else self.rights.get(right)


def access(ctx: Context, meta: DocTypeMeta) -> Access:
    """P1/P2: the union of the DocType's permission rows whose role the caller holds."""
    key = f"access:{meta.name}"
    cached = ctx.cache.get(key)
    if isinstance(cached, Access):
        return cached
    if ctx.user == "Administrator":
        result = Access(
            {r: "all" for r in RIGHTS}, frozenset(range(10)), frozenset(range(10)), is_admin=True
        )
    else:
        rights: dict[str, Scope] = {}
        read_levels: set[int] = set()
        write_levels: set[int] = set()
        for rule in meta.permissions:
            if rule.role not in ctx.roles:
                continue
            if rule.read:
                read_levels.add(rule.permlevel)
            if rule.write:
                write_levels.add(rule.permlevel)
            if rule.permlevel != 0:
                continue
            for right in RIGHTS:
                if rule.grants(right):
                    scope: Scope = "owner" if rule.if_owner else "all"
                    if rights.get(right) != "all":
                        rights[right] = scope
        result = Access(rights, frozenset(read_levels), frozenset(write_levels))
    ctx.cache[key] = result
    return result


def can(ctx: Context, meta: DocTypeMeta, right: Right, doc: dict[str, Any] | None = None) -> bool:
    """Whether the caller holds `right`; with `doc`, owner-only rights apply to the rows of
    `row_pairs` (P4: the owner's, and those the controller opens)."""
    scope = access(ctx, meta).scope(right)
    if scope is None:
        return False
    if scope == "owner" and doc is not None:
        return any(_matches(doc.get(field), value) for field, value in row_pairs(ctx, meta, right))
    return True


def _matches(stored: Any, value: Any) -> bool:
    return stored is not None and is_identity(value) and str(stored) == str(value)


def is_identity(value: Any) -> bool:
    """Whether `value` can name a user in a row condition. An empty one (None, "", blanks)
    never can: L18's `= ""` also matches NULL, so an empty user's `owner = ""` would open every
    row whose owner (or allocated_to, assigned_by) is unset."""
    return value is not None and str(value).strip() != ""


def row_pairs(
    ctx: Context, meta: DocTypeMeta, right: Right = "read"
) -> tuple[tuple[str, Any], ...]:
    """P4/P5: `(fieldname, value)` pairs, any of which opens a row for an owner-only `right`;
    empty when the caller's `right` covers every row (or none: `require` refuses first)."""
    if access(ctx, meta).scope(right) != "owner":
        return ()
    key = f"rows:{meta.name}"
    cached = ctx.cache.get(key)
    if isinstance(cached, tuple):
        return cached
    pairs: tuple[tuple[str, Any], ...] = (("owner", ctx.user),)
    granted = _controller_condition(ctx, meta)
    for fieldname, value in granted.items():
        if meta.fieldtype_of(fieldname) is None:
            raise errors.ConfigError(
                f"{meta.name}.{ROW_CONDITION_HOOK} names {fieldname!r}, which is not a column"
            )
        pairs += ((fieldname, value),)
    # An empty identity opens no row (`is_identity`): with none left, nothing is open.
    pairs = tuple((fieldname, value) for fieldname, value in pairs if is_identity(value))
    ctx.cache[key] = pairs
    return pairs


def row_filters(ctx: Context, meta: DocTypeMeta) -> list[list[Any]] | None:
    """P5 for listings and counts: L14 triples of which a row must match at least one (OR).

    None means no restriction; an empty list means no row at all (an owner-only caller whose
    every identity is empty). The query compiler parses and binds them like `or_filters`.
    """
    if access(ctx, meta).scope("read") != "owner":
        return None
    return [[fieldname, "=", value] for fieldname, value in row_pairs(ctx, meta, "read")]


def _controller_condition(ctx: Context, meta: DocTypeMeta) -> dict[str, Any]:
    if not meta.controller:
        return {}
    from maju.doctype.controller import class_name

    module = importlib.import_module(meta.controller)
    hook = getattr(getattr(module, class_name(meta), None), ROW_CONDITION_HOOK, None)
    if hook is None:
        return {}
    condition = hook(ctx)
    return dict(condition) if condition else {}


def require(
    ctx: Context, meta: DocTypeMeta, right: Right, doc: dict[str, Any] | None = None
) -> None:
    """Raise P3's PermissionError unless the caller holds `right` (on `doc` when given)."""
    if can(ctx, meta, right, doc):
        return
    raise errors.PermissionError(denial_message(meta, right, doc))


def denial_message(meta: DocTypeMeta, right: Right, doc: dict[str, Any] | None) -> str:
    name = doc.get("name") if doc is not None else None
    if right == "delete" and name is not None:
        return f"User not allowed to delete {meta.name}: {name}"
    if name is None or right == "create":
        return f"No permission for {meta.name}"
    return f"You need the '{right}' permission on {meta.name} {name} to perform this action."


def readable_fieldnames(ctx: Context, meta: DocTypeMeta) -> frozenset[str]:
    """P6: data fields whose permlevel the caller may read (standard fields are always readable)."""
    if meta.istable:  # P7: child rows follow their parent, which the caller already passed
        return frozenset(f.fieldname for f in meta.data_fields)
    levels = access(ctx, meta).read_levels
    return frozenset(f.fieldname for f in meta.data_fields if f.permlevel in levels)


def writable_fieldnames(ctx: Context, meta: DocTypeMeta) -> frozenset[str]:
    if meta.istable:
        return frozenset(f.fieldname for f in meta.data_fields)
    levels = access(ctx, meta).write_levels
    return frozenset(f.fieldname for f in meta.data_fields if f.permlevel in levels)
