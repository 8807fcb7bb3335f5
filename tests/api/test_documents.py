"""Document CRUD through /api/resource on ToDo (D1, D8-D17, E2), on both databases.

Also holds the helpers the other document test modules import (`assert_error`, `dsite`, ...).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.accounts import add_user, fetch_all
from tests.sites import REPO_ROOT, Site, open_site

TODO = "/api/resource/ToDo"
STANDARD = ["name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"]
DATETIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$"


def assert_error(
    r: httpx.Response, status: int, exc_type: str, message: str | None = None
) -> dict[str, Any]:
    """E9: status, exc_type and, when given, the exact message in `exception`.

    A 404 carries neither `exception` nor `exc`: its message is in `_server_messages` (E10).
    """
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["exc_type"] == exc_type, body
    if status == 404:
        assert "exception" not in body and "exc" not in body, body
        if message is not None:
            assert messages(body) == [message], body
        return body
    if message is not None:
        assert body["exception"] == f"{exc_type}: {message}", body
    return body


def messages(body: dict[str, Any]) -> list[str]:
    """E10: the user-facing messages, decoded from `_server_messages`."""
    return [json.loads(m)["message"] for m in json.loads(body["_server_messages"])]


def titles(body: dict[str, Any]) -> list[str]:
    return [json.loads(m)["title"] for m in json.loads(body["_server_messages"])]


@pytest.fixture
async def dsite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    """A site whose only app is tests/apps/docsuite (naming rules, field types, hooks)."""
    async with open_site(
        backend, tmp_path, site={"apps": ("docsuite",)}, root=str(REPO_ROOT / "tests")
    ) as running:
        yield running


async def user_headers(site: Site, email: str, roles: tuple[str, ...] = ()) -> dict[str, str]:
    await add_user(site.config, email, roles=roles)
    return await site.token_for(email)


async def create(
    site: Site, doctype: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    r = await site.client.post(
        f"/api/resource/{doctype}", json=body, headers=headers or site.admin_headers
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


async def rows_of(site: Site, table: str, column: str, value: Any) -> list[dict[str, Any]]:
    return await fetch_all(
        site.config, f'SELECT * FROM "{table}" WHERE "{column}" = :v', {"v": value}
    )


async def test_d13_create_answers_200_with_the_document(site: Site) -> None:
    r = await site.client.post(TODO, json={"description": "New ToDo"}, headers=site.admin_headers)
    assert r.status_code == 200
    doc = r.json()["data"]
    # D1/D7: server-set standard fields; D5 defaults; D9 nulls omitted (date, allocated_to...).
    assert list(doc) == [*STANDARD, "status", "priority", "description", "doctype", "checklist"]
    assert doc["owner"] == doc["modified_by"] == "Administrator"
    assert doc["creation"] == doc["modified"]
    assert doc["docstatus"] == 0 and doc["idx"] == 0
    assert doc["status"] == "Open" and doc["priority"] == "Medium"
    assert doc["doctype"] == "ToDo" and doc["checklist"] == []
    stored = await rows_of(site, "tabToDo", "name", doc["name"])
    assert stored[0]["description"] == "New ToDo"


async def test_d1_d8_d11_child_rows(site: Site) -> None:
    doc = await create(
        site,
        "ToDo",
        {"description": "x", "checklist": [{"item": "first"}, {"item": "second", "done": 1}]},
    )
    rows = doc["checklist"]
    assert [r["idx"] for r in rows] == [1, 2]
    assert [r["item"] for r in rows] == ["first", "second"]
    for row in rows:
        assert list(row) == [
            *STANDARD,
            "item",
            "done",
            "parent",
            "parentfield",
            "parenttype",
            "doctype",
        ]
        assert row["name"] != doc["name"] and len(row["name"]) == 10
        assert (row["parent"], row["parentfield"], row["parenttype"]) == (
            doc["name"],
            "checklist",
            "ToDo",
        )
        assert row["doctype"] == "ToDo Checklist Item"
        assert row["owner"] == "Administrator" and row["creation"] == doc["creation"]
    assert rows[0]["done"] == 0 and rows[1]["done"] == 1


async def test_d12_server_fields_are_not_assignable(site: Site) -> None:
    doc = await create(
        site,
        "ToDo",
        {
            "description": "x",
            "owner": "mallory@example.com",
            "creation": "2001-01-01 00:00:00",
            "modified": "2001-01-01 00:00:00",
            "modified_by": "mallory@example.com",
            "idx": 7,
            "name": "chosen",
            "doctype": "User",
            "flags": {"ignore_permissions": 1},
            "not_a_field": "ignored",
            "checklist": [
                {
                    "item": "a",
                    "parent": "other",
                    "parentfield": "x",
                    "parenttype": "User",
                    "idx": 9,
                    "owner": "mallory@example.com",
                    "name": "rowname",
                }
            ],
        },
    )
    assert doc["owner"] == doc["modified_by"] == "Administrator"
    assert not doc["creation"].startswith("2001") and not doc["modified"].startswith("2001")
    assert doc["idx"] == 0 and doc["name"] != "chosen" and doc["doctype"] == "ToDo"
    assert "not_a_field" not in doc
    row = doc["checklist"][0]
    assert (row["parent"], row["parentfield"], row["parenttype"], row["idx"]) == (
        doc["name"],
        "checklist",
        "ToDo",
        1,
    )
    assert row["owner"] == "Administrator" and row["name"] != "rowname"


async def test_d10_body_forms(site: Site) -> None:
    h = site.admin_headers
    forms: list[dict[str, Any]] = [
        {"json": {"data": {"description": "data object"}}},
        {"json": {"data": json.dumps({"description": "data string"})}},
        {"params": {"data": json.dumps({"description": "data in query"})}},
        {"json": {"description": "whole body", "doctype": "Ignored"}},
        {"data": {"description": "urlencoded"}},
        {"files": {"description": (None, "multipart")}},
        {
            "content": json.dumps({"description": "raw text/plain"}),
            "headers": {"Content-Type": "text/plain"},
        },
        {"content": json.dumps({"description": "raw, no type"}), "headers": {}},
    ]
    for form in forms:
        headers = {**h, **form.pop("headers", {})}
        r = await site.client.post(TODO, headers=headers, **form)
        assert r.status_code == 200, (form, r.text)
    stored = await fetch_all(site.config, 'SELECT "description" FROM "tabToDo"')
    assert len(stored) == len(forms)


async def test_d10_anything_else_answers_400(site: Site) -> None:
    forms: list[dict[str, Any]] = [
        {},  # no body at all
        {"json": {"data": ["description"]}},
        {"json": ["a", "b"]},
        {"json": {"data": "{not json"}},
        {"json": {"data": "[1]"}},
        {"data": {}, "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"content": "description=x", "headers": {"Content-Type": "text/plain"}},
        {"content": "[1, 2]", "headers": {"Content-Type": "text/plain"}},
    ]
    for form in forms:
        headers = {**site.admin_headers, **form.pop("headers", {})}
        r = await site.client.post(TODO, headers=headers, **form)
        assert_error(r, 400, "BadRequestError")
    assert await fetch_all(site.config, 'SELECT "name" FROM "tabToDo"') == []


async def test_d13_check_order(site: Site) -> None:
    r = await site.client.post("/api/resource/No Such", json={"x": 1}, headers=site.admin_headers)
    assert_error(r, 404, "DoesNotExistError", "DocType No Such not found")  # L23 wording
    # 403 comes before the body and field checks (Guest, with a broken body).
    r = await site.client.post(TODO, content="{broken", headers={"Content-Type": "text/plain"})
    body = assert_error(r, 403, "PermissionError", "No permission for ToDo")
    assert body["_error_message"] == "No permission for ToDo"
    r = await site.client.post(TODO, json={"priority": "Urgent"}, headers=site.admin_headers)
    assert_error(r, 417, "ValidationError")  # coercion before mandatory
    r = await site.client.post(TODO, json={"allocated_to": "nobody"}, headers=site.admin_headers)
    assert_error(r, 417, "MandatoryError")  # mandatory before links
    r = await site.client.post(
        TODO, json={"description": "x", "allocated_to": "nobody"}, headers=site.admin_headers
    )
    assert_error(r, 417, "LinkValidationError", "Could not find Allocated To: nobody")
    assert await fetch_all(site.config, 'SELECT "name" FROM "tabToDo"') == []


async def test_d14_read(site: Site) -> None:
    doc = await create(site, "ToDo", {"description": "read me", "checklist": [{"item": "a"}]})
    r = await site.client.get(
        f"{TODO}/{doc['name']}",
        headers=site.admin_headers,
        params={"fields": '["name"]', "filters": '{"status": "x"}'},
    )
    assert r.status_code == 200
    assert r.json() == {"data": doc}  # D14: listing parameters are ignored
    r = await site.client.get(f"{TODO}/nope", headers=site.admin_headers)
    assert_error(r, 404, "DoesNotExistError", "ToDo nope not found")
    r = await site.client.get("/api/resource/Nope/x", headers=site.admin_headers)
    assert_error(r, 404, "DoesNotExistError", "DocType Nope not found")
    r = await site.client.head(f"{TODO}/{doc['name']}", headers=site.admin_headers)
    assert r.status_code == 200


async def test_d14_p3_p4_owner_only_rights(site: Site) -> None:
    ann = await user_headers(site, "ann@example.com")
    bob = await user_headers(site, "bob@example.com")
    doc = await create(site, "ToDo", {"description": "ann's"}, headers=ann)
    assert doc["owner"] == "ann@example.com"
    path = f"{TODO}/{doc['name']}"
    assert (await site.client.get(path, headers=ann)).status_code == 200
    message = f"You need the 'read' permission on ToDo {doc['name']} to perform this action."
    body = assert_error(await site.client.get(path, headers=bob), 403, "PermissionError", message)
    assert body["_error_message"] == message
    r = await site.client.put(path, json={"status": "Closed"}, headers=bob)
    assert_error(
        r,
        403,
        "PermissionError",
        f"You need the 'write' permission on ToDo {doc['name']} to perform this action.",
    )
    r = await site.client.delete(path, headers=bob)
    assert_error(r, 403, "PermissionError", f"User not allowed to delete ToDo: {doc['name']}")
    # P3: the DocType is checked before the lookup, so Guest learns nothing about names.
    r = await site.client.get(f"{TODO}/does-not-exist")
    assert_error(r, 403, "PermissionError")
    r = await site.client.delete(f"{TODO}/does-not-exist")
    assert_error(r, 403, "PermissionError", "User not allowed to delete ToDo: does-not-exist")
    assert (await site.client.get(path, headers=site.admin_headers)).status_code == 200


async def test_d15_partial_update(site: Site) -> None:
    doc = await create(
        site, "ToDo", {"description": "before", "priority": "High", "checklist": [{"item": "keep"}]}
    )
    path = f"{TODO}/{doc['name']}"
    r = await site.client.put(
        path, json={"status": "Closed", "flags": {"x": 1}}, headers=site.admin_headers
    )
    assert r.status_code == 200, r.text
    updated = r.json()["data"]
    assert updated["status"] == "Closed"
    assert updated["priority"] == "High" and updated["description"] == "before"
    assert updated["checklist"] == doc["checklist"]  # D16: a table not sent is untouched
    assert updated["modified"] > doc["modified"] and updated["creation"] == doc["creation"]
    assert (await site.client.get(path, headers=site.admin_headers)).json()["data"] == updated
    # urlencoded bodies work for updates too (D10).
    r = await site.client.put(path, data={"priority": "Low"}, headers=site.admin_headers)
    assert r.json()["data"]["priority"] == "Low"
    # D15: renaming through PUT is refused; the same name is fine.
    r = await site.client.put(
        path, json={"name": "other", "status": "Open"}, headers=site.admin_headers
    )
    assert_error(r, 417, "ValidationError")
    r = await site.client.put(path, json={"name": doc["name"]}, headers=site.admin_headers)
    assert r.status_code == 200
    r = await site.client.put(
        f"{TODO}/missing", json={"status": "Open"}, headers=site.admin_headers
    )
    assert_error(r, 404, "DoesNotExistError", "ToDo missing not found")
    r = await site.client.put(path, headers=site.admin_headers)
    assert_error(r, 400, "BadRequestError")
    stored = (await rows_of(site, "tabToDo", "name", doc["name"]))[0]
    assert stored["status"] == "Closed" and stored["priority"] == "Low"


async def test_d16_child_table_replacement(site: Site) -> None:
    doc = await create(
        site,
        "ToDo",
        {"description": "x", "checklist": [{"item": "a"}, {"item": "b"}, {"item": "c"}]},
    )
    a, b, c = doc["checklist"]
    path = f"{TODO}/{doc['name']}"
    r = await site.client.put(
        path,
        json={
            "checklist": [
                {"name": c["name"], "done": 1},
                {"item": "new"},
                {"name": "unknown", "item": "also new"},
                {"name": a["name"], "item": "a2"},
            ]
        },
        headers=site.admin_headers,
    )
    assert r.status_code == 200, r.text
    rows = r.json()["data"]["checklist"]
    assert [row["item"] for row in rows] == ["c", "new", "also new", "a2"]
    assert [row["idx"] for row in rows] == [1, 2, 3, 4]
    assert rows[0]["name"] == c["name"] and rows[0]["done"] == 1  # updated: only keys sent
    assert rows[3]["name"] == a["name"] and rows[3]["creation"] == a["creation"]
    assert rows[2]["name"] != "unknown" and rows[1]["name"] not in (a["name"], b["name"])
    stored = await rows_of(site, "tabToDo Checklist Item", "parent", doc["name"])
    assert sorted(s["item"] for s in stored) == ["a2", "also new", "c", "new"]  # b is gone
    empty: list[object] | None
    for empty in ([], None):
        r = await site.client.put(path, json={"checklist": empty}, headers=site.admin_headers)
        assert r.json()["data"]["checklist"] == []
        assert await rows_of(site, "tabToDo Checklist Item", "parent", doc["name"]) == []
    r = await site.client.put(path, json={"checklist": {"item": "x"}}, headers=site.admin_headers)
    assert_error(r, 417, "ValidationError", "Checklist must be a list of rows")
    r = await site.client.put(path, json={"checklist": ["x"]}, headers=site.admin_headers)
    assert_error(r, 417, "ValidationError", "Row 1 of Checklist must be an object, got a string")


async def test_d17_delete(site: Site) -> None:
    doc = await create(site, "ToDo", {"description": "bye", "checklist": [{"item": "a"}]})
    path = f"{TODO}/{doc['name']}"
    r = await site.client.delete(path, headers=site.admin_headers)
    assert r.status_code == 202
    assert r.json() == {"message": "ok"}
    assert await rows_of(site, "tabToDo", "name", doc["name"]) == []
    assert await rows_of(site, "tabToDo Checklist Item", "parent", doc["name"]) == []
    r = await site.client.delete(path, headers=site.admin_headers)
    assert_error(r, 404, "DoesNotExistError", f"ToDo {doc['name']} not found")


async def test_d17_link_exists(site: Site) -> None:
    await add_user(site.config, "ann@example.com")
    todo = await create(site, "ToDo", {"description": "x", "allocated_to": "ann@example.com"})
    r = await site.client.delete("/api/resource/User/ann@example.com", headers=site.admin_headers)
    assert_error(
        r,
        417,
        "LinkExistsError",
        f"Cannot delete or cancel because User ann@example.com is linked with ToDo {todo['name']}",
    )
    assert await rows_of(site, "tabUser", "name", "ann@example.com") != []
    # A child row's reference names its parent document (Has Role -> User).
    r = await site.client.delete("/api/resource/Role/Administrator", headers=site.admin_headers)
    assert_error(
        r,
        417,
        "LinkExistsError",
        "Cannot delete or cancel because Role Administrator is linked with User Administrator",
    )
    # Once the reference is gone, so is the refusal.
    await site.client.put(
        f"{TODO}/{todo['name']}", json={"allocated_to": None}, headers=site.admin_headers
    )
    r = await site.client.delete("/api/resource/User/ann@example.com", headers=site.admin_headers)
    assert r.status_code == 202, r.text


async def test_e2_names_with_slashes_and_trailing_slash(site: Site) -> None:
    doc = await create(site, "ToDo", {"description": "x"})
    for path in (
        f"/api/resource/ToDo/{doc['name']}/",
        f"/api/v1/resource/ToDo/{doc['name']}",
        f"/api/v1/resource/ToDo/{doc['name']}/",
    ):
        r = await site.client.get(path, headers=site.admin_headers)
        assert r.status_code == 200, path
        assert r.json()["data"]["name"] == doc["name"]
    r = await site.client.post(
        "/api/v1/resource/ToDo/", json={"description": "slash"}, headers=site.admin_headers
    )
    assert r.status_code == 200
    r = await site.client.get("/api/resource/ToDo/a/b/", headers=site.admin_headers)
    assert_error(r, 404, "DoesNotExistError", "ToDo a/b not found")
    r = await site.client.get("/api/resource/ToDo/a%2Fb", headers=site.admin_headers)
    assert_error(r, 404, "DoesNotExistError", "ToDo a/b not found")
    # E5: a verb the item route does not serve.
    r = await site.client.patch(f"/api/resource/ToDo/{doc['name']}", headers=site.admin_headers)
    assert_error(r, 405, "MethodNotAllowedError")
    assert set(r.headers["allow"].split(", ")) >= {"GET", "PUT", "DELETE", "POST"}


async def test_p7_child_rows_only_through_the_parent(site: Site) -> None:
    doc = await create(site, "ToDo", {"description": "x", "checklist": [{"item": "a"}]})
    row = doc["checklist"][0]["name"]
    ann = await user_headers(site, "ann@example.com")
    child = "/api/resource/ToDo Checklist Item"
    r = await site.client.get(f"{child}/{row}", headers=ann)
    assert_error(r, 403, "PermissionError")
    r = await site.client.post(child, json={"item": "x"}, headers=ann)
    assert_error(r, 403, "PermissionError", "No permission for ToDo Checklist Item")
    r = await site.client.post(child, json={"item": "x"}, headers=site.admin_headers)
    assert_error(r, 417, "ValidationError")
    r = await site.client.delete(f"{child}/{row}", headers=site.admin_headers)
    assert_error(r, 417, "ValidationError")
    assert len(await rows_of(site, "tabToDo Checklist Item", "parent", doc["name"])) == 1
