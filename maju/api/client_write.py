"""The writing `frappe.client` methods (M10): set_value, insert, insert_many, save, submit,
cancel, delete, rename_doc and bulk_update.

Every one is a few calls on `maju.doctype.document.Document`, which owns naming, validation,
docstatus rules and permissions; they run in the request's one transaction (M5), so a failure
undoes the whole call, except bulk_update's entries, which each get a savepoint.

The `frappe.client` methods (M10, here and in maju.api.client_read) map onto it:

    get          (await Document.load(ctx, dt, name)).as_dict(include_nulls=True)    # D9
    insert       Document.new(ctx, doc["doctype"], doc).insert(); a child row (parenttype,
                 parent, parentfield): load the parent with right="write",
                 parent.append(parentfield, doc), await parent.save()
    save/submit  d = await Document.load(ctx, dt, name, for_update=True, right="write");
                 d.update(doc, replace=True)  # absent fields cleared; `modified` is D18's lock
                 await d.save() / await d.submit()
    cancel       await (await Document.load(ctx, dt, name, for_update=True)).cancel()
    delete       await (await Document.load(ctx, dt, name, right="delete")).delete()
    set_value    d.update({fieldname: value}); await d.save() (a child row: change the row
                 object found in parent.rows(parentfield), then save the parent)
    rename_doc   await d.rename(new_name, merge=merge)
    bulk_update  each entry inside `async with ctx.db.savepoint():`
    return value maju.doctype.serialise.jsonable(value) (M8: documents inside, nulls dropped)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson

from maju import errors
from maju.api.arguments import coerce
from maju.context import Context
from maju.doctype import assign, permissions
from maju.doctype.document import Document
from maju.doctype.fields import shown
from maju.doctype.meta import CHILD_FIELDS, STANDARD_FIELDS
from maju.whitelisting import whitelist

log = logging.getLogger(__name__)

WRITE = ("POST", "PUT")
# S12/M10: entries per insert_many or bulk_update call.
MAX_INSERT_MANY = MAX_BULK_UPDATE = 200
STANDARD = frozenset(STANDARD_FIELDS + CHILD_FIELDS)


def _doctype_of(doc: Mapping[str, Any], arg: str = "doc") -> str:
    doctype = doc.get("doctype")
    if not isinstance(doctype, str) or not doctype:
        raise errors.ValidationError(f"Missing required argument: {arg}.doctype")
    return doctype


async def _parent_of_row(ctx: Context, doctype: str, name: Any) -> tuple[Document, Document]:
    """A child row and its parent loaded for writing: rows change through the parent (P7)."""
    row = await Document.load(ctx, doctype, name, right=None)
    parent = await Document.load(
        ctx,
        str(row.values.get("parenttype")),
        row.values.get("parent"),
        for_update=True,
        right="write",
    )
    for candidate in parent.rows(str(row.values.get("parentfield"))):
        if str(candidate.name) == str(name):
            return parent, candidate
    raise errors.DoesNotExistError(f"{doctype} {name} not found")


def _field_values(fieldname: str | dict[str, Any], value: Any) -> dict[str, Any]:
    """M10: one `fieldname` and `value`, or a JSON object of fields in `fieldname`."""
    if isinstance(fieldname, dict):
        return fieldname
    if value is None and fieldname.lstrip().startswith("{"):
        parsed: dict[str, Any] = coerce("fieldname", dict[str, Any], fieldname)
        return parsed
    return {fieldname: value}


@whitelist(methods=WRITE)
async def set_value(
    ctx: Context, doctype: str, name: str, fieldname: str | dict[str, Any], value: Any = None
) -> dict[str, Any]:
    """Set fields and save; on a child row the parent is saved and returned (M10)."""
    values = _field_values(fieldname, value)
    if any(key in STANDARD for key in values):
        raise errors.ValidationError("Cannot edit standard fields")
    meta = ctx.registry[doctype]
    if meta.istable:
        parent, row = await _parent_of_row(ctx, doctype, name)
        if assign.table_writable(parent, str(row.values.get("parentfield"))):
            assign.apply_row(row, values)  # P6: rows of an unwritable table are left alone
        await parent.save()
        return parent.as_dict(include_nulls=True)
    doc = await Document.load(ctx, doctype, name, for_update=True, right="write")
    doc.update(values)
    await doc.save()
    return doc.as_dict(include_nulls=True)


async def _insert(ctx: Context, data: Mapping[str, Any], arg: str) -> Document:
    if not isinstance(data, Mapping):
        raise errors.ValidationError(f"Each of {arg} must be a JSON object")
    doctype = _doctype_of(data, arg)
    if ctx.registry[doctype].istable and data.get("parenttype"):
        # M10: a child row with its parent's coordinates is appended to that parent.
        parent = await Document.load(
            ctx, str(data["parenttype"]), data.get("parent"), for_update=True, right="write"
        )
        parentfield = str(data.get("parentfield") or "")
        if assign.table_writable(parent, parentfield):  # P6: else the row is ignored
            parent.append(parentfield, data)
        return await parent.save()
    doc = Document.new(ctx, doctype, data)
    return await doc.insert()


@whitelist(methods=WRITE)
async def insert(ctx: Context, doc: dict[str, Any]) -> dict[str, Any]:
    """D13 for a `doc` naming its doctype; a child row returns its saved parent."""
    return (await _insert(ctx, doc, "doc")).as_dict(include_nulls=True)


@whitelist(methods=WRITE)
async def insert_many(ctx: Context, docs: list[Any]) -> list[Any]:
    """Insert up to 200 documents in one transaction; their names in order."""
    if len(docs) > MAX_INSERT_MANY:
        raise errors.ValidationError(f"Only {MAX_INSERT_MANY} inserts allowed in one request")
    return [(await _insert(ctx, data, "docs")).name for data in docs]


def _name_of(doc: Mapping[str, Any]) -> Any:
    name = doc.get("name")
    if name is None or name == "":
        raise errors.ValidationError("Missing required argument: doc.name")
    return name


@whitelist(methods=WRITE)
async def save(ctx: Context, doc: dict[str, Any]) -> dict[str, Any]:
    """Replace the whole document (absent fields are cleared, M10); `modified` is a lock (D18)."""
    loaded = await Document.load(
        ctx, _doctype_of(doc), _name_of(doc), for_update=True, right="write"
    )
    loaded.update(doc, replace=True)
    return (await loaded.save()).as_dict(include_nulls=True)


@whitelist(methods=WRITE)
async def submit(ctx: Context, doc: dict[str, Any]) -> dict[str, Any]:
    """D20's 0→1 with the document replaced by `doc`; a `doc` without a name is inserted and
    submitted in one step."""
    doctype = _doctype_of(doc)
    if doc.get("name") in (None, ""):
        return (await Document.new(ctx, doctype, doc).submit()).as_dict(include_nulls=True)
    loaded = await Document.load(ctx, doctype, doc["name"], for_update=True, right="submit")
    loaded.update(doc, replace=True)
    return (await loaded.submit()).as_dict(include_nulls=True)


@whitelist(methods=WRITE)
async def cancel(ctx: Context, doctype: str, name: str) -> dict[str, Any]:
    """D20's 1→2."""
    doc = await Document.load(ctx, doctype, name, for_update=True, right="cancel")
    return (await doc.cancel()).as_dict(include_nulls=True)


