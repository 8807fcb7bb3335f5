"""A document's writes in order: insert (D13), save with its docstatus moves (D15, D18-D21),
delete (D17) and rename, each checking, running hooks and writing in Frappe's sequence.

`Document.insert/save/submit/cancel/delete/rename` call these; the SQL lives in
maju.doctype.persist and maju.doctype.storage, the checks in maju.doctype.validation.
Nothing here opens or commits a transaction (the request's one transaction undoes it all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maju import errors
from maju.doctype import naming, permissions, persist, references, storage, validation
from maju.doctype.controller import Hook, run_hook
from maju.doctype.fields import now
from maju.doctype.meta import DocTypeMeta, Right
from maju.doctype.validation import Action

if TYPE_CHECKING:
    from maju.doctype.document import Document

RIGHT_FOR: dict[Action, Right] = {
    "save": "write",
    "update_after_submit": "write",
    "submit": "submit",
    "cancel": "cancel",
}
HOOKS_AFTER: dict[Action, tuple[Hook, ...]] = {
    "save": ("on_update",),
    "submit": ("on_update", "on_submit"),
    "cancel": ("on_cancel",),
    "update_after_submit": ("on_update_after_submit",),
}


async def insert(doc: Document, *, skip_permissions: bool) -> None:
    """D13: create, name (D2, D3), validate (D4, D6), write with child rows (D11).

    A `docstatus` of 1 in the data inserts and submits in one step; 2 answers 417 (D20).
    """
    if not doc.is_new:
        raise errors.ValidationError(f"{doc.meta.name} {doc.name} is already saved")
    meta, ctx = doc.meta, doc.ctx
    check_top_level(meta, "created")
    if not skip_permissions:
        permissions.require(ctx, meta, "create")
    target = doc.target_docstatus or 0
    action = validation.transition(meta, 0, target)
    if action == "submit" and not skip_permissions:
        permissions.require(ctx, meta, "submit")
    stamp = now(ctx.config.site.time_zone)
    await run_hook(doc, "before_insert")
    checked = await naming.set_new_name(doc, doc.requested_name, stamp)
    checked_name = doc.name if checked else None
    doc.values.update(
        {
            "owner": ctx.user,
            "creation": stamp,
            "modified": stamp,
            "modified_by": ctx.user,
            "docstatus": 0,
            "idx": 0,
        }
    )
    persist.stamp_children(doc, stamp, only_changed=False)
    await run_hook(doc, "validate")
    await validation.validate(doc)
    # A hash name was checked free a moment ago; ask again only if a hook renamed it.
    if meta.autoname != "autoincrement" and (checked_name is None or doc.name != checked_name):
        await naming.check_unused(ctx.db, meta, doc.name)
    doc.values["docstatus"] = target
    await persist.write_row(doc, insert=True)
    await persist.write_tables(doc, stamp, only_changed=False)
    doc.remember_saved()
    for hook in ("after_insert", *HOOKS_AFTER[action]):
        await run_hook(doc, hook)


async def save(doc: Document, *, skip_permissions: bool) -> None:
    """D15: write the changes of a saved document; a docstatus request submits or cancels
    (D20), a submitted document takes only `allow_on_submit` changes (D21), `modified` is a
    lock (D18)."""
    meta, ctx = doc.meta, doc.ctx
    check_top_level(meta, "changed")
    old = int(doc.original_values.get("docstatus") or 0)
    new = old if doc.target_docstatus is None else doc.target_docstatus
    action = validation.transition(meta, old, new)
    if not skip_permissions:
        await doc.check_permission(RIGHT_FOR[action])
    validation.check_lock(doc)
    if action in ("save", "submit"):
        await run_hook(doc, "validate")
    if action in ("update_after_submit", "cancel"):
        validation.check_update_after_submit(doc)
    if action != "cancel":
        await validation.validate(doc)
    stamp = now(ctx.config.site.time_zone)
    doc.values.update({"modified": stamp, "modified_by": ctx.user, "docstatus": new})
    await persist.write_row(doc, insert=False)
    await persist.write_tables(doc, stamp, only_changed=True, docstatus_changed=new != old)
    doc.remember_saved()
    for hook in HOOKS_AFTER[action]:
        await run_hook(doc, hook)


async def delete(doc: Document, *, skip_permissions: bool) -> None:
    """D17: refuse submitted or linked documents, run `on_trash`, delete with child rows."""
    meta, ctx = doc.meta, doc.ctx
    check_top_level(meta, "deleted")
    if not skip_permissions:
        await doc.check_permission("delete")
    if int(doc.original_values.get("docstatus") or 0) == 1:
        raise errors.ValidationError(
            "Submitted Record cannot be deleted. You must Cancel it first."
        )
    await run_hook(doc, "on_trash")
    await references.check_not_linked(doc)
    for f, child in ctx.registry.child_tables(meta):
        await storage.delete_children(ctx.db, child, doc.name, meta.name, f.fieldname)
    await storage.delete_row(ctx.db, meta, doc.name)


async def rename(doc: Document, new_name: Any, *, merge: bool, skip_permissions: bool) -> Any:
    """M10's rename_doc: rename and repoint every reference; returns the new name."""
    if merge:
        raise errors.ValidationError("Merging documents is not supported")
    if not skip_permissions:
        await doc.check_permission("write")
    if not doc.meta.allow_rename:
        raise errors.ValidationError(f"{doc.meta.name} does not allow renaming")
    new = await references.rename(doc, new_name)
    doc.original_values["name"] = new
    return new


def check_top_level(meta: DocTypeMeta, verb: str) -> None:
    """D22 and P7: Single DocTypes are not served yet; child rows change through the parent."""
    if meta.issingle:
        raise (
            single_not_served(meta)
            if verb == "changed"
            else errors.ValidationError(f"Single DocType {meta.name} cannot be {verb}")
        )
    if meta.istable:
        raise errors.ValidationError(
            f"{meta.name} is a child table: its rows are {verb} through their parent document"
        )


def single_not_served(meta: DocTypeMeta) -> errors.ValidationError:
    return errors.ValidationError(f"Single DocType {meta.name} is not supported yet")
