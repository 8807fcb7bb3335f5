"""The writing frappe.client methods (M10), the cmd delete of M9/M14, and E14's error example."""

from __future__ import annotations

from typing import Any

import orjson

from tests.api.test_client_methods import call, csite, message, seed_todos, user
from tests.api.test_method_dispatch import assert_error
from tests.auth.accounts import fetch_all
from tests.sites import Site

__all__ = ["csite"]


async def order(
    site: Site, headers: dict[str, str] | None = None, **fields: object
) -> dict[str, Any]:
    doc: dict[str, Any] = await message(
        site,
        "insert",
        headers,
        doc={
            "doctype": "Method Order",
            "title": "order",
            "amount": 10,
            "notes": "n",
            "items": [{"item": "pen", "qty": 1}, {"item": "ink", "qty": 2}],
            **fields,
        },
    )
    return doc


async def test_m10_set_value_one_field_or_an_object(site: Site) -> None:
    a, _, _ = await seed_todos(site)
    doc = await message(
        site, "set_value", doctype="ToDo", name=a, fieldname="status", value="Closed"
    )
    assert doc["status"] == "Closed" and doc["date"] is None  # nulls kept (D9)
    r = await site.client.post(
        "/api/method/frappe.client.set_value",
        headers=site.admin_headers,
        data={
            "doctype": "ToDo",
            "name": a,
            "fieldname": '{"priority": "Low", "date": "2024-02-03"}',
        },
    )
    assert r.status_code == 200, r.text
    doc = r.json()["message"]
    assert (doc["priority"], doc["date"], doc["status"]) == ("Low", "2024-02-03", "Closed")
    doc = await message(
        site, "set_value", verb="PUT", doctype="ToDo", name=a, fieldname={"description": "renamed"}
    )
    assert doc["description"] == "renamed"


async def test_m10_set_value_refusals(site: Site) -> None:
    a, _, _ = await seed_todos(site)
    for field in ("owner", "modified", "docstatus", "name", "parent"):
        r = await call(site, "set_value", doctype="ToDo", name=a, fieldname=field, value="x")
        assert_error(r, 417, "ValidationError", "Cannot edit standard fields")
    r = await call(
        site, "set_value", verb="GET", doctype="ToDo", name=a, fieldname="status", value="Closed"
    )
    assert_error(r, 403, "PermissionError", "Not permitted")
    r = await call(site, "set_value", doctype="ToDo", name=a, fieldname="status", value="Bad")
    assert r.status_code == 417
    ann = await user(site, "ann@example.com")
    r = await call(
        site, "set_value", ann, doctype="ToDo", name=a, fieldname="status", value="Closed"
    )
    assert r.status_code == 403
    assert (await message(site, "get", verb="GET", doctype="ToDo", name=a))["status"] == "Open"


async def test_m10_set_value_on_a_child_row_saves_the_parent(csite: Site) -> None:
    doc = await order(csite)
    row = doc["items"][1]["name"]
    parent = await message(
        csite, "set_value", doctype="Method Order Item", name=row, fieldname="qty", value="7"
    )
    assert parent["name"] == doc["name"] and parent["doctype"] == "Method Order"
    assert [(r["item"], r["qty"]) for r in parent["items"]] == [("pen", 1), ("ink", 7)]
    assert parent["modified"] > doc["modified"]


async def test_m10_insert_and_e14_mandatory(site: Site) -> None:
    doc = await message(
        site, "insert", doc={"doctype": "ToDo", "description": "x", "owner": "someone@else"}
    )
    assert doc["owner"] == "Administrator" and doc["date"] is None and doc["status"] == "Open"
    r = await site.client.post(
        "/api/method/frappe.client.insert",
        headers=site.admin_headers,
        data={"doc": '{"doctype": "ToDo", "description": "form"}'},
    )
    assert r.json()["message"]["description"] == "form"
    r = await call(site, "insert", doc={"doctype": "ToDo", "status": "Open"})
    body = assert_error(r, 417, "MandatoryError", "Value missing for ToDo: Description")
    assert orjson.loads(body["exc"]) == ["MandatoryError: Value missing for ToDo: Description"]
    r = await call(site, "insert", doc={"description": "no doctype"})
    assert_error(r, 417, "ValidationError", "Missing required argument: doc.doctype")
    r = await call(site, "insert", doc="not json")
    assert_error(
        r,
        417,
        "FrappeTypeError",
        "Argument 'doc' should be of type 'dict[str, Any]' but got 'str' instead.",
    )
    r = await call(site, "insert", verb="GET", doc={"doctype": "ToDo", "description": "x"})
    assert r.status_code == 403


