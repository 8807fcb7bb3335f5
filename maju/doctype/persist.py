"""Write a document and its child rows: the SQL side of insert and save (D11, D16).

A changed table is rewritten whole (its rows keep their names, owner and creation); an
unchanged one is not touched beyond following the parent's docstatus. A unique index the checks
could not see coming (a concurrent writer) becomes D3's 409 or D4's 417, never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from maju import errors
from maju.db.connection import UniqueViolation
from maju.doctype import assign, naming, storage, validation
from maju.doctype.meta import STANDARD_FIELDS, DocTypeMeta

if TYPE_CHECKING:
    from maju.doctype.document import Document


def stamp_children(doc: Document, stamp: dt.datetime, *, only_changed: bool) -> None:
    """D11: names for new rows, then each row's standard and link fields and its idx."""
    for f in doc.meta.table_fields:
        if only_changed and not doc.table_changed(f.fieldname):
            continue
        for idx, row in enumerate(doc.rows(f.fieldname), start=1):
            if not row.values.get("name"):
                row.values["name"] = naming.random_hash()
            assign.stamp_row(row, doc, f.fieldname, idx, stamp)


async def write_row(doc: Document, *, insert: bool) -> None:
    """Insert the document's row (taking the database's name for autoincrement), or update the
    columns that changed since it was loaded, plus the standard ones."""
    conn, meta = doc.ctx.db, doc.meta
    try:
        if insert:
            values = {k: v for k, v in doc.values.items() if not (k == "name" and v is None)}
            doc.values["name"] = await storage.insert_row(conn, meta, values)
        else:
            original = doc.original_values
            changed = {
                k: v
                for k, v in doc.values.items()
                if k in STANDARD_FIELDS or not _same(meta, k, v, original)
            }
            await storage.update_row(conn, meta, doc.name, changed)
    except UniqueViolation as exc:
        raise unique_error(meta, exc, doc.name) from exc


def _same(meta: DocTypeMeta, key: str, value: Any, original: dict[str, Any]) -> bool:
    field = meta.get_field(key)
    return field is not None and validation.same_value(field, value, original.get(key))


async def write_tables(
    doc: Document, stamp: dt.datetime, *, only_changed: bool, docstatus_changed: bool = False
) -> None:
    """D16 on save (`only_changed`), every row on insert; child docstatus follows the parent."""
    conn, meta = doc.ctx.db, doc.meta
    docstatus = doc.values["docstatus"]
    stamp_children(doc, stamp, only_changed=only_changed)
    for f, child in doc.ctx.registry.child_tables(meta):
        rows = doc.rows(f.fieldname)
        if only_changed and not doc.table_changed(f.fieldname):
            if docstatus_changed:
                await storage.update_children(
                    conn, child, doc.name, meta.name, {"docstatus": docstatus}
                )
                for row in rows:
                    row.values["docstatus"] = docstatus
            continue
        if only_changed:
            await storage.delete_children(conn, child, doc.name, meta.name, f.fieldname)
        for row in rows:
            row.values["docstatus"] = docstatus
            try:
                await storage.insert_row(conn, child, row.values)
            except UniqueViolation as exc:
                raise unique_error(child, exc, row.name) from exc
            row.is_new = False


def unique_error(meta: DocTypeMeta, exc: UniqueViolation, name: Any) -> errors.MajuError:
    field = meta.get_field(exc.column or "")
    if field is not None:
        return validation.unique_error(field)
    return naming.duplicate(meta, name)
