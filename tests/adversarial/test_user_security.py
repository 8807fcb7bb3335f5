"""P6/A16: a plain user cannot raise their own rights through their User document.

`roles`, `enabled`, `user_type`, `api_key` and `api_secret` sit at permlevel 1 (as in Frappe),
so the `All` owner-only rule on User never opens them, even on a self-owned User record.
"""

from __future__ import annotations

from typing import Any

from maju.auth.users import create_user, user_roles
from maju.site import build_registry, open_database
from tests.sites import Site

ANN = "ann@example.com"


async def _self_owned_user(site: Site) -> dict[str, str]:
    """Ann with role Guest and her own User record: the case the `All` if_owner rule opens."""
    db = open_database(site.config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            await create_user(conn, build_registry(site.config), ANN, roles=("Guest",))
            q = conn.dialect.quote
            await conn.execute(
                f"UPDATE {q('tabUser')} SET {q('owner')} = :u WHERE {q('name')} = :u", {"u": ANN}
            )
    finally:
        await db.disconnect()
    return await site.token_for(ANN)


async def _roles(site: Site) -> frozenset[str]:
    db = open_database(site.config)
    await db.connect()
    try:
        async with db.transaction(read_only=True) as conn:
            return await user_roles(conn, ANN)
    finally:
        await db.disconnect()


def _no_secrets(body: Any) -> None:
    text = str(body)
    for key in ("roles", "api_key", "api_secret", "Has Role"):
        assert key not in text, body


async def test_p6_user_cannot_read_own_roles_or_keys(site: Site) -> None:
    ann = await _self_owned_user(site)
    r = await site.client.get(f"/api/resource/User/{ANN}", headers=ann)
    assert r.status_code == 200, r.text
    _no_secrets(r.json()["data"])
    r = await site.client.get("/api/resource/User", params={"fields": '["*"]'}, headers=ann)
    assert r.status_code == 200, r.text
    _no_secrets(r.json()["data"])
    r = await site.client.get(
        "/api/resource/User", params={"fields": '["name", "api_key", "roles.role"]'}, headers=ann
    )
    assert r.status_code in (200, 417), r.text
    _no_secrets(r.json().get("data"))
    r = await site.client.get(
        "/api/method/frappe.client.get", params={"doctype": "User", "name": ANN}, headers=ann
    )
    assert r.status_code == 200, r.text
    _no_secrets(r.json()["message"])
    r = await site.client.get(
        "/api/method/frappe.client.get_value",
        params={
            "doctype": "User",
            "fieldname": '["api_key", "enabled", "user_type"]',
            "filters": ANN,
        },
        headers=ann,
    )
    assert r.status_code in (200, 417), r.text
    _no_secrets(r.json().get("message"))
    assert "enabled" not in str(r.json().get("message")), r.text
    r = await site.client.get(
        "/api/resource/User", params={"filters": '[["api_key", "is", "set"]]'}, headers=ann
    )
    assert r.status_code == 417, r.text


async def test_p6_user_cannot_grant_self_roles_by_put(site: Site) -> None:
    ann = await _self_owned_user(site)
    r = await site.client.put(
        f"/api/resource/User/{ANN}",
        json={
            "roles": [{"role": "System Manager"}],
            "user_type": "Website User",
            "enabled": 0,
            "first_name": "Ann",
        },
        headers=ann,
    )
    assert r.status_code == 200, r.text
    assert "System Manager" not in await _roles(site)
    me = await site.client.get(f"/api/resource/User/{ANN}", headers=site.admin_headers)
    data = me.json()["data"]
    assert data["first_name"] == "Ann"
    assert data["user_type"] == "System User" and data["enabled"] == 1


async def test_p6_user_cannot_grant_self_roles_by_client_methods(site: Site) -> None:
    ann = await _self_owned_user(site)
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            "set_value",
            {
                "doctype": "User",
                "name": ANN,
                "fieldname": "roles",
                "value": [{"role": "System Manager"}],
            },
        ),
        (
            "set_value",
            {"doctype": "User", "name": ANN, "fieldname": {"roles": [{"role": "System Manager"}]}},
        ),
        (
            "insert",
            {
                "doc": {
                    "doctype": "Has Role",
                    "parenttype": "User",
                    "parent": ANN,
                    "parentfield": "roles",
                    "role": "System Manager",
                }
            },
        ),
        (
            "save",
            {
                "doc": {
                    "doctype": "User",
                    "name": ANN,
                    "email": ANN,
                    "roles": [{"role": "System Manager"}],
                }
            },
        ),
    ]
    for method, body in calls:
        r = await site.client.post(f"/api/method/frappe.client.{method}", json=body, headers=ann)
        assert r.status_code < 500, (method, r.text)
        assert "System Manager" not in await _roles(site), (method, r.text)
    # her existing Guest row cannot be rewritten into System Manager either
    admin_view = await site.client.get(f"/api/resource/User/{ANN}", headers=site.admin_headers)
    row = admin_view.json()["data"]["roles"][0]["name"]
    r = await site.client.post(
        "/api/method/frappe.client.set_value",
        json={"doctype": "Has Role", "name": row, "fieldname": "role", "value": "System Manager"},
        headers=ann,
    )
    assert r.status_code < 500, r.text
    assert "System Manager" not in await _roles(site), r.text


