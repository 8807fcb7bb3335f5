"""L11: the default listing is served from an index: a status filter plus the default sort
reads an index in order (SQLite: ToDo's (status, modified) index), with no full scan and no sort
of all rows, on both databases.

bench/explain_listing.py prints the same plans for 100,000 rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from maju.db.connection import Connection
from maju.doctype.tables import doctype_table
from maju.query.compiler import compile_list
from maju.query.params import parse_list_params
from maju.query.scope import QueryScope
from tests.query.seeding import writer
from tests.sites import Site

ROWS = 3000


def pg_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in pg_nodes(child))]


async def explain(conn: Connection, sql: str, params: dict[str, Any]) -> list[str]:
    """The plan as lines: SQLite's details, or PostgreSQL's node types with their index."""
    rows = await conn.fetch_all(conn.dialect.explain(sql), params)
    if conn.dialect.name == "sqlite":
        return [str(r["detail"]) for r in rows]
    (plan,) = orjson.loads(rows[0]["QUERY PLAN"])
    return [f"{n['Node Type']} {n.get('Index Name', '')}".strip() for n in pg_nodes(plan["Plan"])]


async def test_l11_filtered_default_listing_uses_the_status_index(site: Site) -> None:
    start = dt.datetime(2024, 1, 1)
    async with writer(site.config) as (conn, registry):
        meta = registry["ToDo"]
        q = conn.dialect.quote
        for i in range(0, ROWS, 500):
            values, params = [], {}
            for j in range(i, i + 500):
                stamp = start + dt.timedelta(minutes=j)
                values.append(f"(:n{j}, :s{j}, :m{j}, :m{j}, :d{j})")
                params.update(
                    {
                        f"n{j}": f"t{j:05d}",
                        f"s{j}": "Open" if j % 10 == 0 else "Closed",
                        f"m{j}": stamp,
                        f"d{j}": f"task {j}",
                    }
                )
            await conn.execute(
                f"INSERT INTO {q(meta.table_name)} ({q('name')}, {q('status')}, "
                f"{q('creation')}, {q('modified')}, {q('description')}) VALUES "
                + ", ".join(values),
                params,
            )
        await conn.execute(conn.dialect.analyze(meta.table_name))
        scope = QueryScope(
            meta, tuple(registry.child_tables(meta)), frozenset(f.fieldname for f in meta.fields)
        )
        query = parse_list_params(scope, {"filters": '{"status": "Open"}'})
        sql, params = compile_list(query, conn.dialect)
        plan = await explain(conn, sql, params)
        rows = await conn.fetch_all(sql, params)
    assert [r["name"] for r in rows] == [f"t{j:05d}" for j in range(2990, 2790, -10)]
    (index,) = [i.name for i in doctype_table(meta).indexes if i.columns == ("status", "modified")]
    if site.backend == "sqlite":
        assert plan == [f"SEARCH tabToDo USING INDEX {index} (status=?)"], plan
    else:
        # The planner may also walk the `modified` index backwards, filtering on status:
        # still no full scan and no sort (bench/explain_listing.py shows it at 100k rows).
        assert any(line.startswith(("Index Scan", "Index Only Scan")) for line in plan), plan
        assert not any(
            line.startswith(("Seq Scan", "Sort", "Incremental Sort")) for line in plan
        ), plan
