"""S12/E15: the listing caps (issue 10 items 2 and 10), through the app on both databases.

`fields` with 3,000 entries was a 500 ("too many columns in result set"), a LIKE pattern over
50,000 characters a 500 on SQLite ("pattern too complex"), and a 5,000-character pattern over
1 MB of text held a connection for seconds.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_client_methods import call
from tests.api.test_documents import TODO, assert_error
from tests.api.test_listing_filters import names
from tests.query.seeding import insert, todo
from tests.sites import Site


async def get(site: Site, **params: Any) -> Any:
    """GET /api/resource/ToDo with the parameters in a JSON body (too long for a URL)."""
    return await site.client.request("GET", TODO, json=params, headers=site.admin_headers)


async def test_s12_l3_fields_past_500_entries_are_417(site: Site) -> None:
    await insert(site, "ToDo", [todo("one")])
    many = [f"name as n{i}" for i in range(500)]
    r = await get(site, fields=many)
    assert r.status_code == 200 and len(r.json()["data"][0]) == 500, r.text
    for fields in ([*many, "name"], ["*"] * 3000, ["name"] * 3000):
        r = await get(site, fields=fields)
        assert_error(r, 417, "DataError", f"fields may name at most 500 fields, got {len(fields)}")
    r = await call(site, "get_list", doctype="ToDo", fields=["name"] * 501)
    assert_error(r, 417, "DataError", "fields may name at most 500 fields, got 501")
    # `*` twice is the same columns once (it used to multiply the result columns).
    r = await get(site, fields=["*", "*", "name as again"])
    assert r.status_code == 200, r.text
    assert "again" in r.json()["data"][0] and "description" in r.json()["data"][0]


@pytest.mark.parametrize("param", ["order_by", "group_by"])
async def test_s12_l11_l12_order_and_group_items_past_500_are_417(site: Site, param: str) -> None:
    r = await get(site, **{param: ", ".join(["name"] * 500)}, fields=["name"])
    assert r.status_code == 200, r.text
    for text in (", ".join(["name"] * 501), "," * 1_000_000):
        r = await get(site, **{param: text}, fields=["name"])
        assert_error(r, 417, "DataError", f"{param} may name at most 500 items")


async def test_s12_l19_like_pattern_past_1000_characters_is_417(site: Site) -> None:
    hit, _ = await insert(site, "ToDo", [todo("a" * 2000), todo("b")])
    pattern = "%" + "a" * 998 + "%"
    assert await names(site, [["description", "like", pattern]]) == {hit}
    assert await names(site, [["description", "not like", pattern]]) != set()
    for op in ("like", "not like"):
        for size in (1001, 50_001):
            r = await get(site, filters=[["description", op, "%" * size]])
            assert_error(
                r,
                417,
                "DataError",
                f"Pattern for description in filters is too long ({size} characters, at most 1000)",
            )
    r = await call(site, "get_count", doctype="ToDo", or_filters={"status": ["like", "_" * 1001]})
    assert_error(r, 417, "DataError")


async def test_s12_l17_in_list_past_10000_values_is_417(site: Site) -> None:
    first, _ = await insert(site, "ToDo", [todo("in"), todo("out")])
    values = [first, *(f"v{i}" for i in range(9_999))]
    r = await site.client.post(
        "/api/method/frappe.client.get_list",
        json={"doctype": "ToDo", "filters": [["name", "in", values]]},
        headers=site.admin_headers,
    )
    assert r.status_code == 200 and r.json()["message"] == [{"name": first}], r.text
    r = await site.client.post(
        "/api/method/frappe.client.get_list",
        json={"doctype": "ToDo", "filters": [["name", "not in", values]], "limit": 0},
        headers=site.admin_headers,
    )
    assert r.status_code == 200 and len(r.json()["message"]) == 1, r.text
    for op in ("in", "not in"):
        for too_many in ([*values, "one more"], ",".join([*values, "one more"])):
            r = await site.client.post(
                "/api/method/frappe.client.get_list",
                json={"doctype": "ToDo", "filters": [["name", op, too_many]]},
                headers=site.admin_headers,
            )
            assert_error(r, 417, "DataError", "Too many values for name in filters (at most 10000)")
