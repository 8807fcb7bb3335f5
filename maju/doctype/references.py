"""Who points at a document: D17's LinkExistsError before a delete, and the repointing a
rename does (M10's rename_doc).

References are the Link fields naming the document's DocType (`registry.links_to`) and the
Dynamic Link fields whose type field names it; a child row's reference is reported as its
parent document, as Frappe does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maju import errors
from maju.doctype import naming, storage
from maju.doctype.validation import name_key

if TYPE_CHECKING:
    from maju.doctype.document import Document
    from maju.doctype.meta import DocTypeMeta, FieldMeta


def _references(doc: Document) -> list[tuple[DocTypeMeta, FieldMeta, str | None]]:
    """(DocType, field, Dynamic Link type column or None) for every field that may name `doc`."""
    registry = doc.ctx.registry
    found: list[tuple[DocTypeMeta, FieldMeta, str | None]] = [
        (meta, f, None) for meta, f in registry.links_to(doc.meta.name) if not meta.issingle
    ]
    found += [
        (meta, f, f.options)
        for meta, f in registry.dynamic_links()
        if not meta.issingle and f.options
    ]
    return found


async def check_not_linked(doc: Document) -> None:
    """D17: refuse to delete a document another document links to (itself and its own child
    rows excepted)."""
    name = doc.values["name"]
    for meta, f, type_column in _references(doc):
        row = await storage.first_referrer(
            doc.ctx.db,
            meta,
            f.fieldname,
            str(name),
            type_column=type_column,
            doctype=doc.meta.name,
            exclude_name=name,
        )
        if row is None:
            continue
        linked_type, linked_name = meta.name, row["name"]
        if meta.istable:
            linked_type = row.get("parenttype") or linked_type
            linked_name = row.get("parent") or linked_name
        raise errors.LinkExistsError(
            f"Cannot delete or cancel because {doc.meta.name} {name} is linked with "
            f"{linked_type} {linked_name}"
        )


async def rename(doc: Document, new_name: Any) -> Any:
    """Rename a saved document and repoint every Link, Dynamic Link and child `parent` to it.

    Checks D3's rules and 409 for a taken name; the caller checks `write` and `allow_rename`.
    Returns the new name.
    """
    meta, conn = doc.meta, doc.ctx.db
    old = doc.values["name"]
    if meta.autoname == "autoincrement":
        new = name_key(meta, new_name)
        if new is None:
            raise errors.ValidationError(f"Invalid name for {meta.name}: {new_name}")
    else:
        new = naming.check_name(meta, str(new_name))
    if new == old:
        return new
    await naming.check_unused(conn, meta, new)
    await storage.replace_value(conn, meta, "name", old, new)
    for f in meta.table_fields:
        child = doc.ctx.registry[f.options or ""]
        await storage.replace_value(
            conn, child, "parent", str(old), str(new), type_column="parenttype", doctype=meta.name
        )
    for other, f, type_column in _references(doc):
        await storage.replace_value(
            conn, other, f.fieldname, str(old), str(new), type_column=type_column, doctype=meta.name
        )
    doc.values["name"] = new
    for row in doc.all_children():
        row.values["parent"] = str(new)
    return new
