"""E15/S2: a NUL character in a name or a key is a client mistake (PostgreSQL text cannot hold
one), so it answers 4xx on both databases, never a 500 carrying the driver's exception."""

from __future__ import annotations

from typing import Any

from tests.sites import Site


async def test_e15_nul_in_names_and_keys_is_a_client_error(site: Site) -> None:
    h = site.admin_headers
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/api/resource/ToDo/a%00b", {}),
        ("PUT", "/api/resource/ToDo/a%00b", {"json": {"status": "Open"}}),
        ("DELETE", "/api/resource/ToDo/a%00b", {}),
        ("GET", "/api/method/frappe.client.get", {"params": {"doctype": "ToDo", "name": "a\x00b"}}),
        (
            "GET",
            "/api/method/frappe.client.has_permission",
            {"params": {"doctype": "ToDo", "docname": "a\x00b"}},
        ),
        (
            "POST",
            "/api/method/frappe.client.delete",
            {"json": {"doctype": "ToDo", "name": "a\x00b"}},
        ),
        (
            "POST",
            "/api/method/frappe.client.rename_doc",
            {"json": {"doctype": "Role", "old_name": "a\x00b", "new_name": "x"}},
        ),
    ]
    for method, url, kw in calls:
        r = await site.client.request(method, url, headers=h, **kw)
        assert 400 <= r.status_code < 500, (method, url, r.text)
        assert "CharacterNotInRepertoire" not in r.text and "byte sequence" not in r.text
    # A7: a malformed key pair is 401, before any lookup
    r = await site.client.get(
        "/api/method/frappe.auth.get_logged_user", headers={"Authorization": "token a\x00:b"}
    )
    assert r.status_code == 401, r.text
    assert r.json()["exc_type"] == "AuthenticationError"
