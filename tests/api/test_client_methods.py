"""The reading frappe.client methods (M10, M11, M12), P5/P8 conditions and L20's debug keys.

Also holds the helpers tests/api/test_client_methods_write.py imports (`csite`, `call`, ...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.api.test_method_dispatch import assert_error
from tests.auth.accounts import add_user
from tests.sites import REPO_ROOT, Site, open_site


@pytest.fixture
async def csite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    """A site with the test app `methodtest`: submittable, renamable and child DocTypes."""
    async with open_site(
        backend, tmp_path, site={"apps": ("methodtest",)}, root=str(REPO_ROOT / "tests")
    ) as running:
        yield running


async def user(site: Site, email: str, roles: tuple[str, ...] = ()) -> dict[str, str]:
    await add_user(site.config, email, roles=roles)
    return await site.token_for(email)


async def call(
    site: Site,
    method: str,
    headers: dict[str, str] | None = None,
    /,
    *,
    verb: str = "POST",
    **params: Any,
) -> httpx.Response:
    """Call frappe.client.<method> (GET: query string; other verbs: JSON body)."""
    path = f"/api/method/frappe.client.{method}"
    h = site.admin_headers if headers is None else headers
    if verb == "GET":
        query = {
            k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in params.items()
        }
        return await site.client.get(path, params=query, headers=h)
    return await site.client.request(verb, path, json=params, headers=h)


async def message(
    site: Site,
    method: str,
    headers: dict[str, str] | None = None,
    /,
    *,
    verb: str = "POST",
    **params: Any,
) -> Any:
    r = await call(site, method, headers, verb=verb, **params)
    assert r.status_code == 200, r.text
    return r.json().get("message")


async def seed_todos(site: Site, headers: dict[str, str] | None = None) -> list[str]:
    names: list[str] = await message(
        site,
        "insert_many",
        headers,
        docs=[
            {"doctype": "ToDo", "description": "alpha", "status": "Open", "priority": "High"},
            {"doctype": "ToDo", "description": "beta", "status": "Open", "priority": "Low"},
            {"doctype": "ToDo", "description": "gamma", "status": "Closed"},
        ],
    )
    return names


async def test_m10_get_list_rows_as_listing(site: Site) -> None:
    a, b, c = await seed_todos(site)
    rows = await message(
        site,
        "get_list",
        verb="GET",
        doctype="ToDo",
        fields=["name", "status"],
        filters={"status": "Open"},
        order_by="description asc",
    )
    assert rows == [{"name": a, "status": "Open"}, {"name": b, "status": "Open"}]
    # `*`, limit_page_length, start, as_dict=0 and an unknown key (dropped here, M10).
    rows = await message(
        site,
        "get_list",
        verb="GET",
        doctype="ToDo",
        fields="*",
        order_by="description desc",
        limit_page_length="1",
        start="1",
        unknown_key="ignored",
    )
    assert [r["name"] for r in rows] == [b] and rows[0]["description"] == "beta"
    assert "date" in rows[0] and rows[0]["date"] is None  # L1: listing rows keep nulls
    rows = await message(
        site,
        "get_list",
        doctype="ToDo",
        fields=["description"],
        as_dict=0,
        order_by="description asc",
        filters=[["name", "=", c]],
    )
    assert rows == [["gamma"]]


async def test_m10_get_list_bad_input_is_named(site: Site) -> None:
    r = await call(site, "get_list", verb="GET", doctype="ToDo", fields=["name; drop"])
    assert_error(r, 417, "DataError", "Field not permitted in query: name; drop")
    r = await call(site, "get_list", verb="GET", doctype="Nope")
    assert_error(r, 404, "DoesNotExistError", "DocType Nope not found")
    r = await call(site, "get_list", verb="GET")
    assert_error(r, 417, "ValidationError", "Missing required argument: doctype")


async def test_m11_maju_and_frappe_names_alike(site: Site) -> None:
    await seed_todos(site)
    for prefix in ("frappe.client", "maju.client"):
        r = await site.client.get(
            f"/api/method/{prefix}.get_count",
            params={"doctype": "ToDo"},
            headers=site.admin_headers,
        )
        assert r.json() == {"message": 3}, prefix


async def test_l20_debug_only_for_privileged_in_debug_messages(site: Site) -> None:
    await seed_todos(site)
    r = await call(site, "get_list", verb="GET", doctype="ToDo", debug="1")
    body = r.json()
    assert len(body["message"]) == 3 and "exc" not in body
    sql, elapsed = orjson.loads(body["_debug_messages"])
    assert "tabToDo" in sql and elapsed.startswith("Execution time: ")
    r = await call(site, "get_count", verb="GET", doctype="ToDo", debug="true")
    assert r.json()["message"] == 3 and "_debug_messages" in r.json()
    r = await call(site, "get_value", verb="GET", doctype="ToDo", fieldname="name", debug=True)
    assert "_debug_messages" in r.json()
    ann = await user(site, "ann@example.com")
    r = await call(site, "get_list", ann, verb="GET", doctype="ToDo", debug="1")
    assert r.json() == {"message": []}


async def test_p5_p8_owner_only_rows_in_list_count_and_value(site: Site) -> None:
    await seed_todos(site)  # owned by Administrator
    ann = await user(site, "ann@example.com")
    (mine,) = await message(
        site, "insert_many", ann, docs=[{"doctype": "ToDo", "description": "ann's"}]
    )
    assert await message(site, "get_list", ann, verb="GET", doctype="ToDo") == [{"name": mine}]
    assert await message(site, "get_count", ann, verb="GET", doctype="ToDo") == 1
    assert await message(site, "get_count", verb="GET", doctype="ToDo") == 4
    assert (
        await message(
            site,
            "get_value",
            ann,
            verb="GET",
            doctype="ToDo",
            fieldname="description",
            filters={"description": "alpha"},
        )
        == {}
    )


async def test_p8_get_count_needs_read(csite: Site) -> None:
    ann = await user(csite, "ann@example.com")
    r = await call(csite, "get_count", ann, verb="GET", doctype="Method Secret")
    assert_error(r, 403, "PermissionError", "No permission for Method Secret")
    r = await call(csite, "get_list", ann, verb="GET", doctype="Method Secret")
    assert_error(r, 403, "PermissionError", "No permission for Method Secret")
    r = await call(csite, "get_count", verb="GET", doctype="Method Secret")
    assert r.json() == {"message": 0}


async def test_m10_get_count_filters(site: Site) -> None:
    await seed_todos(site)
    assert (
        await message(site, "get_count", verb="GET", doctype="ToDo", filters={"status": "Open"})
        == 2
    )
    assert (
        await message(
            site,
            "get_count",
            doctype="ToDo",
            filters=[["status", "=", "Open"]],
            or_filters=[["priority", "=", "High"], ["description", "=", "x"]],
        )
        == 1
    )
    r = await call(site, "get_count", verb="GET", doctype="ToDo", filters="status = 'Open'")
    assert r.status_code == 417 and r.json()["exc_type"] == "DataError"


async def test_m10_get_document_with_nulls(site: Site) -> None:
    a, _, _ = await seed_todos(site)
    doc = await message(site, "get", verb="GET", doctype="ToDo", name=a)
    assert doc["name"] == a and doc["description"] == "alpha" and doc["doctype"] == "ToDo"
    assert doc["date"] is None and doc["allocated_to"] is None  # D9: frappe.client keeps nulls
    assert doc["checklist"] == []
    by_filters = await message(
        site, "get", verb="GET", doctype="ToDo", filters={"description": "alpha"}
    )
    assert by_filters == doc
    r = await call(site, "get", verb="GET", doctype="ToDo", name="nope")
    assert_error(r, 404, "DoesNotExistError", "ToDo nope not found")
    r = await call(site, "get", verb="GET", doctype="ToDo", filters={"description": "zzz"})
    assert_error(r, 404, "DoesNotExistError", "ToDo not found")
    ann = await user(site, "ann@example.com")
    r = await call(site, "get", ann, verb="GET", doctype="ToDo", name=a)
    assert_error(
        r,
        403,
        "PermissionError",
        f"You need the 'read' permission on ToDo {a} to perform this action.",
    )


async def test_m10_get_child_row_through_parent(csite: Site) -> None:
    order = await message(
        csite,
        "insert",
        doc={"doctype": "Method Order", "title": "o", "items": [{"item": "pen", "qty": 2}]},
    )
    row_name = order["items"][0]["name"]
    row = await message(
        csite, "get", verb="GET", doctype="Method Order Item", name=row_name, parent="Method Order"
    )
    assert row["item"] == "pen" and row["parent"] == order["name"]
    r = await call(csite, "get", verb="GET", doctype="Method Order Item", name=row_name)
    assert r.status_code == 403
    ann = await user(csite, "ann@example.com")
    r = await call(
        csite,
        "get",
        ann,
        verb="GET",
        doctype="Method Order Item",
        name=row_name,
        parent="Method Order",
    )
    assert r.status_code == 403


async def test_m12_get_value_forms(site: Site) -> None:
    a, b, _ = await seed_todos(site)
    get = "get_value"
    assert await message(
        site, get, verb="GET", doctype="ToDo", fieldname="description", filters=a
    ) == {"description": "alpha"}
    assert await message(
        site, get, verb="GET", doctype="ToDo", fieldname='["description", "priority"]', filters=b
    ) == {"description": "beta", "priority": "Low"}
    assert await message(
        site,
        get,
        doctype="ToDo",
        fieldname=["status", "name"],
        filters={"description": "beta"},
        as_dict=False,
    ) == ["Open", b]
    assert (
        await message(
            site,
            get,
            verb="GET",
            doctype="ToDo",
            fieldname="priority",
            filters='{"description": "alpha"}',
            as_dict="0",
        )
        == "High"
    )
    assert (
        await message(
            site, get, verb="GET", doctype="ToDo", fieldname="priority", filters="missing"
        )
        == {}
    )
    assert (
        await message(
            site,
            get,
            verb="GET",
            doctype="ToDo",
            fieldname="priority",
            filters="missing",
            as_dict="false",
        )
        == {}
    )
    r = await call(site, get, verb="GET", doctype="ToDo", fieldname="nope", filters=a)
    assert_error(r, 417, "DataError", "Field not permitted in query: nope")
    r = await call(site, get, verb="GET", doctype="ToDo", fieldname='["a",', filters=a)
    assert_error(r, 417, "DataError", 'Invalid fieldname: ["a",')


async def test_m12_get_value_first_row_in_default_order(site: Site) -> None:
    """L11: ToDo sorts by modified desc, so the newest matching row answers."""
    a, _, _ = await seed_todos(site)
    await message(site, "set_value", doctype="ToDo", name=a, fieldname="priority", value="Low")
    assert await message(
        site, "get_value", verb="GET", doctype="ToDo", fieldname="name", filters={"status": "Open"}
    ) == {"name": a}


async def test_m12_get_value_unreadable_fields_dropped(csite: Site) -> None:
    ann = await user(csite, "ann@example.com")
    doc = await message(
        csite, "insert", ann, doc={"doctype": "Method Order", "title": "t", "secret": "s"}
    )
    assert await message(
        csite,
        "get_value",
        ann,
        verb="GET",
        doctype="Method Order",
        fieldname=["title", "secret"],
        filters=doc["name"],
    ) == {"title": "t"}


@pytest.mark.xfail(strict=True, reason="D22: Document does not serve Single DocTypes yet")
async def test_m12_single_doctype_reads_its_record(csite: Site) -> None:
    assert await message(
        csite, "get_value", verb="GET", doctype="Method Settings", fieldname="greeting"
    ) == {"greeting": "Hi"}
    assert (
        await message(
            csite, "get_single_value", verb="GET", doctype="Method Settings", field="greeting"
        )
        == "Hi"
    )


async def test_m10_get_single_value_needs_a_single(site: Site) -> None:
    r = await call(site, "get_single_value", verb="GET", doctype="ToDo", field="status")
    assert_error(r, 417, "ValidationError", "ToDo is not a Single DocType")


async def test_m10_has_permission(site: Site) -> None:
    a, _, _ = await seed_todos(site)
    ann = await user(site, "ann@example.com")
    (mine,) = await message(
        site, "insert_many", ann, docs=[{"doctype": "ToDo", "description": "ann's"}]
    )
    check = "has_permission"
    assert await message(site, check, verb="GET", doctype="ToDo", docname=a) == {
        "has_permission": True
    }
    assert await message(site, check, ann, verb="GET", doctype="ToDo", docname=a) == {
        "has_permission": False
    }
    for perm in ("read", "WRITE", "delete"):
        assert await message(
            site, check, ann, verb="GET", doctype="ToDo", docname=mine, perm_type=perm
        ) == {"has_permission": True}, perm
    assert await message(
        site, check, ann, verb="GET", doctype="ToDo", docname=mine, perm_type="submit"
    ) == {"has_permission": False}
    r = await call(site, check, ann, verb="GET", doctype="ToDo", docname=mine, perm_type="x")
    assert_error(
        r,
        417,
        "DataError",
        "Invalid perm_type: x; expected one of read, write, create, delete, submit, cancel",
    )
    r = await call(site, check, verb="GET", doctype="ToDo", docname="nope")
    assert r.status_code == 404


async def test_m10_guests_cannot_call_client_methods(site: Site) -> None:
    for name in ("get_list", "get_count", "get", "insert", "has_permission"):
        r = await call(site, name, {}, verb="GET", doctype="ToDo")
        assert r.status_code == 403, name


async def test_a8_get_logged_user_for_a_user(site: Site) -> None:
    ann = await user(site, "ann@example.com")
    r = await site.client.get("/api/method/frappe.auth.get_logged_user", headers=ann)
    assert r.json() == {"message": "ann@example.com"}
