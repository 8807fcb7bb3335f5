"""Document methods (D23), controller hooks and the one-transaction rule (an error anywhere,
a hook included, rolls back the whole request), on both databases."""

from __future__ import annotations

import importlib
from typing import Any

from tests.api.test_documents import assert_error, create, dsite, rows_of, user_headers
from tests.sites import Site

__all__ = ["dsite"]

HOOK = "/api/resource/Hook Item"
READ_ONLY = "GET requests are read-only; use POST to change data"


def hook_calls() -> list[tuple[str, str]]:
    module = importlib.import_module("docsuite.doctype.hook_item.hook_item")
    calls: list[tuple[str, str]] = module.CALLS
    return calls


async def test_d23_post_runs_a_whitelisted_method_and_commits(site: Site) -> None:
    todo = await create(site, "ToDo", {"description": "  Buy milk  "})
    assert todo["description"] == "Buy milk"  # the controller's validate hook
    path = f"/api/resource/ToDo/{todo['name']}"
    r = await site.client.post(
        f"{path}?run_method=close", json={"reason": "done"}, headers=site.admin_headers
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["status"] == "Closed" and data["description"] == "Buy milk\n\nClosed: done"
    assert data["doctype"] == "ToDo" and "date" not in data  # a document: D8, nulls omitted
    stored = (await site.client.get(path, headers=site.admin_headers)).json()["data"]
    assert stored == data
    # `run_method` may come from the body too.
    r = await site.client.post(path, json={"run_method": "summary"}, headers=site.admin_headers)
    assert_error(r, 403, "PermissionError", "Not permitted")  # summary is GET only (M4)
    r = await site.client.get(path, params={"run_method": "summary"}, headers=site.admin_headers)
    assert r.status_code == 200 and r.json() == {"data": "[Closed] Buy milk"}
    r = await site.client.get(path, params={"run_method": "close"}, headers=site.admin_headers)
    assert_error(r, 403, "PermissionError", "Not permitted")


async def test_d23_only_whitelisted_methods(site: Site) -> None:
    todo = await create(site, "ToDo", {"description": "x"})
    path = f"/api/resource/ToDo/{todo['name']}"
    for method in (
        "save",
        "delete",
        "validate",
        "as_dict",
        "_remember",
        "nope",
        "__class__",
        "update",
        "check_permission",
    ):
        r = await site.client.post(
            path, params={"run_method": method}, json={}, headers=site.admin_headers
        )
        assert_error(r, 403, "PermissionError", f"Function {method} is not whitelisted.")
    r = await site.client.post(path, json={"status": "Closed"}, headers=site.admin_headers)
    assert_error(r, 417, "ValidationError", "A POST to a document needs a run_method parameter")
    r = await site.client.post(
        "/api/resource/ToDo/missing?run_method=close", headers=site.admin_headers
    )
    assert_error(r, 404, "DoesNotExistError", "ToDo missing not found")
    stored = (await rows_of(site, "tabToDo", "name", todo["name"]))[0]
    assert stored["status"] == "Open"


async def test_d23_get_needs_read_and_post_needs_write(dsite: Site) -> None:
    ann = await user_headers(dsite, "ann@example.com")
    doc = await create(dsite, "Kitchen Sink", {"line": "x"})
    item = await create(dsite, "Hook Item", {"title": "hidden"})
    r = await dsite.client.get(f"{HOOK}/{item['name']}?run_method=peek", headers=ann)
    assert_error(
        r,
        403,
        "PermissionError",  # P4: the controller's per-document check
        f"You need the 'read' permission on Hook Item {item['name']} to perform this action.",
    )
    r = await dsite.client.get(f"{HOOK}/{item['name']}", headers=ann)
    assert r.status_code == 403
    r = await dsite.client.get(
        f"{HOOK}/{item['name']}?run_method=peek", headers=dsite.admin_headers
    )
    assert r.json() == {"data": {"title": "hidden", "count": 1, "note": None}}
    # M3 before the document: an unknown method is refused whoever asks and whatever exists
    # (a Guest's allow_guest calls still need the document right: test_documents_method_policy).
    for r in (
        await dsite.client.post(f"/api/resource/Kitchen Sink/{doc['name']}?run_method=x"),
        await dsite.client.get(f"/api/resource/Kitchen Sink/{doc['name']}?run_method=x"),
        await dsite.client.get("/api/resource/Kitchen Sink/missing?run_method=x"),
    ):
        assert_error(r, 403, "PermissionError", "Function x is not whitelisted.")


async def test_d23_get_runs_read_only_and_arguments_follow_m6_m7(dsite: Site) -> None:
    item = await create(dsite, "Hook Item", {"title": "t"})
    path = f"{HOOK}/{item['name']}"
    r = await dsite.client.get(path, params={"run_method": "bump"}, headers=dsite.admin_headers)
    assert_error(r, 417, "ReadOnlyRequestError", READ_ONLY)
    assert (await rows_of(dsite, "tabHook Item", "name", item["name"]))[0]["count"] == 1
    r = await dsite.client.post(f"{path}?run_method=bump&by=2", headers=dsite.admin_headers)
    assert r.status_code == 200 and r.json()["data"]["count"] == 3
    r = await dsite.client.post(
        path, json={"run_method": "bump", "by": 4}, headers=dsite.admin_headers
    )
    assert r.json()["data"]["count"] == 7
    r = await dsite.client.post(f"{path}?run_method=bump&by=many", headers=dsite.admin_headers)
    assert_error(
        r, 417, "FrappeTypeError", "Argument 'by' should be of type 'int' but got 'str' instead."
    )
    r = await dsite.client.get(
        path,
        params={"run_method": "peek", "ctx_note": "hi", "unknown": "dropped"},
        headers=dsite.admin_headers,
    )
    assert r.json() == {"data": {"title": "t", "count": 7, "note": "hi"}}
    r = await dsite.client.get(path, params={"run_method": "secret"}, headers=dsite.admin_headers)
    assert_error(r, 403, "PermissionError", "Function secret is not whitelisted.")


async def test_hooks_run_in_order(dsite: Site) -> None:
    calls = hook_calls()
    calls.clear()
    doc = await create(dsite, "Hook Item", {"title": "order"})
    assert doc["count"] == 1  # set by before_insert, saved
    assert calls == [
        ("before_insert", "order"),
        ("validate", "order"),
        ("after_insert", "order"),
        ("on_update", "order"),
    ]
    calls.clear()
    r = await dsite.client.put(
        f"{HOOK}/{doc['name']}", json={"count": 5}, headers=dsite.admin_headers
    )
    assert r.status_code == 200
    assert calls == [("validate", "order"), ("on_update", "order")]
    calls.clear()
    assert (
        await dsite.client.delete(f"{HOOK}/{doc['name']}", headers=dsite.admin_headers)
    ).status_code == 202
    assert calls == [("on_trash", "order")]


async def test_an_error_in_any_hook_rolls_everything_back(dsite: Site) -> None:
    rows = [{"label": "r1"}, {"label": "r2"}]
    for title, message in (("boom", "Boom after insert"), ("bad-validate", "Refused in validate")):
        r = await dsite.client.post(
            HOOK, json={"title": title, "rows": rows}, headers=dsite.admin_headers
        )
        assert_error(r, 417, "ValidationError", message)
        assert await rows_of(dsite, "tabHook Item", "title", title) == []
    assert await rows_of(dsite, "tabSink Row", "parenttype", "Hook Item") == []

    doc = await create(dsite, "Hook Item", {"title": "ok", "rows": rows})
    path = f"{HOOK}/{doc['name']}"
    r = await dsite.client.put(
        path,
        json={"title": "boom-save", "count": 9, "rows": [{"label": "replacement"}]},
        headers=dsite.admin_headers,
    )
    assert_error(r, 417, "ValidationError", "Boom on update")
    stored: list[dict[str, Any]] = await rows_of(dsite, "tabHook Item", "name", doc["name"])
    assert (stored[0]["title"], stored[0]["count"]) == ("ok", 1)
    labels = sorted(
        row["label"] for row in await rows_of(dsite, "tabSink Row", "parent", doc["name"])
    )
    assert labels == ["r1", "r2"]

    await dsite.client.put(path, json={"title": "keep"}, headers=dsite.admin_headers)
    r = await dsite.client.delete(path, headers=dsite.admin_headers)
    assert_error(r, 417, "ValidationError", "This one stays")
    assert len(await rows_of(dsite, "tabSink Row", "parent", doc["name"])) == 2
    assert len(await rows_of(dsite, "tabHook Item", "name", doc["name"])) == 1