async def test_m10_insert_child_row_returns_parent(csite: Site) -> None:
    doc = await order(csite)
    parent = await message(
        csite,
        "insert",
        doc={
            "doctype": "Method Order Item",
            "parenttype": "Method Order",
            "parent": doc["name"],
            "parentfield": "items",
            "item": "cap",
            "qty": 3,
        },
    )
    assert parent["name"] == doc["name"]
    assert [r["item"] for r in parent["items"]] == ["pen", "ink", "cap"]
    assert [r["idx"] for r in parent["items"]] == [1, 2, 3]


async def test_m10_insert_many(site: Site) -> None:
    names = await message(
        site,
        "insert_many",
        docs=orjson.dumps(
            [{"doctype": "ToDo", "description": f"d{i}"} for i in range(200)]
        ).decode(),
    )
    assert len(names) == 200 and len(set(names)) == 200
    r = await call(site, "insert_many", docs=[{"doctype": "ToDo", "description": "x"}] * 201)
    assert_error(r, 417, "ValidationError", "Only 200 inserts allowed in one request")
    r = await call(
        site, "insert_many", docs=[{"doctype": "ToDo", "description": "kept?"}, {"doctype": "ToDo"}]
    )
    assert r.status_code == 417  # M5: the first insert is rolled back with the failure
    assert await message(site, "get_count", verb="GET", doctype="ToDo") == 200


async def test_m10_save_replaces_the_document(csite: Site) -> None:
    doc = await order(csite)
    saved = await message(
        csite,
        "save",
        doc={
            "doctype": "Method Order",
            "name": doc["name"],
            "title": "new title",
            "items": [{"name": doc["items"][1]["name"], "item": "ink", "qty": 5}],
        },
    )
    assert saved["title"] == "new title"
    assert saved["notes"] is None and saved["amount"] == 0  # absent fields are cleared
    assert [(r["item"], r["qty"]) for r in saved["items"]] == [("ink", 5)]
    r = await call(
        csite,
        "save",
        doc={
            "doctype": "Method Order",
            "name": doc["name"],
            "title": "late",
            "modified": doc["modified"],
        },
    )
    assert_error(
        r, 417, "TimestampMismatchError", "Document has been modified after you have opened it"
    )
    r = await call(csite, "save", doc={"doctype": "Method Order", "title": "no name"})
    assert_error(r, 417, "ValidationError", "Missing required argument: doc.name")


async def test_m10_submit_and_cancel(csite: Site) -> None:
    doc = await order(csite)
    submitted = await message(csite, "submit", doc={**doc, "notes": "final"})
    assert submitted["docstatus"] == 1 and submitted["notes"] == "final"
    assert all(r["docstatus"] == 1 for r in submitted["items"])
    r = await call(csite, "delete", doctype="Method Order", name=doc["name"])
    assert_error(
        r, 417, "ValidationError", "Submitted Record cannot be deleted. You must Cancel it first."
    )
    cancelled = await message(csite, "cancel", doctype="Method Order", name=doc["name"])
    assert cancelled["docstatus"] == 2 and cancelled["notes"] == "final"
    r = await call(csite, "cancel", doctype="Method Order", name=doc["name"])
    assert r.status_code == 417
    fresh = await message(csite, "submit", doc={"doctype": "Method Order", "title": "one go"})
    assert fresh["docstatus"] == 1 and fresh["title"] == "one go"


async def test_m10_submit_needs_the_right(csite: Site) -> None:
    ann = await user(csite, "ann@example.com")
    doc = await order(csite, ann)
    r = await call(csite, "submit", ann, doc=doc)
    assert_error(
        r,
        403,
        "PermissionError",
        f"You need the 'submit' permission on Method Order {doc['name']} to perform this action.",
    )


async def test_m10_delete(site: Site) -> None:
    a, b, c = await seed_todos(site)
    r = await call(site, "delete", doctype="ToDo", name=a)
    assert r.status_code == 200 and r.json() == {}
    r = await call(site, "delete", verb="DELETE", doctype="ToDo", name=b)
    assert r.json() == {}
    for verb in ("GET", "PUT"):
        r = await call(site, "delete", verb=verb, doctype="ToDo", name=c)
        assert_error(r, 403, "PermissionError", "Not permitted")
    r = await call(site, "delete", doctype="ToDo", name=a)
    assert_error(r, 404, "DoesNotExistError", f"ToDo {a} not found")
    assert await message(site, "get_count", verb="GET", doctype="ToDo") == 1


async def test_m10_delete_child_row_through_parent(csite: Site) -> None:
    doc = await order(csite)
    r = await call(csite, "delete", doctype="Method Order Item", name=doc["items"][0]["name"])
    assert r.json() == {}
    again = await message(csite, "get", verb="GET", doctype="Method Order", name=doc["name"])
    assert [(r["item"], r["idx"]) for r in again["items"]] == [("ink", 1)]


