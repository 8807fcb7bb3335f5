"""Listing filters through the app on both databases: L14-L19, L21 and S1 on real rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from maju.doctype.fields import now
from tests.api.test_listing import assert_error, get
from tests.query.seeding import insert, todo
from tests.sites import Site


async def names(site: Site, filters: Any = None, **params: Any) -> set[str]:
    if filters is not None:
        params["filters"] = filters if isinstance(filters, str) else orjson.dumps(filters).decode()
    r = await get(site, {"limit": 0, **params})
    assert r.status_code == 200, r.text
    return {row["name"] for row in r.json()["data"]}


async def test_l14_filter_forms_through_the_app(site: Site) -> None:
    open_, closed = await insert(site, "ToDo", [todo("a"), todo("b", status="Closed")])
    for form in (
        '{"status": "Open"}',
        '{"status": ["=", "Open"]}',
        '[["status", "=", "Open"]]',
        '[["ToDo", "status", "=", "Open"]]',
        '[{"status": "Open"}]',
        '[["status", "", "Open"]]',
    ):
        assert await names(site, form) == {open_}, form
    for empty in ("[]", "{}", ""):
        assert await names(site, empty) == {open_, closed}
    r = await site.client.request(
        "GET",
        "/api/resource/ToDo",
        headers=site.admin_headers,
        json={"filters": {"status": ["in", ["Closed"]]}},
    )
    assert r.json() == {"data": [{"name": closed}]}
    r = await site.client.request(
        "GET",
        "/api/resource/ToDo",
        headers=site.admin_headers,
        json={"filters": [["status", "=", "Closed"]], "or_filters": []},
    )
    assert r.json() == {"data": [{"name": closed}]}
    assert_error(
        await get(site, {"filters": "status = 'Open'"}),
        417,
        "DataError",
        "Invalid JSON in filters: status = 'Open'",
    )
    assert_error(
        await get(site, {"filters": '[["status", "Open"]]'}),
        417,
        "DataError",
        'Invalid filter in filters: ["status","Open"]',
    )
    assert_error(
        await get(site, {"or_filters": '["1=1"]'}),
        417,
        "DataError",
        "Invalid filter in or_filters: 1=1",
    )


async def test_l15_child_fields_resolve_to_the_child_table(site: Site) -> None:
    a, b = await insert(site, "ToDo", [todo("a"), todo("b")])
    await insert(
        site,
        "ToDo Checklist Item",
        [
            {
                **todo(),
                "parent": a,
                "parenttype": "ToDo",
                "parentfield": "checklist",
                "idx": 1,
                "item": "milk",
                "done": 1,
            }
        ],
    )
    assert await names(site, [["item", "=", "milk"]]) == {a}
    assert await names(site, [["ToDo Checklist Item", "done", "=", 1]]) == {a}
    assert await names(site, [["ToDo Checklist Item", "item", "is", "not set"]]) == {b}
    for bad, field in (
        ('{"nope": 1}', "nope"),
        ('[["ToDo", "item", "=", "x"]]', "item"),
        ('[["User", "email", "=", "x"]]', "User.email"),
    ):
        assert_error(
            await get(site, {"filters": bad}),
            417,
            "DataError",
            f"Field not permitted in query: {field}",
        )


async def test_l16_operators(site: Site) -> None:
    (a,) = await insert(site, "ToDo", [todo("Buy milk")])
    assert await names(site, [["description", "LIKE", "buy%"]]) == {a}
    assert await names(site, [["description", "Not Like", "buy%"]]) == set()
    assert_error(
        await get(site, {"filters": '[["status", "descendants of", "x"]]'}),
        417,
        "DataError",
        "Operator not supported: descendants of",
    )
    r = await get(site, {"filters": '[["status", "~", "x"]]'})
    assert r.status_code == 417
    assert r.json()["exception"].startswith("DataError: Operator must be one of =, !=, >, <")


async def test_l17_values(site: Site) -> None:
    a, b, c = await insert(
        site,
        "ToDo",
        [todo("a", priority="High"), todo("b", priority="Low"), todo("c", priority=None)],
    )
    assert await names(site, [["priority", "in", "High, Low"]]) == {a, b}
    assert await names(site, [["priority", "in", ["High", None]]]) == {a, c}
    assert await names(site, [["priority", "in", []]]) == {c}
    assert await names(site, [["priority", "not in", []]]) == {a, b}
    assert_error(
        await get(site, {"filters": '{"date": "soon"}'}),
        417,
        "DataError",
        "Invalid value for date in filters: 'soon'",
    )
    assert_error(
        await get(site, {"filters": '{"idx": "1.5"}'}),
        417,
        "DataError",
        "Invalid value for idx in filters: '1.5'",
    )


async def test_l18_null_rules(site: Site) -> None:
    r1, r2, r3 = await insert(
        site,
        "ToDo",
        [
            todo("one", priority="High", date=dt.date(2024, 1, 10), reference_type="x"),
            todo("two", priority=None, date=None, reference_type=""),
            todo("three", priority="Low", date=dt.date(2024, 3, 1), reference_type=None),
        ],
    )
    cases: list[tuple[list[Any], set[str]]] = [
        (["priority", "=", "High"], {r1}),
        (["priority", "!=", "High"], {r2, r3}),
        (["reference_type", "=", ""], {r2, r3}),
        (["priority", "like", "%"], {r1, r3}),
        (["priority", "like", ""], {r2}),
        (["priority", "not like", "H%"], {r2, r3}),
        (["priority", "in", ["High"]], {r1}),
        (["priority", "in", ["High", ""]], {r1, r2}),
        (["priority", "not in", ["High"]], {r2, r3}),
        (["priority", ">", "Ha"], {r1, r3}),
        (["priority", ">=", ""], {r1, r2, r3}),
        (["priority", "<", "Ha"], {r2}),
        (["date", ">", "2024-01-01"], {r1, r3}),
        (["date", ">=", "0001-01-01"], {r1, r3}),
        (["date", "<", "2024-02-01"], {r1, r2}),
        (["date", "<=", "0001-01-01"], {r2}),
        (["date", "!=", "2024-01-10"], {r2, r3}),
        (["date", "between", ["2024-01-01", "2024-12-31"]], {r1, r3}),
        (["date", "is", "set"], {r1, r3}),
        (["date", "is", "not set"], {r2}),
        (["reference_type", "is", "set"], {r1}),
        (["reference_type", "is", "not set"], {r2, r3}),
        (["idx", "=", 0], {r1, r2, r3}),
    ]
    for condition, expected in cases:
        assert await names(site, [condition]) == expected, condition


async def test_l19_like_is_case_insensitive_also_beyond_ascii(site: Site) -> None:
    a, b, c = await insert(
        site, "ToDo", [todo("ÉCOLE Über Straße"), todo("Buy milk"), todo("50% off a\\b")]
    )
    assert await names(site, [["description", "like", "%école%"]]) == {a}
    assert await names(site, [["description", "like", "%ÜBER%"]]) == {a}
    assert await names(site, [["description", "like", "buy _ilk"]]) == {b}
    assert await names(site, [["description", "like", "%a\\b"]]) == {c}  # backslash literal
    assert await names(site, [["description", "like", "50\\%%"]]) == set()
    assert await names(site, [["description", "like", "50%"]]) == {c}
    assert await names(site, [["modified", "like", "2024-01-01 09:%"]]) == {a, b, c}
    assert await names(site, [["idx", "like", "0"]]) == {a, b, c}


async def test_l19_between_and_periods_in_the_site_time_zone(site: Site) -> None:
    today = now("UTC").date()
    day = dt.timedelta(days=1)
    monday = today - dt.timedelta(days=today.weekday())
    rows = {
        "today": today,
        "yesterday": today - day,
        "next_week": monday + 7 * day,
        "last_week": monday - 7 * day,
        "old": dt.date(2020, 6, 1),
    }
    created = dict(
        zip(
            rows,
            await insert(site, "ToDo", [todo(k, date=v) for k, v in rows.items()]),
            strict=True,
        )
    )

    async def match(condition: list[Any]) -> set[str]:
        found = await names(site, [condition])
        return {key for key, name in created.items() if name in found}

    assert await match(["date", "timespan", "today"]) == {"today"}
    assert await match(["date", "timespan", "Yesterday"]) == {"yesterday"}
    assert await match(["date", "timespan", "next week"]) == {"next_week"}
    assert await match(["date", "previous", "1 week"]) == {"last_week"}
    assert await match(["date", "next", "1 week"]) == {"next_week"}
    assert "old" not in await match(["date", "timespan", "last year"])
    assert await match(["date", "between", ["2020-01-01", None]]) == {
        "today",
        "yesterday",
        "last_week",
        "old",
    }
    assert await match(["date", "between", [None, None]]) == {"today"}
    # A date-only bound covers the whole day of a Datetime column (seed rows: 2024-01-01).
    assert len(await match(["creation", "between", ["2024-01-01", "2024-01-01"]])) == 5
    assert await match(["creation", "between", ["2023-12-31", "2023-12-31"]]) == set()
    assert await match(["creation", "timespan", "today"]) == set()
    assert_error(
        await get(site, {"filters": '[["date", "timespan", "last decade"]]'}),
        417,
        "DataError",
        "Invalid timespan: last decade",
    )
    assert_error(
        await get(site, {"filters": '[["date", "is", "empty"]]'}),
        417,
        "DataError",
        "Invalid value for date in filters: is takes 'set' or 'not set'",
    )


async def test_l21_or_filters(site: Site) -> None:
    a, b, c = await insert(
        site,
        "ToDo",
        [
            todo("a", priority="High"),
            todo("b", status="Closed", priority="Low"),
            todo("c", status="Closed", priority="High"),
        ],
    )
    assert await names(site, or_filters='[["status", "=", "Open"], ["priority", "=", "Low"]]') == {
        a,
        b,
    }
    assert await names(
        site, '{"priority": "High"}', or_filters='{"status": "Closed", "description": "zzz"}'
    ) == {c}


async def test_s1_values_are_bound_never_spliced(site: Site) -> None:
    await insert(site, "ToDo", [todo("a")])
    for evil in ("x' OR '1'='1", '\'; DROP TABLE "tabToDo"; --', "\\'; SELECT 1; --", "1) OR (1=1"):
        for condition in (
            ["description", "=", evil],
            ["description", "like", evil],
            ["description", "in", [evil]],
            ["status", "in", evil],
        ):
            assert await names(site, [condition]) == set()
        assert_error(
            await get(site, {"order_by": evil}), 417, "DataError", f"Invalid order_by item: {evil}"
        )
    assert len(await names(site)) == 1
