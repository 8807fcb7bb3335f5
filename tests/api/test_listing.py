"""GET /api/resource/{dt} through the app on both databases: L1-L13, L20, L22, L23, X2, P5."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.query.seeding import add_user, insert, todo
from tests.sites import Site, open_site

LIST = "/api/resource/ToDo"


def assert_error(r: httpx.Response, status: int, exc_type: str, message: str) -> None:
    """E9: the status, the class and the message (never SQL or a traceback).

    A 404 carries neither `exception` nor `exc`: its message is in `_server_messages` (E10).
    """
    assert r.status_code == status, r.text
    body = r.json()
    assert body["exc_type"] == exc_type
    if status == 404:
        assert "exception" not in body and "exc" not in body, body
        messages = [orjson.loads(m) for m in orjson.loads(body["_server_messages"])]
        assert [m["message"] for m in messages] == [message]
        return
    assert body["exception"] == f"{exc_type}: {message}"
    assert orjson.loads(body["exc"]) == [body["exception"]]


async def get(
    site: Site,
    params: dict[str, Any] | None = None,
    *,
    path: str = LIST,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await site.client.get(
        path, params=params, headers=site.admin_headers if headers is None else headers
    )


async def seed_three(site: Site) -> list[str]:
    """Three ToDos, oldest first (the default sort is modified desc)."""
    return await insert(
        site,
        "ToDo",
        [
            todo("Buy milk", priority="High", date=dt.date(2024, 1, 10)),
            todo("Call Ann", status="Closed", priority="Low"),
            todo("Write report", date=dt.date(2024, 2, 20)),
        ],
    )


async def test_l1_response_rows_keep_nulls_and_types(site: Site) -> None:
    a, b, c = await seed_three(site)
    r = await get(
        site,
        {
            "fields": '["name","status","date","idx","creation"]',
            "filters": '[["status","=","Open"]]',
            "order_by": "modified desc",
            "limit": "2",
        },
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json() == {
        "data": [
            {
                "name": c,
                "status": "Open",
                "date": "2024-02-20",
                "idx": 0,
                "creation": r.json()["data"][0]["creation"],
            },
            {
                "name": a,
                "status": "Open",
                "date": "2024-01-10",
                "idx": 0,
                "creation": r.json()["data"][1]["creation"],
            },
        ]
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", r.json()["data"][0]["creation"])
    r = await get(site, {"fields": '["name","date"]', "filters": '{"name": "' + b + '"}'})
    assert r.json() == {"data": [{"name": b, "date": None}]}  # L1: nulls stay
    r = await get(site, {"filters": '{"status": "Cancelled"}'})
    assert r.json() == {"data": []}


async def test_l2_unknown_parameters_and_ignored_ones(site: Site) -> None:
    await seed_three(site)
    assert_error(
        await get(site, {"doctype": "ToDo"}), 400, "BadRequestError", "Unknown parameter: doctype"
    )
    assert_error(
        await get(site, {"limit": "1", "fielsd": "[]"}),
        400,
        "BadRequestError",
        "Unknown parameter: fielsd",
    )
    r = await get(site, {"_": "123", "cmd": "x", "sid": "y", "csrf_token": "z", "limit": 1})
    assert r.status_code == 200 and len(r.json()["data"]) == 1


async def test_l3_l4_fields_forms_and_star(site: Site) -> None:
    *_, c = await seed_three(site)
    star = [
        "name",
        "owner",
        "creation",
        "modified",
        "modified_by",
        "docstatus",
        "idx",
        "status",
        "priority",
        "date",
        "allocated_to",
        "description",
        "reference_type",
        "reference_name",
        "assigned_by",
    ]
    for fields in ("*", '"*"', '["*"]'):
        r = await get(site, {"fields": fields, "limit": 1})
        assert list(r.json()["data"][0]) == star, fields
    for params in ({}, {"fields": ""}, {"fields": "[]"}):
        assert (await get(site, {**params, "limit": 1})).json() == {"data": [{"name": c}]}
    # E6: a JSON body replaces the query string, and real arrays work there.
    r = await site.client.request(
        "GET", LIST, headers=site.admin_headers, json={"fields": ["name", "status"], "limit": 1}
    )
    assert r.json() == {"data": [{"name": c, "status": "Open"}]}
    for bad in ("name", '{"name": 1}'):
        r = await get(site, {"fields": bad})
        assert_error(r, 417, "DataError", f"fields must be a JSON array of field names, got: {bad}")


async def test_l4_l15_password_fields_are_never_listable(site: Site) -> None:
    r = await get(site, {"fields": "*"}, path="/api/resource/User")
    assert r.status_code == 200 and r.json()["data"]
    assert all("api_secret" not in row and "roles" not in row for row in r.json()["data"])
    assert_error(
        await get(site, {"fields": '["api_secret"]'}, path="/api/resource/User"),
        417,
        "DataError",
        "Field not permitted in query: api_secret",
    )
    assert_error(
        await get(site, {"filters": '{"api_secret": "x"}'}, path="/api/resource/User"),
        417,
        "DataError",
        "Field not permitted in query: api_secret",
    )


async def test_l5_l6_l12_expressions_aggregates_and_group_by(site: Site) -> None:
    a, b, c = await seed_three(site)
    r = await get(
        site,
        {
            "fields": '["status", "count(*)", "COUNT( name ) as n", '
            '"min(date)", "max(`tabToDo`.`date`)", "sum(idx)", "avg(idx)"]',
            "group_by": "status",
            "order_by": "status asc",
        },
    )
    assert r.json() == {
        "data": [
            {
                "status": "Closed",
                "count(*)": 1,
                "n": 1,
                "min(date)": None,
                "max(`tabToDo`.`date`)": None,
                "sum(idx)": 0,
                "avg(idx)": 0.0,
            },
            {
                "status": "Open",
                "count(*)": 2,
                "n": 2,
                "min(date)": "2024-01-10",
                "max(`tabToDo`.`date`)": "2024-02-20",
                "sum(idx)": 0,
                "avg(idx)": 0.0,
            },
        ]
    }
    r = await get(site, {"fields": '["distinct status as s"]', "order_by": "status desc"})
    assert r.json() == {"data": [{"s": "Open"}, {"s": "Closed"}]}
    r = await get(
        site,
        {
            "fields": '["`tabToDo`.`priority`", "status as st"]',
            "order_by": "`tabToDo`.`priority` asc",
        },
    )
    assert r.json()["data"] == [
        {"priority": "High", "st": "Open"},
        {"priority": "Low", "st": "Closed"},
        {"priority": "Medium", "st": "Open"},
    ]
    # An alias never changes what order_by or the default sort mean (L5, L11).
    r = await get(site, {"fields": '["status as modified"]'})
    assert r.json()["data"] == [{"modified": "Open"}, {"modified": "Closed"}, {"modified": "Open"}]
    r = await get(site, {"fields": '["priority as name", "name"]', "order_by": "name desc"})
    assert r.status_code == 200 and [row["name"] for row in r.json()["data"]] == sorted(
        [a, b, c], reverse=True
    )
    assert_error(
        await get(site, {"fields": '["sum(status)"]'}),
        417,
        "DataError",
        "Field not permitted in query: sum(status)",
    )
    assert_error(
        await get(site, {"group_by": "status; drop"}),
        417,
        "DataError",
        "Field not permitted in query: status; drop",
    )


async def test_l7_child_table_fields_left_join(site: Site) -> None:
    a, b, _ = await seed_three(site)
    await insert(
        site,
        "ToDo Checklist Item",
        [
            {
                **todo(),
                "name": f"ci{i}",
                "parent": a,
                "parenttype": "ToDo",
                "parentfield": "checklist",
                "idx": i,
                "item": item,
                "done": done,
            }
            for i, (item, done) in enumerate([("milk", 1), ("bread", 0)], start=1)
        ],
    )
    r = await get(
        site,
        {
            "fields": '["name", "checklist.item", "checklist.done"]',
            "filters": '{"name": ["in", ["' + a + '", "' + b + '"]]}',
            "order_by": "modified asc, `tabToDo Checklist Item`.`idx` asc",
        },
    )
    assert r.json() == {
        "data": [
            {"name": a, "item": "milk", "done": 1},
            {"name": a, "item": "bread", "done": 0},
            {"name": b, "item": None, "done": None},
        ]
    }


async def test_l8_rejected_field_expressions(site: Site) -> None:
    for element in (
        "name; drop table x",
        "(select 1)",
        "upper(name)",
        "name -- x",
        "'name'",
        "name as a b",
        "nope",
        "checklist",
        "allocated_to.full_name",
        "`tabUser`.`name`",
    ):
        assert_error(
            await get(site, {"fields": orjson.dumps([element]).decode()}),
            417,
            "DataError",
            f"Field not permitted in query: {element}",
        )


async def test_l9_l10_paging_and_the_cap(backend: str, tmp_path: Path) -> None:
    async with open_site(
        backend, tmp_path, api={"max_page_length": 5, "default_page_length": 3}
    ) as site:
        names = await insert(site, "ToDo", [todo(f"t{i}") for i in range(8)])
        newest = names[::-1]
        ann = await add_user(site, "ann@example.com")
        await insert(site, "ToDo", [todo(f"ann{i}", owner="ann@example.com") for i in range(7)])

        async def page(params: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
            r = await get(site, params, headers=headers)
            assert r.status_code == 200, r.text
            return [row["name"] for row in r.json()["data"]]

        admin_rows = {"filters": '{"owner": "Administrator"}'}
        assert await page(admin_rows) == newest[:3]  # api.default_page_length
        assert await page({**admin_rows, "limit": "2", "start": "1"}) == newest[1:3]
        assert (
            await page({**admin_rows, "limit": 9, "page_length": 2, "limit_start": 6})
            == newest[6:8]
        )
        assert (
            await page({**admin_rows, "limit_page_length": "4", "limit_start": "", "start": 1})
            == newest[1:5]
        )
        # L10: 0 is no limit for the privileged, the cap for anyone else.
        assert await page({**admin_rows, "limit": "0"}) == newest
        assert await page({**admin_rows, "limit": 0, "start": 2}) == newest[2:]
        assert len(await page({"limit": 0}, ann)) == 5
        assert len(await page({}, ann)) == 3
        assert len(await page({"limit": 5}, ann)) == 5
        assert_error(
            await get(site, {"page_length": "6"}, headers=ann),
            417,
            "DataError",
            "Page size must not exceed 5",
        )
        assert len(await page({"page_length": "8"})) == 8  # privileged: no cap
        for key, value in (
            ("limit", "-1"),
            ("limit_start", "1.5"),
            ("start", "x"),
            ("limit_page_length", "2e2"),
        ):
            assert_error(
                await get(site, {key: value}),
                417,
                "DataError",
                f"{key} must be a non-negative integer, got: {value}",
            )


async def test_l11_order_by(site: Site) -> None:
    a, b, c = await seed_three(site)

    async def order(value: str) -> list[str]:
        r = await get(site, {"order_by": value})
        assert r.status_code == 200, r.text
        return [row["name"] for row in r.json()["data"]]

    assert await order("") == [c, b, a]  # the DocType's sort_field/sort_order
    assert await order("modified") == [a, b, c]
    assert await order("modified ASC") == [a, b, c]
    assert await order("priority desc") == [c, b, a]
    assert await order("status asc, `tabToDo`.`modified` desc") == [b, c, a]
    for bad in ("modified desc; drop table x", "rand()", "status desc desc", "1"):
        assert_error(
            await get(site, {"order_by": bad}), 417, "DataError", f"Invalid order_by item: {bad}"
        )
    assert_error(
        await get(site, {"order_by": "modified, secret desc"}),
        417,
        "DataError",
        "Field not permitted in query: secret desc",
    )


async def test_l13_as_dict_false_and_boolean_spellings(site: Site) -> None:
    a, _, c = await seed_three(site)
    for false in ("0", "false", "False", 0, False):
        r = await site.client.request(
            "GET",
            LIST,
            headers=site.admin_headers,
            json={"fields": ["name", "status"], "as_dict": false, "filters": {"status": "Open"}},
        )
        assert r.json() == {"data": [[c, "Open"], [a, "Open"]]}, false
    r = await get(site, {"fields": "*", "as_dict": "0", "limit": 1})
    assert len(r.json()["data"][0]) == 15
    assert (await get(site, {"as_dict": "TRUE", "limit": 1})).json() == {"data": [{"name": c}]}
    assert_error(
        await get(site, {"as_dict": "yes"}),
        417,
        "DataError",
        "as_dict must be true or false, got: yes",
    )
    assert_error(
        await get(site, {"with_count": "2"}),
        417,
        "DataError",
        "with_count must be true or false, got: 2",
    )


async def test_l20_debug_for_the_privileged_only(site: Site) -> None:
    await seed_three(site)
    secret = "needle-value-in-filter"
    r = await get(
        site,
        {
            "limit_start": 1,
            "limit": 1,
            "debug": "True",
            "filters": orjson.dumps({"description": secret}).decode(),
        },
    )
    body = r.json()
    assert r.status_code == 200 and body["data"] == []
    assert body["exc"] == body["_debug_messages"]
    sql, timing = orjson.loads(body["exc"])
    assert sql.startswith('SELECT "name" FROM "tabToDo" WHERE "description" = :p0 ')
    assert secret not in sql  # placeholders, not values
    assert re.fullmatch(r"Execution time: \d+\.\d{3} sec", timing)
    ann = await add_user(site, "ann@example.com")
    r = await get(site, {"debug": "1"}, headers=ann)
    assert r.status_code == 200 and set(r.json()) == {"data"}
    manager = await add_user(site, "boss@example.com", roles=("System Manager",))
    assert "exc" in (await get(site, {"debug": 1}, headers=manager)).json()
    assert set((await get(site, {"debug": "0"})).json()) == {"data"}


async def test_l20_debug_for_anyone_in_developer_mode(backend: str, tmp_path: Path) -> None:
    async with open_site(backend, tmp_path, site={"developer_mode": True}) as site:
        ann = await add_user(site, "ann@example.com")
        r = await get(site, {"debug": "true", "with_count": 1}, headers=ann)
        messages = orjson.loads(r.json()["_debug_messages"])
        assert len(messages) == 2 and '"owner" = :p0' in messages[0]


async def test_l22_child_doctypes_need_a_readable_parent(site: Site) -> None:
    a, b, _ = await seed_three(site)
    ann_headers = await add_user(site, "ann@example.com")
    (mine,) = await insert(site, "ToDo", [todo("ann's", owner="ann@example.com")])
    rows = [
        {
            **todo(),
            "name": f"ci-{parent}",
            "parent": parent,
            "parenttype": "ToDo",
            "parentfield": "checklist",
            "idx": 1,
            "item": f"item of {parent}",
        }
        for parent in (a, b, mine)
    ]
    await insert(site, "ToDo Checklist Item", rows)
    path = "/api/resource/ToDo Checklist Item"
    message = "No permission for ToDo Checklist Item: parent must name a DocType with a Table of it"
    assert_error(await get(site, path=path), 403, "PermissionError", message)
    assert_error(await get(site, {"parent": "User"}, path=path), 403, "PermissionError", message)
    r = await get(
        site,
        {"parent": "ToDo", "fields": '["parent", "item"]', "order_by": "parent"},
        path=path.replace(" ", "%20"),
    )
    assert r.json()["data"] == sorted(
        ({"parent": p, "item": f"item of {p}"} for p in (a, b, mine)), key=lambda row: row["parent"]
    )
    # P5/P7: a user whose ToDo rights are owner-only sees only her parents' rows.
    r = await get(site, {"parent": "ToDo", "fields": '["parent"]'}, path=path, headers=ann_headers)
    assert r.json() == {"data": [{"parent": mine}]}
    r = await get(site, {"parent": "ToDo"}, path=path, headers={})
    assert_error(r, 403, "PermissionError", "No permission for ToDo")


async def test_l23_unknown_doctype_answers_404_for_everyone(site: Site) -> None:
    for headers in (site.admin_headers, {}):
        assert_error(
            await get(site, path="/api/resource/Nope", headers=headers),
            404,
            "DoesNotExistError",
            "DocType Nope not found",
        )
    r = await get(site, path="/api/v1/resource/ToDo/")
    assert r.status_code == 200  # E1, E2


async def test_p5_owner_only_rights_list_own_rows_and_guests_are_refused(site: Site) -> None:
    await seed_three(site)
    ann = await add_user(site, "ann@example.com")
    (mine,) = await insert(site, "ToDo", [todo("ann's", owner="ann@example.com")])
    r = await get(site, {"fields": '["name", "owner"]'}, headers=ann)
    assert r.json() == {"data": [{"name": mine, "owner": "ann@example.com"}]}
    r = await get(site, {"or_filters": '{"owner": "Administrator", "status": "Open"}'}, headers=ann)
    assert r.json() == {"data": [{"name": mine}]}
    assert_error(await get(site, headers={}), 403, "PermissionError", "No permission for ToDo")


async def test_x2_with_count(backend: str, tmp_path: Path) -> None:
    async with open_site(backend, tmp_path, api={"count_cap": 4}) as site:
        names = await insert(site, "ToDo", [todo(f"t{i}") for i in range(6)])
        r = await get(site, {"with_count": "1", "limit": 2})
        assert r.json() == {
            "data": [{"name": names[5]}, {"name": names[4]}],
            "has_next_page": True,
            "count": 4,
            "count_capped": True,
        }
        r = await get(site, {"with_count": True, "limit": 2, "start": 4})
        assert r.json() == {
            "data": [{"name": names[1]}, {"name": names[0]}],
            "has_next_page": False,
            "count": 4,
            "count_capped": True,
        }
        r = await get(
            site,
            {
                "with_count": "true",
                "filters": '[["description", "in", ["t1", "t2", "t3"]]]',
                "limit": 2,
            },
        )
        assert r.json() == {
            "data": [{"name": names[3]}, {"name": names[2]}],
            "has_next_page": True,
            "count": 3,
            "count_capped": False,
        }
        r = await get(site, {"with_count": 1, "start": 9, "filters": '{"status": "Open"}'})
        assert r.json() == {"data": [], "has_next_page": False, "count": 4, "count_capped": True}
        r = await get(
            site, {"with_count": 1, "limit": 0, "fields": '["status"]', "group_by": "status"}
        )
        assert r.json() == {
            "data": [{"status": "Open"}],
            "has_next_page": False,
            "count": 1,
            "count_capped": False,
        }
        ann = await add_user(site, "ann@example.com")
        await insert(site, "ToDo", [todo("ann's", owner="ann@example.com")])
        r = await get(site, {"with_count": 1, "limit": 1, "start": 1}, headers=ann)
        assert r.json() == {"data": [], "has_next_page": False, "count": 1, "count_capped": False}
        assert set((await get(site, {"with_count": "0"})).json()) == {"data"}