async def test_m9_m14_cmd_delete_with_a_form(site: Site) -> None:
    a, _, _ = await seed_todos(site)
    r = await site.client.post(
        "/",
        headers=site.admin_headers,
        data={"cmd": "frappe.client.delete", "doctype": "ToDo", "name": a},
    )
    assert r.status_code == 200 and r.json() == {}
    assert await fetch_all(site.config, 'SELECT * FROM "tabToDo" WHERE "name" = :n', {"n": a}) == []


async def test_m10_rename_doc(csite: Site) -> None:
    doc = await order(csite)
    log = await message(
        csite, "insert", doc={"doctype": "Method Log", "label": "l", "order": doc["name"]}
    )
    new = await message(
        csite, "rename_doc", doctype="Method Order", old_name=doc["name"], new_name="ORDER-1"
    )
    assert new == "ORDER-1"
    moved = await message(csite, "get", verb="GET", doctype="Method Log", name=log["name"])
    assert moved["order"] == "ORDER-1"
    items = await message(csite, "get", verb="GET", doctype="Method Order", name="ORDER-1")
    assert [r["parent"] for r in items["items"]] == ["ORDER-1", "ORDER-1"]
    other = await order(csite)
    r = await call(
        csite, "rename_doc", doctype="Method Order", old_name=other["name"], new_name="ORDER-1"
    )
    assert r.status_code == 409 and r.json()["exc_type"] == "DuplicateEntryError"
    r = await call(
        csite,
        "rename_doc",
        doctype="Method Order",
        old_name=other["name"],
        new_name="ORDER-2",
        merge="1",
    )
    assert_error(r, 417, "ValidationError", "Merging documents is not supported")


async def test_m10_rename_doc_needs_allow_rename(site: Site) -> None:
    a, _, _ = await seed_todos(site)
    r = await call(site, "rename_doc", doctype="ToDo", old_name=a, new_name="x")
    assert r.status_code == 417 and r.json()["exc_type"] == "ValidationError"


async def test_m10_bulk_update_keeps_successes(site: Site) -> None:
    a, b, c = await seed_todos(site)
    docs = [
        {"doctype": "ToDo", "docname": a, "status": "Closed", "flags": {"x": 1}},
        {"doctype": "ToDo", "docname": b, "status": "Nonsense"},
        {"doctype": "ToDo", "docname": "missing", "status": "Closed"},
        {"doctype": "ToDo", "docname": c, "description": "changed"},
        "not an object",
    ]
    result = await message(site, "bulk_update", docs=orjson.dumps(docs).decode())
    failed = result["failed_docs"]
    assert [f["doc"] for f in failed] == [docs[1], docs[2], docs[4]]
    assert failed[1]["exc"] == "DoesNotExistError: ToDo missing not found"
    assert failed[0]["exc"].startswith("ValidationError: ")
    assert failed[2]["exc"] == "ValidationError: Each of docs must be a JSON object"
    rows = {
        r["name"]: r
        for r in await message(
            site, "get_list", verb="GET", doctype="ToDo", fields=["name", "status", "description"]
        )
    }
    assert rows[a]["status"] == "Closed" and rows[b]["status"] == "Open"
    assert rows[c]["description"] == "changed"
    r = await call(site, "bulk_update", verb="GET", docs=docs)
    assert r.status_code == 403


async def test_m10_bulk_update_savepoint_undoes_a_written_entry(csite: Site) -> None:
    """on_update raises after the row is written: only that entry's savepoint rolls back."""
    first, second = await order(csite), await order(csite)
    result = await message(
        csite,
        "bulk_update",
        docs=[
            {"doctype": "Method Order", "docname": first["name"], "title": "explode", "notes": "1"},
            {"doctype": "Method Order", "docname": second["name"], "notes": "kept"},
        ],
    )
    assert [f["exc"] for f in result["failed_docs"]] == ["ValidationError: Exploded after writing"]
    rows = await fetch_all(csite.config, 'SELECT "name", "title", "notes" FROM "tabMethod Order"')
    by_name = {r["name"]: (r["title"], r["notes"]) for r in rows}
    assert by_name == {first["name"]: ("order", "n"), second["name"]: ("order", "kept")}


async def test_m5_nested_document_writes_roll_back_with_the_call(csite: Site) -> None:
    """An error after Document writes (a hook) undoes the whole call, child rows included."""
    r = await call(
        csite,
        "insert",
        doc={"doctype": "Method Order", "title": "explode", "items": [{"item": "pen"}]},
    )
    assert_error(r, 417, "ValidationError", "Exploded after writing")
    for table in ("tabMethod Order", "tabMethod Order Item"):
        assert await fetch_all(csite.config, f'SELECT * FROM "{table}"') == []