async def test_p6_user_cannot_delete_own_role_rows(site: Site) -> None:
    """Issue 10 item 11: `frappe.client.delete` of a Has Role row obeys `User.roles`' permlevel
    1, which Ann cannot read: the row is unknown to her (404) and stays."""
    ann = await _self_owned_user(site)
    admin_view = await site.client.get(f"/api/resource/User/{ANN}", headers=site.admin_headers)
    row = admin_view.json()["data"]["roles"][0]["name"]
    target = {"doctype": "Has Role", "name": row}
    r = await site.client.post("/api/method/frappe.client.delete", json=target, headers=ann)
    assert r.status_code == 404 and r.json()["exc_type"] == "DoesNotExistError", r.text
    r = await site.client.get(f"/api/resource/User/{ANN}", headers=site.admin_headers)
    assert [role["name"] for role in r.json()["data"]["roles"]] == [row]
    r = await site.client.post(
        "/api/method/frappe.client.delete", json=target, headers=site.admin_headers
    )
    assert r.status_code == 200, r.text
    r = await site.client.get(f"/api/resource/User/{ANN}", headers=site.admin_headers)
    assert r.json()["data"]["roles"] == []


async def test_p6_system_manager_still_manages_roles(site: Site) -> None:
    await _self_owned_user(site)
    db = open_database(site.config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            await create_user(
                conn, build_registry(site.config), "sm@example.com", roles=("System Manager",)
            )
    finally:
        await db.disconnect()
    sm = await site.token_for("sm@example.com")
    r = await site.client.put(
        f"/api/resource/User/{ANN}", json={"roles": [{"role": "System Manager"}]}, headers=sm
    )
    assert r.status_code == 200, r.text
    assert "System Manager" in await _roles(site)


async def test_p6_roles_unreadable_through_child_listing_and_filters(site: Site) -> None:
    """P6/P7/L15/L22: a permlevel-1 Table keeps its rows out of child listings, joins and
    child-field filters, even on the caller's own (self-owned) User record."""
    ann = await _self_owned_user(site)
    child = {"parent": "User", "fields": '["role", "parent"]'}
    r = await site.client.get("/api/resource/Has Role", params=child, headers=ann)
    assert r.status_code == 403, r.text
    r = await site.client.get(
        "/api/method/frappe.client.get_list", params={"doctype": "Has Role", **child}, headers=ann
    )
    assert r.status_code == 403, r.text
    for filters in ('[["Has Role", "role", "=", "Guest"]]', '[["role", "=", "Guest"]]'):
        r = await site.client.get("/api/resource/User", params={"filters": filters}, headers=ann)
        assert r.status_code == 417, r.text
        assert r.json()["exc_type"] == "DataError"
    r = await site.client.get(
        "/api/resource/User", params={"fields": '["name", "roles.role"]'}, headers=ann
    )
    assert r.status_code == 200 and "Guest" not in r.text, r.text
    # a System Manager still reads them
    r = await site.client.get("/api/resource/Has Role", params=child, headers=site.admin_headers)
    assert r.status_code == 200 and "Guest" in r.text, r.text


BAD_NAMES = [
    "",
    "   ",
    "ann",
    "a b@example.com",
    "<script>@example.com",
    "ann@exa<mple.com",
    "a\x01b@example.com",
    "ann\t@example.com",
    "ann@example",
    "x" * 130 + "@example.com",
]


async def test_p4_user_names_must_be_email_addresses(site: Site) -> None:
    """Issue 10 item 13: the API (as `maju add-user`) refuses empty or malformed user names,
    including through an email change; User cannot be renamed at all."""
    admin = site.admin_headers
    for bad in BAD_NAMES:
        r = await site.client.post("/api/resource/User", json={"email": bad}, headers=admin)
        assert r.status_code == 417, (bad, r.text)
        assert r.json()["exc_type"] in (  # all ValidationError or a subclass (E11)
            "ValidationError",
            "MandatoryError",
            "CharacterLengthExceededError",
        ), (bad, r.text)
        r = await site.client.post(
            "/api/method/frappe.client.insert",
            json={"doc": {"doctype": "User", "email": bad}},
            headers=admin,
        )
        assert r.status_code == 417, (bad, r.text)
    r = await site.client.post(
        "/api/resource/User", json={"email": "<b>@example.com"}, headers=admin
    )
    assert "is not a valid user name" in r.text
    rows = await site.client.get(
        "/api/resource/User", params={"fields": '["name"]', "limit": "0"}, headers=admin
    )
    assert sorted(row["name"] for row in rows.json()["data"]) == ["Administrator", "Guest"]
    # A valid one is created; changing its email to a bad one is refused as well.
    r = await site.client.post(
        "/api/resource/User", json={"email": "cara@example.com"}, headers=admin
    )
    assert r.status_code == 200 and r.json()["data"]["name"] == "cara@example.com", r.text
    for bad in ("a\x01b@example.com", "<b>@example.com", "x" * 141):
        r = await site.client.put(
            "/api/resource/User/cara@example.com", json={"email": bad}, headers=admin
        )
        assert r.status_code == 417, (bad, r.text)
    r = await site.client.post(
        "/api/method/frappe.client.rename_doc",
        json={"doctype": "User", "old_name": "cara@example.com", "new_name": ""},
        headers=admin,
    )
    assert r.status_code == 417, r.text


async def _identity_without_name(site: Site, name: str) -> dict[str, str]:
    """A User row named `name` written straight to the table (as an older maju's `add-user ""`
    did) and a key pair for it: the row conditions must not trust such an identity."""
    db = open_database(site.config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            q = conn.dialect.quote
            await conn.execute(
                f"INSERT INTO {q('tabUser')} ({q('name')}, {q('email')}, {q('enabled')}, "
                f"{q('owner')}, {q('creation')}, {q('modified')}, {q('modified_by')}, "
                f"{q('docstatus')}, {q('idx')}) VALUES (:n, :n, 1, 'Administrator', "
                f"'2024-01-01 00:00:00', '2024-01-01 00:00:00', 'Administrator', 0, 0)",
                {"n": name},
            )
    finally:
        await db.disconnect()
    return await site.token_for(name)


async def test_p4_p5_empty_identity_never_matches_unset_fields(site: Site) -> None:
    """Issue 10 item 13: a user with an empty (or blank) name listed Administrator's ToDos,
    whose `allocated_to`/`assigned_by` were unset (L18: `= ""` matches NULL). An empty
    identity now opens no row, in listings, counts, get_value and single reads alike."""
    admin = site.admin_headers
    r = await site.client.post("/api/resource/ToDo", json={"description": "admin's"}, headers=admin)
    assert r.status_code == 200, r.text
    todo = r.json()["data"]["name"]
    for name in ("", " "):
        headers = await _identity_without_name(site, name)
        r = await site.client.get("/api/resource/ToDo", params={"fields": '["*"]'}, headers=headers)
        assert r.status_code == 200 and r.json()["data"] == [], (name, r.text)
        r = await site.client.get(
            "/api/method/frappe.client.get_count", params={"doctype": "ToDo"}, headers=headers
        )
        assert r.json() == {"message": 0}, (name, r.text)
        r = await site.client.get(
            "/api/method/frappe.client.get_value",
            params={"doctype": "ToDo", "fieldname": "description"},
            headers=headers,
        )
        assert r.json().get("message") in (None, {}), (name, r.text)
        r = await site.client.get(f"/api/resource/ToDo/{todo}", headers=headers)
        assert r.status_code == 403, (name, r.text)
        # Nor are rows whose fields hold the same empty value opened by it.
        await site.client.put(
            f"/api/resource/ToDo/{todo}", json={"allocated_to": None}, headers=admin
        )
        r = await site.client.get("/api/resource/ToDo", headers=headers)
        assert r.json()["data"] == [], (name, r.text)
        await site.client.delete(f"/api/resource/User/{name}", headers=admin)
