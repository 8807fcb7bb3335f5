"""Document: load, create, update, submit, cancel, delete and serialise one document (D).

The public API every caller uses (the `/api/resource` handlers, the `frappe.client` methods,
controllers and app code), always with the request's Context:

    doc = await Document.load(ctx, "ToDo", name)              # 404, 403 (read)
    doc = await Document.load(ctx, "ToDo", name, for_update=True, right="write")
    doc = Document.new(ctx, "ToDo", {"description": "x"})     # 404, 403 (create), 417 (D6)
    await doc.insert()                                        # D13: naming, checks, hooks
    doc.update({"status": "Closed"}); await doc.save()       # D15, D16, D18-D21
    await doc.submit(); await doc.cancel()                    # D20
    await doc.delete()                                        # D17
    doc.as_dict()                                             # D8; nulls kept with include_nulls

Permissions (P) are checked by every operation unless `ignore_permissions` is set (server
code only; a client can never set it). Nothing here opens or commits a transaction: the
endpoint's one transaction per request makes an error anywhere, hooks included, undo it all.
Fields read (and set, coerced per D6) as attributes: `doc.status = "Closed"`. The writes'
order of checks, hooks and SQL is maju.doctype.lifecycle's; this module is the object.

Single DocTypes (D22) are not served yet: create and delete answer 417 as D22 says, read and
update answer 417 too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from maju import errors
from maju.context import Context
from maju.doctype import assign, lifecycle, permissions, storage
from maju.doctype.controller import controller_class
from maju.doctype.meta import DocTypeMeta, FieldMeta, Right
from maju.doctype.serialise import document_dict
from maju.doctype.validation import comparable, name_key


class Document:
    """One document of a DocType, bound to the request's Context.

    Subclass it in a DocType's controller module (class named after the DocType without
    spaces) to add lifecycle hooks and `@whitelist` methods callable by `run_method` (D23).

    Attributes:
        ctx: the request's Context (user, roles, connection, registry).
        meta: the DocType's definition.
        values: column values (standard and data fields), coerced Python values.
        ignore_permissions: skip P checks in insert/save/submit/cancel/delete (server code).
    """

    def __init__(
        self,
        ctx: Context,
        meta: DocTypeMeta,
        row: Mapping[str, Any] | None = None,
        *,
        is_new: bool = True,
        parent: Document | None = None,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "ctx", ctx)
        setattr_(self, "meta", meta)
        setattr_(self, "values", dict(row) if row is not None else {})
        setattr_(self, "parent_doc", parent)
        setattr_(self, "ignore_permissions", False)
        setattr_(self, "is_new", is_new)
        setattr_(self, "requested_name", None)
        setattr_(self, "lock_modified", None)
        setattr_(self, "target_docstatus", None)
        setattr_(self, "_tables", {f.fieldname: [] for f in meta.table_fields})
        setattr_(self, "_original", {})
        setattr_(self, "_snapshots", {})

    ctx: Context
    meta: DocTypeMeta
    values: dict[str, Any]
    parent_doc: Document | None
    ignore_permissions: bool
    is_new: bool
    requested_name: Any
    lock_modified: Any
    target_docstatus: int | None
    _tables: dict[str, list[Document]]
    _original: dict[str, Any]
    _snapshots: dict[str, list[tuple[Any, ...]]]

    # ---- construction ------------------------------------------------------------------

    @classmethod
    async def load(
        cls,
        ctx: Context,
        doctype: str,
        name: Any,
        *,
        for_update: bool = False,
        right: Right | None = "read",
    ) -> Document:
        """Load a saved document with its child rows.

        Args:
            doctype: the DocType; unknown answers 404 `DocType <dt> not found` (L23).
            name: the document name; unknown answers 404 `<DocType> <name> not found` (D14).
            for_update: lock the row until the transaction ends (D15).
            right: the right the caller needs, checked on the DocType before the lookup and on
                the document after (P3, P4); None skips the check.
        """
        meta = ctx.registry[doctype]
        if meta.issingle:
            raise lifecycle.single_not_served(meta)
        if right is not None and permissions.access(ctx, meta).scope(right) is None:
            raise errors.PermissionError(permissions.denial_message(meta, right, {"name": name}))
        key = name_key(meta, name)
        row = None if key is None else await storage.load_row(ctx.db, meta, key, for_update)
        if row is None:
            raise errors.DoesNotExistError(f"{meta.name} {name} not found")
        doc = controller_class(meta, Document)(ctx, meta, row, is_new=False)
        for f, child in ctx.registry.child_tables(meta):
            rows = await storage.load_children(ctx.db, child, row["name"], meta.name, f.fieldname)
            doc._tables[f.fieldname] = [
                Document(ctx, child, r, is_new=False, parent=doc) for r in rows
            ]
        doc.remember_saved()
        if right is not None:
            await doc.check_permission(right)
        return doc

    @classmethod
    def new(
        cls,
        ctx: Context,
        doctype: str,
        data: Mapping[str, Any] | None = None,
        *,
        ignore_permissions: bool = False,
    ) -> Document:
        """A new, unsaved document with D5 defaults and `data` applied (D12 rules).

        Checks in D13's order: the DocType exists (404), `create` (403), then coercion (417).
        """
        meta = ctx.registry[doctype]
        if not ignore_permissions:
            permissions.require(ctx, meta, "create")
        lifecycle.check_top_level(meta, "created")
        doc = controller_class(meta, Document)(ctx, meta, None, is_new=True)
        doc.ignore_permissions = ignore_permissions
        assign.set_defaults(doc)
        if data is not None:
            doc.update(data)
        return doc

    def new_row(self, field: FieldMeta) -> Document:
        """A new child row for Table `field`, with defaults, not yet in the table."""
        row = Document(self.ctx, self.ctx.registry[field.options or ""], None, parent=self)
        assign.set_defaults(row)
        return row

    # ---- values --------------------------------------------------------------------------

    @property
    def doctype(self) -> str:
        return self.meta.name

    @property
    def name(self) -> Any:  # Any: str, or int for autoincrement DocTypes
        return self.values.get("name")

    @property
    def original_values(self) -> dict[str, Any]:
        """The values as loaded or last saved (D21 compares against them)."""
        return self._original

    def get(self, key: str, default: Any = None) -> Any:
        """A value, or a Table field's rows."""
        if key in self._tables:
            return self._tables[key]
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Set one field, coerced (D6); a Table field takes a list of rows (D16)."""
        field = self.meta.get_field(key)
        if field is None or field.is_layout:
            raise errors.ValidationError(f"{self.meta.name} has no field {key}")
        if field.is_table:
            assign.set_table(self, field, value)
        else:
            assign.set_value(self, field, value)

    def update(self, data: Mapping[str, Any], *, replace: bool = False) -> Document:
        """Apply client data: only the keys sent change (D15) unless `replace` (M10's save)."""
        assign.apply(self, data, replace=replace)
        return self

    def rows(self, fieldname: str) -> list[Document]:
        return self._tables.get(fieldname, [])

    def set_rows(self, fieldname: str, rows: list[Document]) -> None:
        for idx, row in enumerate(rows, start=1):
            object.__setattr__(row, "parent_doc", self)
            row.values["idx"] = idx
        self._tables[fieldname] = rows

    def append(self, fieldname: str, data: Mapping[str, Any] | None = None) -> Document:
        """Add a child row to a Table field and return it."""
        field = self.meta.get_field(fieldname)
        if field is None or not field.is_table:
            raise errors.ValidationError(f"{self.meta.name} has no table {fieldname}")
        assign.check_row_count(self, field, len(self.rows(fieldname)) + 1)
        row = self.new_row(field)
        assign.apply_row(row, data or {})
        self.set_rows(fieldname, [*self.rows(fieldname), row])
        return row

    def all_children(self) -> Iterator[Document]:
        for rows in self._tables.values():
            yield from rows

    def table_changed(self, fieldname: str) -> bool:
        """Whether a table's rows differ from the last load or save (D16, D21)."""
        return self._snapshot(fieldname) != self._snapshots.get(fieldname)

    def _snapshot(self, fieldname: str) -> list[tuple[Any, ...]]:
        field = self.meta.get_field(fieldname)
        assert field is not None
        child = self.ctx.registry[field.options or ""]
        return [
            (
                row.values.get("name"),
                *(comparable(f, row.values.get(f.fieldname)) for f in child.data_fields),
            )
            for row in self.rows(fieldname)
        ]

    def remember_saved(self) -> None:
        """Take the current values and rows as the saved state (after a load or a write)."""
        object.__setattr__(self, "_original", dict(self.values))
        object.__setattr__(self, "_snapshots", {f: self._snapshot(f) for f in self._tables})
        self.is_new = False
        self.lock_modified = None
        self.target_docstatus = None

    def __getattr__(self, key: str) -> Any:  # Any: the field's value
        if key.startswith("_") or "values" not in self.__dict__:
            raise AttributeError(key)
        if key in self.__dict__["_tables"]:
            return self.__dict__["_tables"][key]
        if key in self.__dict__["values"]:
            return self.__dict__["values"][key]
        raise AttributeError(f"{type(self).__name__} has no attribute or field {key!r}")

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "docstatus":
            self.target_docstatus = int(value)
        elif not key.startswith("_") and self.meta.get_field(key) is not None:
            self.set(key, value)
        else:
            object.__setattr__(self, key, value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.meta.name} {self.name!r}>"

    # ---- permissions -----------------------------------------------------------------------

    async def check_permission(self, right: Right) -> None:
        """P3/P4: `right` on this document (owner-only rights look at the stored owner), then
        the controller's own `has_permission`."""
        stored = self._original or self.values
        permissions.require(self.ctx, self.meta, right, stored)
        if self.ctx.user != "Administrator":
            allowed = self.has_permission(right)
            if not isinstance(allowed, bool):
                allowed = await allowed
            if not allowed:
                raise errors.PermissionError(
                    permissions.denial_message(self.meta, right, {"name": self.name})
                )

    def has_permission(self, right: Right) -> Any:  # Any: bool or an awaitable of one
        """P4's per-document check: override in a controller (sync or async) to refuse."""
        return True

    def _skip(self, ignore_permissions: bool | None) -> bool:
        return self.ignore_permissions if ignore_permissions is None else ignore_permissions

    # ---- lifecycle hooks (override in a controller; see maju.doctype.controller) ----------

    async def before_insert(self) -> None: ...
    async def validate(self) -> None: ...
    async def after_insert(self) -> None: ...
    async def on_update(self) -> None: ...
    async def on_submit(self) -> None: ...
    async def on_cancel(self) -> None: ...
    async def on_update_after_submit(self) -> None: ...
    async def on_trash(self) -> None: ...

    # ---- writes ------------------------------------------------------------------------------

    async def insert(self, *, ignore_permissions: bool | None = None) -> Document:
        """D13: create, name (D2, D3), validate (D4, D6), write with child rows (D11).

        A `docstatus` of 1 in the data inserts and submits in one step; 2 answers 417 (D20).
        """
        await lifecycle.insert(self, skip_permissions=self._skip(ignore_permissions))
        return self

    async def save(self, *, ignore_permissions: bool | None = None) -> Document:
        """D15: write the changes; a docstatus request submits or cancels (D20), a submitted
        document takes only `allow_on_submit` changes (D21), `modified` is a lock (D18).
        A new document is inserted."""
        if self.is_new:
            return await self.insert(ignore_permissions=ignore_permissions)
        await lifecycle.save(self, skip_permissions=self._skip(ignore_permissions))
        return self

    async def submit(self, *, ignore_permissions: bool | None = None) -> Document:
        """0→1 (needs `submit`); a new document is inserted and submitted."""
        self.target_docstatus = 1
        return await self.save(ignore_permissions=ignore_permissions)

    async def cancel(self, *, ignore_permissions: bool | None = None) -> Document:
        """1→2 (needs `cancel`)."""
        self.target_docstatus = 2
        return await self.save(ignore_permissions=ignore_permissions)

    async def delete(self, *, ignore_permissions: bool | None = None) -> None:
        """D17: refuse submitted or linked documents, run `on_trash`, delete with child rows."""
        await lifecycle.delete(self, skip_permissions=self._skip(ignore_permissions))

    async def rename(
        self, new_name: Any, *, merge: bool = False, ignore_permissions: bool | None = None
    ) -> Any:
        """Rename and repoint every reference (M10's rename_doc); returns the new name."""
        return await lifecycle.rename(
            self, new_name, merge=merge, skip_permissions=self._skip(ignore_permissions)
        )

    # ---- output ------------------------------------------------------------------------------

    def as_dict(self, include_nulls: bool = False, *, all_fields: bool = False) -> dict[str, Any]:
        """The document as D8 orders it; nulls dropped unless `include_nulls` (D9). Fields the
        caller may not read are left out (P6) unless `all_fields`."""
        return document_dict(self, include_nulls=include_nulls, all_fields=all_fields)
