"""Role permissions (P1-P6): what a caller may do with a DocType, a document and its fields.

This is the one seam every handler asks: listing (P5 owner conditions, P6 readable fields),
CRUD and the client methods. Results are cached per request in `ctx.cache`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from maju import errors
from maju.context import Context
from maju.doctype.meta import RIGHTS, DocTypeMeta, Right

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
        result = Access({r: "all" for r in RIGHTS}, frozenset(range(10)), frozenset(range(10)),
                        is_admin=True)
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
    """Whether the caller holds `right`; with `doc`, owner-only rights apply to its owner (P4)."""
    scope = access(ctx, meta).scope(right)
    if scope is None:
        return False
    if scope == "owner" and doc is not None:
        return doc.get("owner") == ctx.user
    return True


def require(ctx: Context, meta: DocTypeMeta, right: Right,
            doc: dict[str, Any] | None = None) -> None:
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


def owner_only(ctx: Context, meta: DocTypeMeta, right: Right = "read") -> bool:
    """P5: True when the caller's `right` comes only from if_owner rows (listings add owner=)."""
    return access(ctx, meta).scope(right) == "owner"


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
