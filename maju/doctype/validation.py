"""Document checks: Select options (D6), mandatory (D4), links (D6), unique (D4), docstatus
transitions (D19, D20), updates after submit (D21) and the `modified` lock (D18).

Each check reads the document's coerced values; the ones that need the database ask it with
bound parameters through `storage`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from maju import errors
from maju.doctype import storage
from maju.doctype.fields import format_datetime, parse_datetime, to_json
from maju.doctype.meta import DocTypeMeta, FieldMeta

if TYPE_CHECKING:
    from maju.doctype.document import Document

Action = Literal["save", "submit", "update_after_submit", "cancel"]
DOCSTATUS_LABELS = {0: "Draft", 1: "Submitted", 2: "Cancelled"}
_TAGS = re.compile(r"<[^>]*>")
_HTML_TYPES = frozenset({"Text Editor", "HTML Editor"})
_MODIFIED = FieldMeta("modified", "Datetime", "Modified")


async def validate(doc: Document) -> None:
    """Every check of D13's "validation, mandatory, links, unique", in that order."""
    for row in (doc, *doc.all_children()):
        for f in row.meta.data_fields:
            check_select(f, row.values.get(f.fieldname))
    check_mandatory(doc)
    for row in (doc, *doc.all_children()):
        await check_links(row)
    await check_unique(doc)


def check_select(field: FieldMeta, value: Any) -> None:
    """D6: a Select holds one of its options, or nothing."""
    if field.fieldtype != "Select" or value in (None, ""):
        return
    options = field.select_options
    if value not in options:
        quoted = ", ".join(f'"{o}"' for o in options)
        raise errors.ValidationError(
            f'{field.label} cannot be "{value}". It should be one of {quoted}'
        )


def _missing(field: FieldMeta, row: Document) -> bool:
    if field.is_table:
        return not row.rows(field.fieldname)
    value = row.values.get(field.fieldname)
    if value is None:
        return True
    if isinstance(value, str):
        text = value
        if field.fieldtype in _HTML_TYPES:
            if "<img" in text:
                return False
            text = _TAGS.sub("", text).replace("&nbsp;", " ")
        return not text.strip()
    return False


def check_mandatory(doc: Document) -> None:
    """D4: one message per missing `reqd` field (child rows included); `exception` names all."""
    messages: list[str] = []
    groups: dict[str, list[str]] = {}
    for f in doc.meta.fields:
        if f.reqd and (f.has_column or f.is_table) and _missing(f, doc):
            messages.append(f"Value missing for {doc.meta.name}: {f.label}")
            groups.setdefault(doc.meta.name, []).append(f.label)
    for table in doc.meta.table_fields:
        for row in doc.rows(table.fieldname):
            for f in row.meta.data_fields:
                if f.reqd and _missing(f, row):
                    label = f"{f.label} ({table.label} row {row.values.get('idx')})"
                    messages.append(f"Value missing for {row.meta.name}: {label}")
                    groups.setdefault(row.meta.name, []).append(label)
    if messages:
        summary = "; ".join(f"{dt}: {', '.join(labels)}" for dt, labels in groups.items())
        raise errors.MandatoryError(f"Value missing for {summary}", messages=messages)


async def check_links(row: Document) -> None:
    """D6: a Link names an existing document; a Dynamic Link one of the DocType it names."""
    registry = row.ctx.registry
    for f in row.meta.data_fields:
        value = row.values.get(f.fieldname)
        if value in (None, ""):
            continue
        if f.fieldtype == "Link":
            target = registry.get(f.options or "")
        elif f.fieldtype == "Dynamic Link":
            type_field = row.meta.label_of(f.options or "")
            doctype = row.values.get(f.options or "")
            if not doctype:
                raise errors.ValidationError(f"{type_field} must be set first")
            target = registry.get(str(doctype))
            if target is None:
                raise errors.LinkValidationError(f"Could not find {type_field}: {doctype}")
        else:
            continue
        if target is None or not await link_exists(row, target, value):
            raise errors.LinkValidationError(f"Could not find {f.label}: {value}")


