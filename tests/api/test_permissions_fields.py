"""Field levels (P6), child tables (P7) and counts (P8) on `Secret Note` (tests/auth/apps).

`Secret Note`: level 0 for System Manager (all) and All (if_owner); `salary` at level 1 is read
by Auditor and System Manager (who may also write it); `review` at level 2 is Reviewer's alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.accounts import add_user
from tests.auth.conftest import AUTH_ROOT
from tests.sites import Site, open_site

NOTE = "/api/resource/Secret Note"


@dataclass
class Notes:
    site: Site
    ann: dict[str, str]
    auditor: dict[str, str]
    reviewer: dict[str, str]
    sm: dict[str, str]

    async def get(self, headers: dict[str, str], path: str = NOTE, **params: str) -> httpx.Response:
        return await self.site.client.get(path, params=params, headers=headers)


@pytest.fixture
async def notes(backend: str, tmp_path: Path) -> AsyncIterator[Notes]:
    async with open_site(
        backend, tmp_path, site={"apps": ("authtest",)}, root=str(AUTH_ROOT)
    ) as site:
        admin = site.admin_headers
        for role in ("Auditor", "Reviewer"):
            r = await site.client.post(
                "/api/resource/Role", json={"role_name": role}, headers=admin
            )
            assert r.status_code == 200, r.text
        users = {
            "ann": (),
            "auditor": ("Auditor",),
            "reviewer": ("Reviewer",),
            "sm": ("System Manager",),
        }
        headers = {}
        for user, roles in users.items():
            await add_user(site.config, f"{user}@example.com", roles=roles)
            headers[user] = await site.token_for(f"{user}@example.com")
        world = Notes(site, **headers)
        r = await site.client.post(
            NOTE,
            headers=world.ann,
            json={
                "title": "ann-note",
                "amount": 5,
                "salary": 100,
                "review": "sneaky",
                "items": [{"label": "a"}, {"label": "b"}],
            },
        )
        assert r.status_code == 200, r.text
        r = await site.client.post(
            NOTE,
            headers=world.sm,
            json={
                "title": "sm-note",
                "amount": 7,
                "salary": 900,
                "review": "ignored",
                "items": [{"label": "secret"}],
            },
        )
        assert r.status_code == 200, r.text
        r = await site.client.post(
            NOTE, headers=world.reviewer, json={"title": "rev-note", "amount": 1, "review": "first"}
        )
        assert r.status_code == 200, r.text
        yield world


async def _doc(n: Notes, headers: dict[str, str], name: str) -> dict[str, Any]:
    r = await n.get(headers, f"{NOTE}/{name}")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


async def test_p6_unreadable_fields_left_out_of_documents(notes: Notes) -> None:
    n = notes
    ann = await _doc(n, n.ann, "ann-note")
    assert ann["amount"] == 5 and "salary" not in ann and "review" not in ann
    auditor = await _doc(n, n.auditor, "sm-note")
    assert auditor["salary"] == 900 and "review" not in auditor
    admin = await _doc(n, n.site.admin_headers, "sm-note")
    assert admin["salary"] == 900
    reviewer = await _doc(n, n.reviewer, "rev-note")
    assert reviewer["review"] == "first" and "salary" not in reviewer
    r = await n.site.client.get(
        "/api/method/frappe.client.get",
        headers=n.ann,
        params={"doctype": "Secret Note", "name": "ann-note"},
    )
    assert r.status_code == 200
    assert "salary" not in r.json()["message"] and "review" not in r.json()["message"]


async def test_p6_unwritable_values_are_ignored(notes: Notes) -> None:
    n = notes
    admin = await _doc(n, n.site.admin_headers, "ann-note")
    assert admin["salary"] == 0 and "review" not in admin  # ann's values were dropped
    assert (await _doc(n, n.site.admin_headers, "sm-note"))["salary"] == 900
    r = await n.site.client.put(
        f"{NOTE}/ann-note", json={"salary": 5000, "amount": 6}, headers=n.ann
    )
    assert r.status_code == 200, r.text
    admin = await _doc(n, n.site.admin_headers, "ann-note")
    assert admin["salary"] == 0 and admin["amount"] == 6
    r = await n.site.client.put(f"{NOTE}/rev-note", json={"review": "second"}, headers=n.reviewer)
    assert r.status_code == 200
    assert (await _doc(n, n.reviewer, "rev-note"))["review"] == "second"


async def test_p6_listing_star_and_explicit_fields(notes: Notes) -> None:
    n = notes
    r = await n.get(n.ann, fields='["*"]')
    [row] = r.json()["data"]
    assert row["name"] == "ann-note" and "salary" not in row and "review" not in row
    assert "amount" in row
    r = await n.get(n.ann, fields='["name", "salary", "review", "amount"]')
    assert r.json()["data"] == [{"name": "ann-note", "amount": 5}]
    r = await n.get(n.auditor, fields='["name", "salary"]', order_by="name asc")
    assert r.json()["data"] == [
        {"name": "ann-note", "salary": 0},
        {"name": "rev-note", "salary": 0},
        {"name": "sm-note", "salary": 900},
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"filters": '[["salary", ">", 0]]'},
        {"filters": '{"salary": 900}'},
        {"or_filters": '[["salary", "=", 900], ["amount", "=", 5]]'},
        {"order_by": "salary desc"},
        {"order_by": "amount asc, `tabSecret Note`.`salary` desc"},
        {"group_by": "salary", "fields": '["count(name) as n"]'},
    ],
)
async def test_p6_unreadable_fields_are_unknown_in_queries(
    notes: Notes, params: dict[str, str]
) -> None:
    r = await notes.get(notes.ann, **params)
    assert r.status_code == 417, r.text
    body = r.json()
    assert body["exc_type"] == "DataError"
    assert "Field not permitted in query" in body["exception"]
    assert "salary" in body["exception"]
    r = await notes.get(notes.auditor, **params)
    assert r.status_code == 200, r.text


async def test_p6_aggregates_of_unreadable_fields_are_dropped(notes: Notes) -> None:
    """P6: dropped silently from `fields`, like the plain field: no value leaks."""
    for fields in ('["sum(salary) as total", "amount"]', '["max(salary)", "amount"]'):
        r = await notes.get(notes.ann, fields=fields)
        assert r.status_code == 200, r.text
        assert "900" not in r.text and "salary" not in r.text
    r = await notes.get(notes.auditor, fields='["sum(salary) as total"]')
    assert r.json()["data"] == [{"total": 900}]


async def test_p8_counts_apply_p5_and_p6(notes: Notes) -> None:
    n = notes
    count = "/api/method/frappe.client.get_count"
    r = await n.get(n.ann, count, doctype="Secret Note")
    assert r.json() == {"message": 1}
    r = await n.get(n.auditor, count, doctype="Secret Note")
    assert r.json() == {"message": 3}
    r = await n.get(n.ann, count, doctype="Secret Note", filters='{"salary": 900}')
    assert r.status_code == 417
    r = await n.get(n.ann, with_count="1", filters='{"salary": 900}')
    assert r.status_code == 417
    r = await n.get(n.ann, with_count="1")
    assert r.json()["count"] == 1
    r = await n.get({}, count, doctype="Secret Note")
    assert r.status_code == 403


async def test_p7_child_rows_follow_the_parent(notes: Notes) -> None:
    n = notes
    items = "/api/resource/Secret Note Item"
    r = await n.get(n.ann, items, parent="Secret Note", fields='["label"]', order_by="label asc")
    assert r.status_code == 200, r.text
    assert r.json()["data"] == [{"label": "a"}, {"label": "b"}]  # not the System Manager's
    r = await n.get(
        n.auditor, items, parent="Secret Note", fields='["label"]', order_by="label asc"
    )
    assert [row["label"] for row in r.json()["data"]] == ["a", "b", "secret"]
    r = await n.get(n.ann, items, fields='["label"]')  # no parent
    assert r.status_code == 403
    r = await n.get({}, items, parent="Secret Note")
    assert r.status_code == 403
    ann = await _doc(n, n.ann, "ann-note")
    assert [row["label"] for row in ann["items"]] == ["a", "b"]
    r = await n.get(n.ann, fields='["name", "items.label"]', order_by="name asc")
    assert r.status_code == 200, r.text
    assert {row["label"] for row in r.json()["data"]} == {"a", "b"}
    r = await n.get(n.ann, filters='[["Secret Note Item", "label", "=", "secret"]]')
    assert r.json()["data"] == []


async def test_p6_p7_client_delete_of_a_child_row_obeys_its_table_permlevel(
    notes: Notes,
) -> None:
    """Issue 10 item 11: `frappe.client.delete` of a row of `Sealed Note.entries` (a permlevel-1
    Table) needs write at level 1, as set_value and insert do. Without read there the row is
    unknown (404); with read only, 403; either way it stays. Level 0 write (All) is not enough."""
    n = notes
    client, delete = n.site.client, "/api/method/frappe.client.delete"
    sealed = "/api/resource/Sealed Note"
    body = {"title": "sealed", "entries": [{"label": "keep"}, {"label": "drop"}]}
    r = await client.post(sealed, json=body, headers=n.sm)
    assert r.status_code == 200, r.text
    rows = {row["label"]: row["name"] for row in r.json()["data"]["entries"]}

    async def labels() -> list[str]:
        r = await client.get(f"{sealed}/sealed", headers=n.site.admin_headers)
        return sorted(row["label"] for row in r.json()["data"]["entries"])

    target = {"doctype": "Secret Note Item", "name": rows["drop"]}
    r = await client.post(delete, json=target, headers=n.ann)
    assert r.status_code == 404 and r.json()["exc_type"] == "DoesNotExistError", r.text
    r = await client.post(delete, json=target, headers=n.auditor)
    assert r.status_code == 403 and r.json()["exc_type"] == "PermissionError", r.text
    r = await client.request("DELETE", delete, params=target, headers=n.auditor)
    assert r.status_code == 403, r.text
    assert await labels() == ["drop", "keep"]
    # set_value by the same users leaves the rows alone too (P6: unwritable values ignored).
    r = await client.post(
        "/api/method/frappe.client.set_value",
        json={**target, "fieldname": "label", "value": "changed"},
        headers=n.auditor,
    )
    assert r.status_code == 200 and await labels() == ["drop", "keep"], r.text
    # Level-1 write (System Manager) deletes it; a level-0 table (Secret Note.items) needs none.
    r = await client.post(delete, json=target, headers=n.sm)
    assert r.status_code == 200 and r.json() == {}, r.text
    assert await labels() == ["keep"]
    ann = await _doc(n, n.ann, "ann-note")
    row = next(item["name"] for item in ann["items"] if item["label"] == "b")
    r = await client.post(delete, json={"doctype": "Secret Note Item", "name": row}, headers=n.ann)
    assert r.status_code == 200, r.text
    assert [item["label"] for item in (await _doc(n, n.ann, "ann-note"))["items"]] == ["a"]
