"""Return values (M8), the example app (M9), the legacy `cmd` form (M14) and A8's who-am-I."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from maju.doctype import storage
from maju.doctype.fields import now
from maju.site import open_database
from tests.api.test_method_dispatch import assert_error
from tests.sites import REPO_ROOT, Site, open_site

API = "/api/method/methodtest.api."


@pytest.fixture
async def msite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_site(
        backend, tmp_path, site={"apps": ("methodtest",)}, root=str(REPO_ROOT / "tests")
    ) as running:
        yield running


RETURNS: dict[str, dict[str, Any]] = {
    "none": {},
    "empty": {"message": ""},
    "zero": {"message": 0},
    "false": {"message": False},
    "list": {"message": []},
    "dict": {"message": {}},
    "datetime": {"message": "2024-05-06 07:08:09.000123"},
    "date": {"message": "2024-05-06"},
    "time": {"message": "07:08:09"},
    "decimal": {"message": 12.5},
    "int_decimal": {"message": 3},
    "nested": {"message": {"when": "2024-01-02 00:00:00.000000", "amounts": [1.5]}},
    "unicode": {"message": "ça va ✓"},
}


async def test_m8_return_values(msite: Site) -> None:
    """E8: `message` whenever the value is not None (falsy values included); D7 dates."""
    for kind, body in RETURNS.items():
        r = await msite.client.get(
            API + "returns", params={"kind": kind}, headers=msite.admin_headers
        )
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json")
        assert r.json() == body, kind


async def test_m8_response_sent_unchanged(msite: Site) -> None:
    r = await msite.client.get(
        API + "response", params={"kind": "csv"}, headers=msite.admin_headers
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="x.csv"'
    assert r.text == "a,b\n1,2\n"
    r = await msite.client.get(
        API + "response", params={"kind": "redirect"}, headers=msite.admin_headers
    )
    assert r.status_code == 302
    assert r.headers["location"] == "/app/todo"


async def make_todo(site: Site, description: str = "Buy milk") -> str:
    db = open_database(site.config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            from maju.doctype.registry import load_registry
            from maju.site import apps_dir

            registry = load_registry(site.config.site.apps, apps_dir(site.config))
            stamp = now()
            return str(
                await storage.insert_row(
                    conn,
                    registry["ToDo"],
                    {
                        "name": "af2e2d0e33",
                        "owner": "Administrator",
                        "creation": stamp,
                        "modified": stamp,
                        "modified_by": "Administrator",
                        "docstatus": 0,
                        "idx": 0,
                        "status": "Open",
                        "priority": "Medium",
                        "description": description,
                    },
                )
            )
    finally:
        await db.disconnect()


async def read_todo(site: Site, name: str) -> dict[str, Any] | None:
    """The stored row, read on a connection of its own."""
    db = open_database(site.config)
    await db.connect()
    try:
        async with db.transaction(read_only=True) as conn:
            return await conn.fetch_one(
                'SELECT "status", "description", "modified" FROM "tabToDo" WHERE "name" = :n',
                {"n": name},
            )
    finally:
        await db.disconnect()


async def test_m9_hello(site: Site) -> None:
    r = await site.client.get("/api/method/todo.api.hello", params={"name": "Ann"})
    assert r.json() == {"message": "Hello Ann"}
    r = await site.client.get("/api/method/todo.api.hello")
    assert r.json() == {"message": "Hello World"}
    r = await site.client.post("/api/method/todo.api.hello", data={"name": "Ann"})
    assert_error(r, 403, "PermissionError", "Not permitted")


async def test_m9_close_commits_on_post(site: Site) -> None:
    name = await make_todo(site)
    r = await site.client.post(
        "/api/method/todo.api.close",
        headers=site.admin_headers,
        json={"name": name, "reason": "done"},
    )
    assert r.status_code == 200, r.text
    message = r.json()["message"]
    assert message["name"] == name and message["status"] == "Closed"
    assert "done" in message["description"]
    assert None not in message.values()
    stored = await read_todo(site, name)
    assert stored is not None and stored["status"] == "Closed"
    r = await site.client.post(
        "/api/method/todo.api.close", headers=site.admin_headers, json={"name": "nope"}
    )
    assert_error(r, 404, "DoesNotExistError", "ToDo nope not found")


async def test_m9_close_get_is_read_only(site: Site) -> None:
    name = await make_todo(site)
    before = await read_todo(site, name)
    r = await site.client.get(
        "/api/method/todo.api.close", headers=site.admin_headers, params={"name": name}
    )
    assert_error(
        r, 417, "ReadOnlyRequestError", "GET requests are read-only; use POST to change data"
    )
    assert await read_todo(site, name) == before
    assert before is not None and before["status"] == "Open"


async def test_m14_cmd_on_root_get_and_post(site: Site) -> None:
    r = await site.client.get("/", params={"cmd": "todo.api.hello", "name": "Ann"})
    assert r.json() == {"message": "Hello Ann"}
    r = await site.client.get("/?cmd=ping")
    assert r.json() == {"message": "pong"}
    r = await site.client.post("/", data={"cmd": "ping"})
    assert r.json() == {"message": "pong"}
    r = await site.client.post(
        "/", json={"cmd": "frappe.auth.get_logged_user"}, headers=site.admin_headers
    )
    assert r.json() == {"message": "Administrator"}
    # Same verb as the request: hello is GET-only.
    r = await site.client.post("/", data={"cmd": "todo.api.hello"})
    assert_error(r, 403, "PermissionError", "Not permitted")


async def test_m14_cmd_errors_and_root_without_cmd(site: Site) -> None:
    for r in (
        await site.client.get("/"),
        await site.client.post("/", data={"x": "1"}),
        await site.client.get("/?cmd="),
    ):
        assert_error(r, 404, "DoesNotExistError", "Page / not found")
    r = await site.client.get("/?cmd=os.system")
    assert_error(r, 417, "ValidationError", "App os is not installed")
    r = await site.client.post("/", json={"cmd": 5})
    assert_error(r, 417, "ValidationError", "Failed to get method for command 5")
    r = await site.client.put("/", data={"cmd": "ping"})
    assert r.status_code == 405 and r.json()["exc_type"] == "MethodNotAllowedError"


async def test_m14_cmd_ignored_on_other_paths(site: Site) -> None:
    r = await site.client.get("/api/method/ping", params={"cmd": "todo.api.hello"})
    assert r.json() == {"message": "pong"}


async def test_m14_cmd_passed_only_if_declared(msite: Site) -> None:
    r = await msite.client.post(
        "/", headers=msite.admin_headers, data={"cmd": "methodtest.api.declares_plumbing"}
    )
    assert r.json()["message"]["cmd"] == "methodtest.api.declares_plumbing"
    r = await msite.client.post(
        "/", headers=msite.admin_headers, data={"cmd": "methodtest.api.takes_kwargs", "a": "1"}
    )
    assert r.json() == {"message": {"a": "1"}}


async def test_m14_cmd_get_is_read_only(msite: Site) -> None:
    r = await msite.client.get(
        "/",
        headers=msite.admin_headers,
        params={"cmd": "methodtest.api.write_any_verb", "label": "x"},
    )
    assert_error(
        r, 417, "ReadOnlyRequestError", "GET requests are read-only; use POST to change data"
    )
    r = await msite.client.post(
        "/",
        headers=msite.admin_headers,
        data={"cmd": "methodtest.api.write_any_verb", "label": "x"},
    )
    assert r.status_code == 200
    r = await msite.client.get(API + "count_logs", headers=msite.admin_headers)
    assert r.json() == {"message": 1}


async def test_a8_get_logged_user(site: Site) -> None:
    for name in ("frappe.auth.get_logged_user", "maju.auth.get_logged_user"):
        r = await site.client.get(f"/api/method/{name}", headers=site.admin_headers)
        assert r.json() == {"message": "Administrator"}
        r = await site.client.get(f"/api/method/{name}")
        assert r.status_code == 403
        assert r.json()["exc_type"] == "PermissionError"
