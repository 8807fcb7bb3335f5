"""The public API the client methods call (maju/query/execute.py): list_rows and count_rows with
a real Context on both databases (M10 non-strict parameters, P5, P8, L20, L22, L23)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
import pytest

from maju import errors
from maju.context import Context
from maju.query.execute import count_rows, list_rows
from maju.site import build_registry, open_database
from tests.query.seeding import add_user, insert, todo
from tests.sites import Site


@asynccontextmanager
async def context(site: Site, user: str, roles: frozenset[str]) -> AsyncIterator[Context]:
    """A read-only request Context for `user`, as the endpoint wrapper builds one."""
    db = open_database(site.config)
    await db.connect()
    try:
        async with db.transaction(read_only=True) as conn:
            yield Context(
                user=user,
                roles=roles,
                db=conn,
                read_only=True,
                registry=build_registry(site.config),
                config=site.config,
            )
    finally:
        await db.disconnect()


ADMIN = ("Administrator", frozenset({"Administrator", "All", "Guest"}))
ANN = ("ann@example.com", frozenset({"All", "Guest"}))


async def test_m10_list_rows_non_strict_drops_unknown_keys(site: Site) -> None:
    a, b = await insert(site, "ToDo", [todo("a"), todo("b", status="Closed")])
    async with context(site, *ADMIN) as ctx:
        result = await list_rows(
            ctx,
            "ToDo",
            {
                "doctype": "ToDo",
                "fields": ["name", "status"],
                "filters": {"status": "Open"},
                "whatever": 1,
            },
            strict=False,
        )
        assert result.rows == [{"name": a, "status": "Open"}]
        assert (result.count, result.debug_messages) == (None, None)
        with pytest.raises(errors.BadRequestError, match="Unknown parameter: doctype"):
            await list_rows(ctx, "ToDo", {"doctype": "ToDo"}, strict=True)
        result = await list_rows(
            ctx,
            "ToDo",
            {"fields": '["name"]', "as_dict": False, "debug": True, "order_by": "modified"},
            strict=False,
        )
        assert result.rows == [[a], [b]]
        sql, timing = orjson.loads(result.debug_messages or "")
        assert sql.startswith('SELECT "name" FROM "tabToDo"') and timing.endswith(" sec")


async def test_p8_count_rows_applies_permissions_and_row_conditions(site: Site) -> None:
    await insert(site, "ToDo", [todo("a"), todo("b", status="Closed")])
    (mine,) = await insert(site, "ToDo", [todo("c", owner="ann@example.com")])
    await insert(
        site,
        "ToDo Checklist Item",
        [
            {
                **todo(),
                "name": f"ci{i}",
                "parent": mine,
                "parenttype": "ToDo",
                "parentfield": "checklist",
                "idx": i,
                "item": "x",
            }
            for i in (1, 2)
        ],
    )
    await add_user(site, "ann@example.com")
    async with context(site, *ADMIN) as ctx:
        assert (await count_rows(ctx, "ToDo")).count == 3
        assert (await count_rows(ctx, "ToDo", '{"status": "Open"}')).count == 2
        assert (
            await count_rows(
                ctx, "ToDo", None, [["status", "=", "Closed"], ["owner", "=", "ann@example.com"]]
            )
        ).count == 2
        # A child-table filter joins two rows of one document: still one document.
        joined = await count_rows(ctx, "ToDo", {"item": "x"}, debug=True)
        assert joined.count == 1
        assert "COUNT(DISTINCT" in orjson.loads(joined.debug_messages or "")[0]
        assert (await count_rows(ctx, "ToDo Checklist Item", parent="ToDo")).count == 2
        with pytest.raises(errors.DoesNotExistError, match="DocType Nope not found"):
            await count_rows(ctx, "Nope")
    async with context(site, *ANN) as ctx:
        result = await count_rows(ctx, "ToDo", debug=True)
        assert result.count == 1 and result.debug_messages is None  # L20: not privileged
        with pytest.raises(errors.PermissionError, match="No permission for ToDo Checklist"):
            await count_rows(ctx, "ToDo Checklist Item")
    async with context(site, "Guest", frozenset({"Guest"})) as ctx:
        with pytest.raises(errors.PermissionError, match=r"^No permission for ToDo$"):
            await count_rows(ctx, "ToDo")
