"""Who may attach a file to a document (F7) and who may read a private file (F12, F3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from maju import errors
from maju.context import Context
from maju.doctype import permissions
from maju.doctype.document import Document
from maju.files import records

FILE = records.FILE


@dataclass(frozen=True, slots=True)
class Attachment:
    """F6: what a File records about the document it is attached to (all optional)."""

    doctype: str | None = None
    name: str | None = None
    field: str | None = None


async def check_target(ctx: Context, target: Attachment) -> None:
    """F7: `write` on the target document (404 when it is missing), or `create` on the
    DocType when only `doctype` is given. `field` must be one of the DocType's fields."""
    if target.doctype is None:
        if target.name is not None:
            raise errors.ValidationError("docname needs doctype: the DocType of the document")
        return
    meta = ctx.registry[target.doctype]  # 404 DocType <dt> not found
    if target.field is not None:
        field = meta.get_field(target.field)
        if field is None or not field.has_column:
            raise errors.ValidationError(f"{meta.name} has no field {target.field}")
    if target.name is None:
        permissions.require(ctx, meta, "create")
        return
    await Document.load(ctx, meta.name, target.name, right="write")


async def may_read_attached(ctx: Context, doctype: Any, name: Any) -> bool:
    """F12: `read` on the document a file is attached to (a missing one grants nothing)."""
    if not doctype or not name or str(doctype) not in ctx.registry:
        return False
    meta = ctx.registry[str(doctype)]
    if meta.istable or meta.issingle:
        return False
    try:
        await Document.load(ctx, meta.name, name, right="read")
    except (errors.PermissionError, errors.DoesNotExistError):
        return False
    return True


async def readable_row(ctx: Context, url: str) -> dict[str, Any] | None:
    """F12: a File row for `url` that gives the caller `read`, if any: their own (P4), any
    row for a full `read` right, or one attached to a document the caller may read.
    Guests never get one."""
    if ctx.is_guest:
        return None
    meta = ctx.registry[FILE]
    for row in await records.rows_for_url(ctx.db, meta, url):
        if permissions.can(ctx, meta, "read", row):
            return row
        if await may_read_attached(
            ctx, row.get("attached_to_doctype"), row.get("attached_to_name")
        ):
            return row
    return None


def reads_every_file(ctx: Context) -> bool:
    """A caller with `read` on every File row (not owner-only) may learn a file is missing."""
    return permissions.access(ctx, ctx.registry[FILE]).scope("read") == "all"
