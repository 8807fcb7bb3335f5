"""Client data onto a document: D5 defaults, D6 coercion, D12's mass-assignment rules, P6's
unwritable fields and D16's table replacement.

Only this module turns a request's mapping into document values, so every way in (REST
create and update, the `frappe.client` methods, server code) follows the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from maju import errors
from maju.doctype import permissions
from maju.doctype.fields import coerce, now
from maju.doctype.meta import FieldMeta
from maju.doctype.validation import check_select

if TYPE_CHECKING:
    from maju.doctype.document import Document

# D12: the server sets these; a client's values are dropped without an error. `doctype` (D10)
# and `flags` (D15) are request plumbing.
IGNORED = frozenset(
    {
        "doctype",
        "flags",
        "owner",
        "creation",
        "modified_by",
        "idx",
        "parent",
        "parentfield",
        "parenttype",
    }
)
DOCSTATUS_FIELD = FieldMeta("docstatus", "Int", "Docstatus")


def default_value(doc: Document, field: FieldMeta) -> Any:  # Any: per fieldtype
    """D5: the field's `default` (with Frappe's `Today`, `now` and `__user`), else 0 or null."""
    default = field.default
    tz = doc.ctx.config.site.time_zone
    if isinstance(default, str):
        word = default.strip().lower()
        if field.fieldtype == "Date" and word == "today":
            return now(tz).date()
        if field.fieldtype in ("Datetime", "Time") and word == "now":
            stamp = now(tz)
            return stamp if field.fieldtype == "Datetime" else stamp.time()
        if word == "__user":
            return doc.ctx.user
    return coerce(field, None if default == "" else default, tz)


def set_defaults(doc: Document) -> None:
    """D5 on a new document or row: every data field gets its default; docstatus and idx 0."""
    doc.values.update({"docstatus": 0, "idx": 0})
    for f in doc.meta.data_fields:
        doc.values[f.fieldname] = default_value(doc, f)


def _writable(doc: Document) -> tuple[frozenset[str], frozenset[int]] | None:
    """P6: the data fields and table permlevels the caller may write (None: everything)."""
    if doc.ignore_permissions or doc.meta.istable:
        return None
    levels = permissions.access(doc.ctx, doc.meta).write_levels
    return permissions.writable_fieldnames(doc.ctx, doc.meta), levels


def apply(doc: Document, data: Mapping[str, Any], *, replace: bool = False) -> None:
    """Assign client `data` to `doc` (D12, D15's partial update, D16).

    Args:
        replace: clear the writable fields and tables `data` does not name (`frappe.client.save`
            replaces the whole document, M10).
    """
    if not isinstance(data, Mapping):
        raise errors.ValidationError(f"Data for {doc.meta.name} must be a JSON object")
    writable = _writable(doc)
    sent: set[str] = set()
    for key, value in data.items():
        if key in IGNORED or not isinstance(key, str):
            continue
        if key in ("name", "__newname"):
            _name(doc, key, value)
            continue
        if key == "modified":
            if not doc.is_new:
                doc.lock_modified = value  # D18: compared on save, never stored
            continue
        if key == "docstatus":
            doc.target_docstatus = coerce(DOCSTATUS_FIELD, value)  # D20: a request, checked on save
            continue
        field = doc.meta.get_field(key)
        if field is None or field.is_layout or not _may_write(field, writable):
            continue
        sent.add(key)
        if field.is_table:
            set_table(doc, field, value)
        else:
            set_value(doc, field, value)
    if replace:
        _clear_unsent(doc, sent, writable)


def _may_write(field: FieldMeta, writable: tuple[frozenset[str], frozenset[int]] | None) -> bool:
    if writable is None:
        return True
    fieldnames, levels = writable
    return field.permlevel in levels if field.is_table else field.fieldname in fieldnames


def table_writable(parent: Document, fieldname: str) -> bool:
    """P6/P7: whether the caller may change the rows of `parent`'s Table `fieldname` (a row
    reached on its own, as M10's child-row `insert` and `set_value` do, obeys its table).
    An unknown table is True here: `Document.append` refuses it with a clear 417."""
    field = parent.meta.get_field(fieldname)
    return field is None or _may_write(field, _writable(parent))


def _clear_unsent(
    doc: Document, sent: set[str], writable: tuple[frozenset[str], frozenset[int]] | None
) -> None:
    for f in doc.meta.fields:
        if f.fieldname in sent or f.is_layout or not _may_write(f, writable):
            continue
        if f.is_table:
            set_table(doc, f, [])
        elif f.has_column and f.fieldtype != "Password":
            doc.values[f.fieldname] = coerce(f, None)


def _name(doc: Document, key: str, value: Any) -> None:
    if doc.is_new:
        # D2: used only under `prompt`; `__newname` wins over `name`.
        if key == "__newname" or doc.requested_name is None:
            doc.requested_name = value
        return
    if key == "name" and value is not None and str(value).strip() != str(doc.name):
        raise errors.ValidationError(
            f"Cannot rename {doc.meta.name} {doc.name} to {value} by an update; "
            "use frappe.client.rename_doc"
        )


def set_value(doc: Document, field: FieldMeta, value: Any) -> None:
    """One data field, coerced (D6) and Select-checked; the `*` mask of a Password is ignored."""
    if field.fieldtype == "Password" and isinstance(value, str) and value and set(value) == {"*"}:
        return
    coerced = coerce(field, value, doc.ctx.config.site.time_zone)
    check_select(field, coerced)
    doc.values[field.fieldname] = coerced


def set_table(doc: Document, field: FieldMeta, rows: Any) -> None:
    """D16: replace a whole table. A row naming an existing row of it updates that row (only
    the keys sent); any other row is new; existing rows not sent go; idx follows the order."""
    if rows is None:
        rows = []
    if not isinstance(rows, list | tuple):
        raise errors.ValidationError(f"{field.label} must be a list of rows")
    check_row_count(doc, field, len(rows))  # before a single row is coerced
    from maju.doctype.document import Document  # the class that imports this module

    existing = {str(r.values.get("name")): r for r in doc.rows(field.fieldname)}
    result: list[Document] = []
    for position, raw in enumerate(rows, start=1):
        if isinstance(raw, Document) and raw.meta.name == field.options:
            row = raw  # a row object server code moved around
        elif isinstance(raw, Mapping):
            found = existing.pop(str(raw.get("name")), None) if raw.get("name") else None
            row = found if found is not None else doc.new_row(field)
            apply_row(row, raw)
        else:
            raise errors.ValidationError(
                f"Row {position} of {field.label} must be an object, got {_kind(raw)}"
            )
        result.append(row)
    doc.set_rows(field.fieldname, result)


def check_row_count(doc: Document, field: FieldMeta, count: int) -> None:
    """S12: a Table field holds at most `api.max_child_rows` rows."""
    limit = doc.ctx.config.api.max_child_rows
    if count > limit:
        raise errors.ValidationError(f"{field.label} can hold at most {limit} rows, got {count}")


def apply_row(row: Document, data: Mapping[str, Any]) -> None:
    """A child row's own fields from client data (D11, D12: names and link fields are the
    server's; P7: the parent's rights already apply)."""
    for key, value in data.items():
        if not isinstance(key, str) or key in IGNORED or key in ("name", "modified", "docstatus"):
            continue
        field = row.meta.get_field(key)
        if field is not None and field.has_column:
            set_value(row, field, value)


def _kind(value: Any) -> str:
    return {
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def stamp_row(
    row: Document, parent: Document, fieldname: str, idx: int, stamp: dt.datetime
) -> None:
    """D11: a child row's standard and link fields, set by the server."""
    values = row.values
    values.update(
        {
            "parent": str(parent.values["name"]),
            "parentfield": fieldname,
            "parenttype": parent.meta.name,
            "idx": idx,
            "docstatus": parent.values["docstatus"],
            "modified": stamp,
            "modified_by": parent.ctx.user,
        }
    )
    if not values.get("creation"):
        values.update({"creation": stamp, "owner": parent.values.get("owner") or parent.ctx.user})