async def link_exists(row: Document, target: DocTypeMeta, value: Any) -> bool:
    if target.issingle:
        return bool(value == target.name)
    key = name_key(target, value)
    return key is not None and await storage.exists(row.ctx.db, target, key)


def name_key(meta: DocTypeMeta, name: Any) -> Any:
    """A name as the table stores it: an integer for autoincrement DocTypes (None if it
    cannot be one), else the text."""
    if meta.autoname != "autoincrement":
        return str(name)
    if isinstance(name, int) and not isinstance(name, bool):
        return name
    text = str(name).strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


async def check_unique(doc: Document) -> None:
    """D4: a `unique` field's value may appear in no other document of the DocType."""
    for f in doc.meta.data_fields:
        value = doc.values.get(f.fieldname)
        if not f.unique or value in (None, ""):
            continue
        if await storage.value_taken(
            doc.ctx.db, doc.meta, f.fieldname, value, doc.values.get("name")
        ):
            raise unique_error(f)


def unique_error(field: FieldMeta) -> errors.UniqueValidationError:
    return errors.UniqueValidationError(f"{field.label} must be unique")


def transition(meta: DocTypeMeta, old: int, new: int) -> Action:
    """D19/D20: what a save from docstatus `old` to `new` means, or the 417 it answers."""
    if old == 2:
        raise errors.ValidationError("Cannot edit cancelled document")
    if new not in DOCSTATUS_LABELS:
        raise errors.ValidationError(f"Invalid value for Docstatus: {new}")
    if new != 0 and not meta.is_submittable:
        raise errors.ValidationError(
            f"{meta.name} is not submittable: docstatus can only be 0 (Draft)"
        )
    if (old, new) in ((1, 0), (0, 2)):
        raise errors.DocstatusTransitionError(
            f"Cannot change docstatus from {old} ({DOCSTATUS_LABELS[old]}) "
            f"to {new} ({DOCSTATUS_LABELS[new]})"
        )
    if old == 0:
        return "submit" if new == 1 else "save"
    return "cancel" if new == 2 else "update_after_submit"


def comparable(field: FieldMeta, value: Any) -> Any:  # Any: per fieldtype
    """A value in its JSON form, so stored and coerced values compare (the database and
    coercion differ in type); a Password as is (its JSON form is the mask)."""
    return value if field.fieldtype == "Password" else to_json(field.fieldtype, value)


def same_value(field: FieldMeta, a: Any, b: Any) -> bool:
    return bool(comparable(field, a) == comparable(field, b))


def check_lock(doc: Document) -> None:
    """D18: a client's `modified` must equal the stored one, compared in D7 form."""
    if doc.lock_modified is None:
        return
    stored = format_datetime(doc.original_values.get("modified"))
    try:
        sent = format_datetime(
            parse_datetime(_MODIFIED, doc.lock_modified, doc.ctx.config.site.time_zone)
        )
    except errors.ValidationError:
        sent = None
    if sent != stored:
        raise errors.TimestampMismatchError("Document has been modified after you have opened it")


def check_update_after_submit(doc: Document) -> None:
    """D21: on a submitted document only `allow_on_submit` fields (and tables) may change."""
    original = doc.original_values
    for f in doc.meta.data_fields:
        if f.allow_on_submit:
            continue
        if not same_value(f, doc.values.get(f.fieldname), original.get(f.fieldname)):
            raise after_submit_error(f)
    for f in doc.meta.table_fields:
        if not f.allow_on_submit and doc.table_changed(f.fieldname):
            raise after_submit_error(f)


def after_submit_error(field: FieldMeta) -> errors.UpdateAfterSubmitError:
    return errors.UpdateAfterSubmitError(f"Not allowed to change {field.label} after submission")
