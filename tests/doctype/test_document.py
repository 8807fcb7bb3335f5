"""The Document API as server code (the `frappe.client` methods, controllers) uses it: with a
Context of its own, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from maju import errors
from maju.auth.users import user_roles
from maju.context import Context
from maju.doctype.document import Document
from maju.doctype.serialise import jsonable
from maju.site import build_registry, open_database
from tests.api.test_documents import create, dsite, rows_of
from tests.sites import Site

__all__ = ["dsite"]


@asynccontextmanager
async def context(site: Site, user: str = "Administrator") -> AsyncIterator[Context]:
    """One write transaction as `user`, committed when the block ends without an error."""
    db = open_database(site.config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            yield Context(
                user=user,
                roles=await user_roles(conn, user),
                db=conn,
                read_only=False,
                registry=build_registry(site.config),
                config=site.config,
            )
    finally:
        await db.disconnect()


async def test_new_insert_load_update_save(dsite: Site) -> None:
    async with context(dsite) as ctx:
        doc = Document.new(ctx, "Kitchen Sink", {"line": "a", "int_value": "3"})
        assert doc.is_new and doc.name is None and doc.int_value == 3
        doc.append("rows", {"label": "r1", "qty": "2"})
        doc.small = "set as an attribute"  # coerced like client input
        await doc.insert()
        name = doc.name
    async with context(dsite) as ctx:
        doc = await Document.load(ctx, "Kitchen Sink", name, for_update=True, right="write")
        assert (doc.line, doc.small, doc.int_value) == ("a", "set as an attribute", 3)
        assert [row.label for row in doc.rows("rows")] == ["r1"] and doc.get("rows")[0].qty == 2
        with_nulls = doc.as_dict(include_nulls=True)
        assert with_nulls["event"] is None and "event" not in doc.as_dict()  # D9
        assert "restricted" in with_nulls  # Administrator reads every level
        # M10's save replaces the whole document: absent fields are cleared.
        doc.update({"line": "b", "rows": [{"label": "r2"}]}, replace=True)
        await doc.save()
        assert (doc.small, doc.int_value, doc.flag) == (None, 0, 0)
    stored = (await rows_of(dsite, "tabKitchen Sink", "name", name))[0]
    assert (stored["line"], stored["small"]) == ("b", None)
    assert [r["label"] for r in await rows_of(dsite, "tabSink Row", "parent", name)] == ["r2"]


async def test_row_objects_changed_in_place_are_saved(dsite: Site) -> None:
    doc = await create(dsite, "Kitchen Sink", {"rows": [{"label": "a"}, {"label": "b"}]})
    async with context(dsite) as ctx:
        loaded = await Document.load(ctx, "Kitchen Sink", doc["name"])
        first, second = loaded.rows("rows")
        first.label = "a2"
        loaded.set("rows", [second, first])  # Document rows can be moved as they are
        await loaded.save()
    stored = await rows_of(dsite, "tabSink Row", "parent", doc["name"])
    assert sorted((r["idx"], r["label"], r["name"]) for r in stored) == [
        (1, "b", second.name),
        (2, "a2", first.name),
    ]


async def test_permissions_unless_ignored(dsite: Site) -> None:
    async with context(dsite, "Guest") as ctx:
        with pytest.raises(errors.PermissionError):
            Document.new(ctx, "Kitchen Sink", {"line": "x"})
        doc = Document.new(ctx, "Kitchen Sink", {"line": "x"}, ignore_permissions=True)
        await doc.insert()
        assert doc.owner == "Guest"
        with pytest.raises(errors.PermissionError):
            await Document.load(ctx, "Kitchen Sink", doc.name)
        loaded = await Document.load(ctx, "Kitchen Sink", doc.name, right=None)
        loaded.line = "y"
        with pytest.raises(errors.PermissionError):
            await loaded.save()
        await loaded.save(ignore_permissions=True)
        with pytest.raises(errors.DoesNotExistError, match="DocType Nope not found"):
            Document.new(ctx, "Nope")


async def test_rename_repoints_links_dynamic_links_and_children(dsite: Site) -> None:
    await create(dsite, "Prompt Item", {"name": "old", "rows": [{"label": "own row"}]})
    other = await create(
        dsite, "Prompt Item", {"name": "other", "rows": [{"label": "x", "prompt": "old"}]}
    )
    sink = await create(dsite, "Kitchen Sink", {"ref_type": "Prompt Item", "ref_name": "old"})
    async with context(dsite) as ctx:
        doc = await Document.load(ctx, "Prompt Item", "old")
        assert await doc.rename("  new  ") == "new"
        assert doc.name == "new" and doc.rows("rows")[0].parent == "new"
        for bad, exc in (("other", errors.DuplicateEntryError), ("a<b", errors.NameError)):
            with pytest.raises(exc):
                await doc.rename(bad)
        with pytest.raises(errors.ValidationError, match="Merging documents is not supported"):
            await doc.rename("x", merge=True)
    async with context(dsite) as ctx:
        renamed = await Document.load(ctx, "Prompt Item", "new")
        assert [row.label for row in renamed.rows("rows")] == ["own row"]
        linked = await Document.load(ctx, "Prompt Item", other["name"])
        assert linked.rows("rows")[0].prompt == "new"
        assert (await Document.load(ctx, "Kitchen Sink", sink["name"])).ref_name == "new"
        with pytest.raises(errors.DoesNotExistError):
            await Document.load(ctx, "Prompt Item", "old")
        sink_doc = await Document.load(ctx, "Kitchen Sink", sink["name"])
        with pytest.raises(errors.ValidationError, match="does not allow renaming"):
            await sink_doc.rename("x")


async def test_jsonable_serialises_documents_anywhere_in_a_value(dsite: Site) -> None:
    doc = await create(dsite, "Kitchen Sink", {"line": "x"})
    async with context(dsite) as ctx:
        loaded = await Document.load(ctx, "Kitchen Sink", doc["name"])
        value = jsonable({"doc": loaded, "list": [loaded], "n": 1})
    assert value == {"doc": doc, "list": [doc], "n": 1}