def _require_table_write(ctx: Context, parent: Document, fieldname: str, row: str) -> None:
    """P6/P7 for deleting a child row: its table's permlevel must be writable. set_value and
    insert leave such a table alone; a delete that did nothing must not answer success, so it
    is refused: 404 when the caller cannot even read the table (P6: it is unknown to them),
    else 403."""
    field = parent.meta.get_field(fieldname)
    if field is None or assign.table_writable(parent, fieldname):
        return
    if field.permlevel not in permissions.access(ctx, parent.meta).read_levels:
        raise errors.DoesNotExistError(f"{row} not found")
    raise errors.PermissionError(f"No permission to change {parent.meta.name} {fieldname}")


@whitelist(methods=("POST", "DELETE"))
async def delete(ctx: Context, doctype: str, name: str) -> None:
    """D17's checks; a child row is removed from its parent, which is saved (P7)."""
    if ctx.registry[doctype].istable:
        parent, row = await _parent_of_row(ctx, doctype, name)
        fieldname = str(row.values.get("parentfield"))
        _require_table_write(ctx, parent, fieldname, f"{doctype} {name}")
        parent.set_rows(fieldname, [r for r in parent.rows(fieldname) if r is not row])
        await parent.save()
        return
    doc = await Document.load(ctx, doctype, name, for_update=True, right="delete")
    await doc.delete()


@whitelist(methods=WRITE)
async def rename_doc(
    ctx: Context, doctype: str, old_name: str, new_name: str, merge: bool = False
) -> Any:
    """Rename (`allow_rename` DocTypes, `write` needed), repointing every link; the new name."""
    doc = await Document.load(ctx, doctype, old_name, for_update=True, right="write")
    return await doc.rename(new_name, merge=merge)


@whitelist(methods=WRITE)
async def bulk_update(ctx: Context, docs: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Update each `{doctype, docname, <fields>}` in its own savepoint; failures are listed
    with `<exc_type>: <message>` and the successes stay."""
    if len(docs) > MAX_BULK_UPDATE:
        raise errors.ValidationError(f"Only {MAX_BULK_UPDATE} updates allowed in one request")
    failed: list[dict[str, Any]] = []
    for entry in docs:
        if isinstance(entry, dict):
            entry.pop("flags", None)
        try:
            async with ctx.db.savepoint():
                await _update_one(ctx, entry)
        except errors.MajuError as exc:
            failed.append({"doc": _echoed(entry), "exc": exc.exception_line()})
        except Exception as exc:  # E15: an unexpected error's own text is only logged
            log.exception("bulk_update entry failed")
            failed.append(
                {"doc": _echoed(entry), "exc": f"{type(exc).__name__}: Internal server error"}
            )
    return {"failed_docs": failed}


def _echoed(entry: Any) -> Any:
    """A failed entry as sent, or its shortened repr when JSON cannot carry it back: orjson
    reads 1,024 levels but writes 254, and answering would fail after the work was done."""
    try:
        orjson.dumps({"message": {"failed_docs": [{"doc": entry}]}})  # the answer's shape
    except TypeError:
        return shown(entry)
    return entry


async def _update_one(ctx: Context, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise errors.ValidationError("Each of docs must be a JSON object")
    doctype = _doctype_of(entry, "docs")
    name = entry.get("docname")
    if name is None or name == "":
        raise errors.ValidationError("Missing required argument: docs.docname")
    doc = await Document.load(ctx, doctype, name, for_update=True, right="write")
    doc.update({k: v for k, v in entry.items() if k not in ("doctype", "docname")})
    await doc.save()
