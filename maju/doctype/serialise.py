"""A document as JSON (D8, D9): key order, value types per D6, nulls dropped or kept, P6 applied."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maju.doctype import permissions
from maju.doctype.fields import to_json
from maju.doctype.meta import CHILD_FIELDS, STANDARD_FIELDS

if TYPE_CHECKING:
    from maju.doctype.document import Document


def document_dict(doc: Document, *, include_nulls: bool, all_fields: bool) -> dict[str, Any]:
    """D8's key order: standard fields, data fields in DocType order, a child row's link fields,
    `doctype`, then every Table field as an array (always present).

    Args:
        include_nulls: keep `null` values (`frappe.client` methods) or drop them
            (`/api/resource` answers), D9.
        all_fields: skip P6 (server code that needs every field, never a client answer).
    """
    meta = doc.meta
    values = doc.values
    readable = (
        None if all_fields or meta.istable else permissions.readable_fieldnames(doc.ctx, meta)
    )
    out: dict[str, Any] = {}
    for column in STANDARD_FIELDS:
        out[column] = to_json(meta.fieldtype_of(column) or "Data", values.get(column))
    for f in meta.data_fields:
        if readable is None or f.fieldname in readable:
            out[f.fieldname] = to_json(f.fieldtype, values.get(f.fieldname))
    if meta.istable:
        for column in CHILD_FIELDS:
            out[column] = values.get(column)
    out["doctype"] = meta.name
    if not include_nulls:
        out = {k: v for k, v in out.items() if v is not None}
    levels = None if all_fields or meta.istable else permissions.access(doc.ctx, meta).read_levels
    for f in meta.table_fields:
        if levels is None or f.permlevel in levels:
            out[f.fieldname] = [
                document_dict(row, include_nulls=include_nulls, all_fields=True)
                for row in doc.rows(f.fieldname)
            ]
    return out


def jsonable(value: Any) -> Any:  # Any: whatever a method returned
    """M8/D23: a method's return value with every Document in it (also inside lists, tuples
    and dicts) serialised per D8 with nulls omitted (D9); other values are left as they are."""
    from maju.doctype.document import Document  # the class that imports this module

    if isinstance(value, Document):
        return value.as_dict()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value
