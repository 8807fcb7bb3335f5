"""S12: `api.max_child_rows` rows per Table field and 200 entries per bulk call (issue 10 item 9).

One POST of a ToDo with 50,000 checklist rows took 23 s and held every other write that long;
`bulk_update` had no cap. Each refusal comes before the work: before one row is coerced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_client_methods import call
from tests.api.test_documents import TODO, assert_error
from tests.auth.accounts import fetch_all
from tests.sites import Site, open_site

CAP = 3
TOO_MANY = f"Checklist can hold at most {CAP} rows, got {CAP + 1}"


@pytest.fixture
async def capped(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_site(backend, tmp_path, api={"max_child_rows": CAP}) as running:
        yield running


def rows(count: int) -> list[dict[str, Any]]:
    return [{"item": f"i{n}"} for n in range(count)]


async def stored_rows(site: Site) -> int:
    found = await fetch_all(site.config, 'SELECT COUNT(*) AS n FROM "tabToDo Checklist Item"')
    return int(found[0]["n"])


async def test_s12_child_rows_capped_on_create_and_update(capped: Site) -> None:
    h = capped.admin_headers
    r = await capped.client.post(TODO, json={"description": "x", "checklist": rows(4)}, headers=h)
    assert_error(r, 417, "ValidationError", TOO_MANY)
    r = await capped.client.post(TODO, json={"description": "x", "checklist": rows(3)}, headers=h)
    assert r.status_code == 200, r.text
    name = r.json()["data"]["name"]
    r = await capped.client.put(f"{TODO}/{name}", json={"checklist": rows(4)}, headers=h)
    assert_error(r, 417, "ValidationError", TOO_MANY)
    assert await stored_rows(capped) == 3


async def test_s12_child_rows_capped_through_frappe_client(capped: Site) -> None:
    r = await call(
        capped, "insert", doc={"doctype": "ToDo", "description": "x", "checklist": rows(4)}
    )
    assert_error(r, 417, "ValidationError", TOO_MANY)
    r = await call(
        capped, "insert", doc={"doctype": "ToDo", "description": "x", "checklist": rows(3)}
    )
    assert r.status_code == 200, r.text
    doc = r.json()["message"]
    for method, params in (
        ("save", {"doc": {**doc, "checklist": rows(4)}}),
        (
            "set_value",
            {"doctype": "ToDo", "name": doc["name"], "fieldname": "checklist", "value": rows(4)},
        ),
        (
            "set_value",
            {"doctype": "ToDo", "name": doc["name"], "fieldname": {"checklist": rows(4)}},
        ),
        (
            "insert",
            {
                "doc": {
                    "doctype": "ToDo Checklist Item",
                    "item": "one more",
                    "parenttype": "ToDo",
                    "parent": doc["name"],
                    "parentfield": "checklist",
                }
            },
        ),
        ("insert_many", {"docs": [{"doctype": "ToDo", "description": "y", "checklist": rows(4)}]}),
    ):
        r = await call(capped, method, **params)
        assert_error(r, 417, "ValidationError", TOO_MANY)
    r = await call(
        capped,
        "bulk_update",
        docs=[{"doctype": "ToDo", "docname": doc["name"], "checklist": rows(4)}],
    )
    assert r.json()["message"]["failed_docs"][0]["exc"] == f"ValidationError: {TOO_MANY}"
    assert await stored_rows(capped) == 3


async def test_s12_default_cap_refuses_before_coercing_a_row(site: Site) -> None:
    """10,001 rows that would each fail coercion: the count answers, not row 1's value."""
    bad_rows = [{"item": "x", "done": "not a check"}] * 10_001
    r = await site.client.post(
        TODO, json={"description": "x", "checklist": bad_rows}, headers=site.admin_headers
    )
    assert_error(r, 417, "ValidationError", "Checklist can hold at most 10000 rows, got 10001")
    r = await site.client.post(
        TODO, json={"description": "x", "checklist": bad_rows[:2]}, headers=site.admin_headers
    )
    assert_error(r, 417, "ValidationError", "Invalid value for Done: 'not a check'")


async def test_s12_m10_bulk_update_and_insert_many_take_200_entries(site: Site) -> None:
    r = await call(site, "bulk_update", docs=[{"doctype": "ToDo", "docname": "x"}] * 201)
    assert_error(r, 417, "ValidationError", "Only 200 updates allowed in one request")
    r = await call(site, "bulk_update", docs=[{"doctype": "ToDo", "docname": "x"}] * 200)
    assert r.status_code == 200 and len(r.json()["message"]["failed_docs"]) == 200
    r = await call(site, "insert_many", docs=[{"doctype": "ToDo", "description": "x"}] * 201)
    assert_error(r, 417, "ValidationError", "Only 200 inserts allowed in one request")
