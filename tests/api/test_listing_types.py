"""Listings of the test DocType Gadget (every value type, field levels, two Tables of one child
DocType) and a Single DocType: D6 output types, L6, L7, L23 and P6 through the app."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_listing import assert_error
from tests.api.test_listing import get as get_list
from tests.query.seeding import add_user, insert, open_listtest, standard
from tests.sites import Site

LIST = "/api/resource/Gadget"


@pytest.fixture
async def gsite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_listtest(backend, tmp_path) as running:
        yield running


async def get(
    site: Site,
    params: dict[str, Any] | None = None,
    *,
    path: str = LIST,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await get_list(site, params, path=path, headers=headers)


def gadget(title: str, **values: Any) -> dict[str, Any]:
    return standard(title=title, **values)


async def seed(site: Site) -> list[str]:
    return await insert(
        site,
        "Gadget",
        [
            gadget(
                "Anvil",
                kind="Alpha",
                qty=3,
                price=Decimal("12.50"),
                weight=Decimal("2.25"),
                active=1,
                made_on=dt.date(2024, 2, 29),
                seen_at=dt.datetime(2024, 3, 1, 8, 30),
                alarm=dt.time(7, 5),
                notes="heavy",
                secret_note="s1",
                pin="1234",
            ),
            gadget("Bell", kind="Beta", qty=0, price=Decimal(0), weight=Decimal(0), active=0),
        ],
    )


async def test_d6_l1_values_are_typed_per_field(gsite: Site) -> None:
    await seed(gsite)
    fields = '["title", "qty", "price", "weight", "active", "made_on", "seen_at", "alarm"]'
    r = await get(gsite, {"fields": fields})
    assert r.json() == {
        "data": [
            {
                "title": "Anvil",
                "qty": 3,
                "price": 12.5,
                "weight": 2.25,
                "active": 1,
                "made_on": "2024-02-29",
                "seen_at": "2024-03-01 08:30:00.000000",
                "alarm": "07:05:00",
            },
            {
                "title": "Bell",
                "qty": 0,
                "price": 0.0,
                "weight": 0.0,
                "active": 0,
                "made_on": None,
                "seen_at": None,
                "alarm": None,
            },
        ]
    }


async def test_l4_l6_star_and_aggregate_types(gsite: Site) -> None:
    await seed(gsite)
    r = await get(gsite, {"fields": "*", "limit": 1})
    row = r.json()["data"][0]
    assert "pin" not in row and "parts" not in row and "section_1" not in row
    assert row["secret_note"] == "s1"  # Administrator reads every level
    r = await get(
        gsite,
        {
            "fields": '["sum(qty)", "sum(price) as p", "avg(weight)", '
            '"count(*)", "max(seen_at)", "min(alarm)", "max(made_on)"]'
        },
    )
    assert r.json() == {
        "data": [
            {
                "sum(qty)": 3,
                "p": 12.5,
                "avg(weight)": 1.125,
                "count(*)": 2,
                "max(seen_at)": "2024-03-01 08:30:00.000000",
                "min(alarm)": "07:05:00",
                "max(made_on)": "2024-02-29",
            }
        ]
    }
    for bad in ("sum(title)", "avg(active)", "sum(made_on)"):
        assert_error(
            await get(gsite, {"fields": f'["{bad}"]'}),
            417,
            "DataError",
            f"Field not permitted in query: {bad}",
        )


async def test_l17_l18_numeric_and_time_filters(gsite: Site) -> None:
    await seed(gsite)

    async def titles(filters: str) -> list[str]:
        r = await get(gsite, {"filters": filters, "fields": '["title"]'})
        assert r.status_code == 200, r.text
        return [row["title"] for row in r.json()["data"]]

    assert_error(
        await get(gsite, {"filters": '{"qty": ">2"}'}),
        417,
        "DataError",
        "Invalid value for qty in filters: '>2'",
    )  # a bare value is equality (L14)
    assert await titles('[["qty", ">", "2"]]') == ["Anvil"]
    assert await titles('[["price", ">=", 12.5]]') == ["Anvil"]
    assert await titles('[["weight", "between", [0, 1]]]') == ["Bell"]
    assert await titles('[["active", "=", "true"]]') == ["Anvil"]
    assert await titles('[["qty", "is", "not set"]]') == ["Bell"]
    assert await titles('[["qty", "in", "0, 3"]]') == ["Anvil", "Bell"]
    assert await titles('[["seen_at", ">", "2024-03-01 08:00"]]') == ["Anvil"]
    assert await titles('[["seen_at", "<", "2024-03-01"]]') == ["Bell"]  # NULL as 0001-01-01
    assert await titles('[["alarm", "<", "07:05:01"]]') == ["Anvil", "Bell"]
    assert await titles('[["alarm", ">", "00:00"]]') == ["Anvil"]
    assert await titles('[["made_on", "like", "2024-02%"]]') == ["Anvil"]
    assert await titles('[["seen_at", "like", "%08:30:00.000000"]]') == ["Anvil"]
    assert await titles('[["alarm", "like", "07:05%"]]') == ["Anvil"]
    assert await titles('[["qty", "like", "3"]]') == ["Anvil"]
    # L18: not like includes NULL dates (found by the property test: asyncpg sends
    # 0001-01-01 as -infinity, so the fallback is bound as text outside to_char).
    assert await titles('[["made_on", "not like", "2024-02%"]]') == ["Bell"]
    assert await titles('[["seen_at", "not like", ""]]') == ["Anvil", "Bell"]
    assert await titles('[["alarm", "like", ""]]') == []
    assert_error(
        await get(gsite, {"filters": '[["price", "like", "1%"]]'}),
        417,
        "DataError",
        "Operator like is not supported on price",
    )
    assert_error(
        await get(gsite, {"filters": '{"qty": 99999999999}'}),
        417,
        "DataError",
        "Invalid value for qty in filters: 99999999999",
    )


async def test_l7_l15_two_tables_of_one_child_doctype(gsite: Site) -> None:
    anvil, _ = await seed(gsite)
    await insert(
        gsite,
        "Gadget Part",
        [
            standard(
                parent=anvil, parenttype="Gadget", parentfield="parts", idx=1, part="head", count=1
            ),
            standard(
                parent=anvil,
                parenttype="Gadget",
                parentfield="spares",
                idx=1,
                part="spare",
                count=2,
            ),
        ],
    )
    r = await get(gsite, {"fields": '["title", "parts.part"]', "order_by": "title"})
    assert r.json() == {
        "data": [{"title": "Anvil", "part": "head"}, {"title": "Bell", "part": None}]
    }
    r = await get(
        gsite,
        {
            "fields": '["title", "spares.part as spare", "spares.count"]',
            "filters": '{"title": "Anvil"}',
        },
    )
    assert r.json() == {"data": [{"title": "Anvil", "spare": "spare", "count": 2}]}
    # L15: a filter on the child DocType matches rows of either Table.
    r = await get(gsite, {"filters": '[["Gadget Part", "count", ">", 1]]', "fields": '["title"]'})
    assert r.json() == {"data": [{"title": "Anvil"}]}
    r = await get(gsite, {"filters": '{"part": ["in", ["head", "spare"]]}', "fields": '["title"]'})
    assert r.json() == {"data": [{"title": "Anvil"}, {"title": "Anvil"}]}


async def test_l23_single_doctypes_have_no_list(gsite: Site) -> None:
    assert_error(
        await get(gsite, path="/api/resource/Gadget Settings"),
        417,
        "ValidationError",
        "Gadget Settings is a Single DocType and has no list",
    )


async def test_p6_field_levels(gsite: Site) -> None:
    await seed(gsite)
    reader = await add_user(gsite, "reader@example.com", roles=("Gadget Reader",))
    auditor = await add_user(gsite, "auditor@example.com", roles=("Gadget Auditor",))
    r = await get(gsite, {"fields": "*", "limit": 1}, headers=reader)
    assert "secret_note" not in r.json()["data"][0] and "title" in r.json()["data"][0]
    r = await get(
        gsite,
        {"fields": '["title", "secret_note", "count(secret_note) as n"]', "limit": 1},
        headers=reader,
    )
    assert r.json() == {"data": [{"title": "Anvil"}]}
    for key, value in (
        ("filters", '{"secret_note": "s1"}'),
        ("order_by", "secret_note"),
        ("group_by", "secret_note"),
        ("or_filters", '[["Gadget", "secret_note", "=", "s1"]]'),
    ):
        r = await get(gsite, {key: value}, headers=reader)
        assert r.status_code == 417, (key, r.text)
        assert r.json()["exception"].startswith(
            "DataError: Field not permitted in query: secret_note"
        )
    r = await get(
        gsite,
        {"fields": '["title", "secret_note"]', "filters": '{"secret_note": "s1"}'},
        headers=auditor,
    )
    assert r.json() == {"data": [{"title": "Anvil", "secret_note": "s1"}]}


async def test_p5_if_owner_role(gsite: Site) -> None:
    await seed(gsite)
    owner = await add_user(gsite, "own@example.com", roles=("Gadget Owner",))
    (mine,) = await insert(gsite, "Gadget", [gadget("Mine", owner="own@example.com")])
    r = await get(
        gsite, {"fields": '["name"]', "filters": '{"title": ["like", "%"]}'}, headers=owner
    )
    assert r.json() == {"data": [{"name": mine}]}
    r = await get(gsite, {"with_count": 1}, headers=owner)
    assert r.json()["count"] == 1
