"""Permissions (P1-P5, P8) on ToDo through /api/resource and the frappe.client methods.

ToDo's rules: `System Manager` may do everything; `All` may do everything `if_owner`, and its
controller opens the ToDos a user is allocated (`allocated_to`) or assigned (`assigned_by`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.accounts import add_user
from tests.sites import Site, open_site

ANN, BOB, SM = "ann@example.com", "bob@example.com", "sm@example.com"


@dataclass
class World:
    site: Site
    ann: dict[str, str]
    bob: dict[str, str]
    sm: dict[str, str]
    a1: str  # ann's own
    b1: str  # bob's, nothing to do with ann
    b2: str  # bob's, allocated to ann
    b3: str  # bob's, assigned by ann

    @property
    def client(self) -> httpx.AsyncClient:
        return self.site.client


async def _create(site: Site, headers: dict[str, str], **values: Any) -> str:
    r = await site.client.post("/api/resource/ToDo", json=values, headers=headers)
    assert r.status_code == 200, r.text
    name: str = r.json()["data"]["name"]
    return name


@pytest.fixture
async def world(site: Site) -> World:
    for user, roles in ((ANN, ()), (BOB, ()), (SM, ("System Manager",))):
        await add_user(site.config, user, roles=roles)
    ann, bob, sm = [await site.token_for(u) for u in (ANN, BOB, SM)]
    b1 = await _create(site, bob, description="bob private", priority="High")
    b2 = await _create(site, bob, description="bob for ann", allocated_to=ANN)
    b3 = await _create(site, bob, description="ann asked bob", assigned_by=ANN)
    a1 = await _create(site, ann, description="ann own", priority="Low")
    return World(site, ann, bob, sm, a1, b1, b2, b3)


def assert_denied(r: httpx.Response, message: str) -> None:
    """P3: 403 PermissionError with the message also in `_error_message`."""
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["exc_type"] == "PermissionError"
    assert body["_error_message"] == message
    assert body["exception"] == f"PermissionError: {message}"


async def _names(w: World, headers: dict[str, str], **params: str) -> set[str]:
    r = await w.client.get("/api/resource/ToDo", params={"limit": "0", **params}, headers=headers)
    assert r.status_code == 200, r.text
    return {row["name"] for row in r.json()["data"]}


# ---- P1, P2: rights are the union of the caller's roles; Administrator passes everything ---


async def test_p1_p2_rights_by_role(world: World) -> None:
    w = world
    everything = {w.a1, w.b1, w.b2, w.b3}
    assert await _names(w, w.sm) == everything  # System Manager: a full row
    assert await _names(w, w.site.admin_headers) == everything  # Administrator
    assert await _names(w, w.ann) == {w.a1, w.b2, w.b3}  # All: if_owner + the controller


async def test_p2_guest_holds_only_guest(world: World) -> None:
    r = await world.client.get("/api/resource/ToDo")
    assert_denied(r, "No permission for ToDo")
    r = await world.client.get("/api/method/frappe.client.get_list", params={"doctype": "ToDo"})
    assert r.status_code == 403


# ---- P3: denials and their messages; the DocType before the document ---------------------


async def test_p3_denial_messages(world: World) -> None:
    w = world
    r = await w.client.get(f"/api/resource/ToDo/{w.b1}", headers=w.ann)
    assert_denied(r, f"You need the 'read' permission on ToDo {w.b1} to perform this action.")
    r = await w.client.put(f"/api/resource/ToDo/{w.b1}", json={"status": "Closed"}, headers=w.ann)
    assert_denied(r, f"You need the 'write' permission on ToDo {w.b1} to perform this action.")
    r = await w.client.delete(f"/api/resource/ToDo/{w.b1}", headers=w.ann)
    assert_denied(r, f"User not allowed to delete ToDo: {w.b1}")
    r = await w.client.post("/api/resource/ToDo", json={"description": "x"})
    assert_denied(r, "No permission for ToDo")


async def test_p3_doctype_checked_before_the_document(world: World) -> None:
    w = world
    r = await w.client.get("/api/resource/ToDo/does-not-exist")  # Guest: 403, not 404
    assert r.status_code == 403
    r = await w.client.put(
        "/api/resource/Role/does-not-exist", json={"disabled": 1}, headers=w.ann
    )  # All may only read Role
    assert r.status_code == 403
    r = await w.client.get("/api/resource/ToDo/does-not-exist", headers=w.ann)
    assert r.status_code == 404


# ---- P4: owner-only rights, and the controller's row condition ---------------------------


async def test_p4_owner_only_documents(world: World) -> None:
    w = world
    for name in (w.a1, w.b2, w.b3):
        r = await w.client.get(f"/api/resource/ToDo/{name}", headers=w.ann)
        assert r.status_code == 200, name
    r = await w.client.put(f"/api/resource/ToDo/{w.b2}", json={"status": "Closed"}, headers=w.ann)
    assert r.status_code == 200 and r.json()["data"]["status"] == "Closed"
    for verb in ("GET", "PUT", "DELETE"):
        r = await w.client.request(
            verb,
            f"/api/resource/ToDo/{w.b1}",
            headers=w.ann,
            json={"status": "Closed"} if verb == "PUT" else None,
        )
        assert r.status_code == 403, verb
    # D23: method calls on a document outside the caller's rows are refused too.
    r = await w.client.get(
        f"/api/resource/ToDo/{w.b1}", params={"run_method": "summary"}, headers=w.ann
    )
    assert r.status_code == 403
    r = await w.client.post(
        f"/api/resource/ToDo/{w.b1}", params={"run_method": "close"}, headers=w.ann
    )
    assert r.status_code == 403
    r = await w.client.get(f"/api/resource/ToDo/{w.b1}", headers=w.bob)
    assert r.status_code == 200 and r.json()["data"]["status"] == "Open"  # nothing changed


async def test_p4_delete_own_and_granted(world: World) -> None:
    w = world
    r = await w.client.delete(f"/api/resource/ToDo/{w.a1}", headers=w.ann)
    assert r.status_code == 202
    r = await w.client.delete(f"/api/resource/ToDo/{w.b3}", headers=w.ann)
    assert r.status_code == 202
    assert await _names(w, w.sm) == {w.b1, w.b2}


# ---- P5: listing conditions, AND-ed silently ---------------------------------------------


async def test_p5_listing_conditions_and_filters(world: World) -> None:
    w = world
    assert await _names(w, w.ann, filters='[["priority", "=", "High"]]') == set()
    assert await _names(w, w.ann, filters='{"priority": "Low"}') == {w.a1}
    assert await _names(
        w, w.ann, or_filters='[["priority", "=", "High"], ["priority", "=", "Low"]]'
    ) == {w.a1}
    assert await _names(w, w.ann, filters='[["owner", "=", "bob@example.com"]]') == {w.b2, w.b3}
    assert await _names(w, w.bob) == {w.b1, w.b2, w.b3}


async def test_p5_order_and_group_by_cannot_reach_hidden_rows(world: World) -> None:
    w = world
    r = await w.client.get(
        "/api/resource/ToDo",
        headers=w.ann,
        params={
            "fields": '["priority", "count(name) as n"]',
            "group_by": "priority",
            "order_by": "priority asc",
        },
    )
    assert r.status_code == 200, r.text
    groups = {row["priority"]: row["n"] for row in r.json()["data"]}
    assert groups == {"Low": 1, "Medium": 2}  # bob's High ToDo is not counted
    r = await w.client.get(
        "/api/resource/ToDo",
        headers=w.ann,
        params={"fields": '["name"]', "order_by": "priority desc", "limit": "1"},
    )
    assert r.json()["data"][0]["name"] != w.b1
    r = await w.client.get(
        "/api/resource/ToDo", headers=w.ann, params={"fields": '["count(*) as n"]'}
    )
    assert r.json()["data"] == [{"n": 3}]


async def test_p5_p8_counts(world: World) -> None:
    w = world
    r = await w.client.get("/api/resource/ToDo", params={"with_count": "1"}, headers=w.ann)
    assert r.json()["count"] == 3 and r.json()["count_capped"] is False
    r = await w.client.get(
        "/api/resource/ToDo", params={"with_count": "1", "limit": "1"}, headers=w.ann
    )
    assert r.json()["count"] == 3 and r.json()["has_next_page"] is True
    r = await w.client.get(
        "/api/method/frappe.client.get_count", params={"doctype": "ToDo"}, headers=w.ann
    )
    assert r.json() == {"message": 3}
    r = await w.client.get(
        "/api/method/frappe.client.get_count",
        headers=w.ann,
        params={"doctype": "ToDo", "filters": '{"priority": "High"}'},
    )
    assert r.json() == {"message": 0}
    r = await w.client.get(
        "/api/method/frappe.client.get_count", params={"doctype": "ToDo"}, headers=w.sm
    )
    assert r.json() == {"message": 4}
    r = await w.client.get("/api/method/frappe.client.get_count", params={"doctype": "ToDo"})
    assert r.status_code == 403


# ---- the same through frappe.client.* ----------------------------------------------------


async def _call(
    w: World, verb: str, method: str, headers: dict[str, str], **params: Any
) -> httpx.Response:
    path = f"/api/method/frappe.client.{method}"
    if verb == "GET":
        return await w.client.get(
            path,
            headers=headers,
            params={k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()},
        )
    return await w.client.request(verb, path, headers=headers, json=params)


async def test_p4_p5_frappe_client_reads(world: World) -> None:
    w = world
    r = await _call(
        w, "GET", "get_list", w.ann, doctype="ToDo", fields=["name"], limit_page_length="0"
    )
    assert {row["name"] for row in r.json()["message"]} == {w.a1, w.b2, w.b3}
    r = await _call(
        w,
        "GET",
        "get_list",
        w.ann,
        doctype="ToDo",
        fields=["priority", "count(name) as n"],
        group_by="priority",
        order_by="priority asc",
    )
    assert {row["priority"]: row["n"] for row in r.json()["message"]} == {"Low": 1, "Medium": 2}
    r = await _call(w, "GET", "get", w.ann, doctype="ToDo", name=w.b1)
    assert r.status_code == 403
    r = await _call(w, "GET", "get", w.ann, doctype="ToDo", name=w.b2)
    assert r.status_code == 200 and r.json()["message"]["name"] == w.b2
    r = await _call(w, "GET", "get", w.ann, doctype="ToDo", filters={"priority": "High"})
    assert r.status_code == 404  # bob's High ToDo is not found for ann
    for filters in (w.b1, {"priority": "High"}):
        r = await _call(
            w, "GET", "get_value", w.ann, doctype="ToDo", fieldname="description", filters=filters
        )
        assert r.status_code == 200 and r.json() == {"message": {}}, filters
    r = await _call(
        w, "GET", "get_value", w.ann, doctype="ToDo", fieldname="description", filters=w.b2
    )
    assert r.json() == {"message": {"description": "bob for ann"}}
    r = await _call(w, "GET", "has_permission", w.ann, doctype="ToDo", docname=w.b1)
    assert r.json() == {"message": {"has_permission": False}}
    r = await _call(
        w, "GET", "has_permission", w.ann, doctype="ToDo", docname=w.b2, perm_type="write"
    )
    assert r.json() == {"message": {"has_permission": True}}


async def test_p4_frappe_client_writes(world: World) -> None:
    w = world
    r = await _call(
        w, "POST", "set_value", w.ann, doctype="ToDo", name=w.b1, fieldname="status", value="Closed"
    )
    assert r.status_code == 403
    r = await _call(w, "GET", "get", w.bob, doctype="ToDo", name=w.b1)
    doc = r.json()["message"]
    r = await _call(w, "POST", "save", w.ann, doc={**doc, "description": "hijacked"})
    assert r.status_code == 403
    r = await _call(
        w,
        "POST",
        "bulk_update",
        w.ann,
        docs=[{"doctype": "ToDo", "docname": w.b1, "status": "Closed"}],
    )
    assert r.status_code == 200
    [failed] = r.json()["message"]["failed_docs"]
    assert failed["exc"].startswith("PermissionError")
    r = await _call(w, "POST", "delete", w.ann, doctype="ToDo", name=w.b1)
    assert r.status_code == 403
    r = await _call(w, "GET", "get", w.bob, doctype="ToDo", name=w.b1)
    assert r.json()["message"]["status"] == "Open"
    assert r.json()["message"]["description"] == "bob private"
    r = await _call(
        w, "POST", "set_value", w.ann, doctype="ToDo", name=w.b2, fieldname="status", value="Closed"
    )
    assert r.status_code == 200, r.text


async def test_p2_system_manager_is_privileged(backend: str, tmp_path: Path) -> None:
    """P2/L10/L20: debug output and the page-size cap follow privilege, not DocType rights."""
    async with open_site(backend, tmp_path, api={"max_page_length": 2}) as site:
        await add_user(site.config, ANN)
        await add_user(site.config, SM, roles=("System Manager",))
        ann, sm = await site.token_for(ANN), await site.token_for(SM)
        for i in range(3):
            await _create(site, ann, description=f"ann {i}")
        listing = "/api/resource/ToDo"
        r = await site.client.get(listing, params={"limit": "0"}, headers=ann)
        assert len(r.json()["data"]) == 2
        r = await site.client.get(listing, params={"limit": "3"}, headers=ann)
        assert r.status_code == 417
        r = await site.client.get(listing, params={"limit": "0"}, headers=sm)
        assert len(r.json()["data"]) == 3
        r = await site.client.get(listing, params={"debug": "1"}, headers=ann)
        assert r.status_code == 200 and "exc" not in r.json() and "SELECT" not in r.text
        r = await site.client.get(listing, params={"debug": "1"}, headers=sm)
        assert "SELECT" in r.json()["exc"]
        r = await site.client.get(
            "/api/method/frappe.client.get_count",
            headers=ann,
            params={"doctype": "ToDo", "debug": "1"},
        )
        assert r.json() == {"message": 3}
