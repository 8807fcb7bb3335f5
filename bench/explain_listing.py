"""Print both databases' plans for a 20-row ToDo listing out of 100,000 rows.

    .venv/bin/python bench/explain_listing.py [--rows 100000] [--status Cancelled]

The listing is `GET /api/resource/ToDo?filters={"status": "<status>"}` with the default sort
(modified desc), compiled by maju's own parser and compiler. `status` has search_index, so the
table has an index on (status, modified). Each plan must be served from an index in sort order
(the planner may prefer that one or the `modified` index with the status as a filter), with no
full scan and no sort of all rows; PostgreSQL's plan is run (EXPLAIN ANALYZE) to show how few
rows it reads. The script prints the SQL, both plans and the page's time next to a full count
of the matching rows (the baseline), and exits 1 if a plan fails the check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from seed import Backend, create_site, drop_site, postgres_error

from maju.config import load_config
from maju.db.connection import Connection
from maju.doctype.tables import doctype_table
from maju.query.compiler import compile_count, compile_list
from maju.query.params import parse_list_params
from maju.query.scope import QueryScope
from maju.site import build_registry, open_database

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _pg_lines(node: dict[str, Any], depth: int = 0) -> list[str]:
    keys = (
        "Node Type",
        "Scan Direction",
        "Index Name",
        "Index Cond",
        "Filter",
        "Actual Rows",
        "Rows Removed by Filter",
    )
    text = ", ".join(f"{k}={node[k]}" for k in keys if k in node)
    lines = [f"{'  ' * depth}{text}"]
    for child in node.get("Plans", []):
        lines += _pg_lines(child, depth + 1)
    return lines


async def _plan(conn: Connection, sql: str, params: dict[str, Any]) -> list[str]:
    rows = await conn.fetch_all(conn.dialect.explain(sql, analyze=True), params)
    if conn.dialect.name == "sqlite":
        return [str(r["detail"]) for r in rows]
    (plan,) = orjson.loads(rows[0]["QUERY PLAN"])
    return _pg_lines(plan["Plan"])


def _problems(plan: list[str]) -> list[str]:
    text = "\n".join(plan)
    found = []
    if "INDEX" not in text.upper():
        found.append("the plan reads no index")
    for bad in ("Seq Scan", "Sort", "TEMP B-TREE"):
        if bad in text:
            found.append(f"the plan has {bad}")
    if any(line.startswith("SCAN") for line in plan):
        found.append("the plan scans the whole table or index")
    return found


async def _timed(conn: Connection, sql: str, params: dict[str, Any], runs: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        await conn.fetch_rows(sql, params)
    return (time.perf_counter() - started) / runs * 1000


async def explain(backend: Backend, rows: int, status: str, postgres_url: str) -> list[str]:
    """Seed a throw-away site, print its plan; returns the problems found."""
    with tempfile.TemporaryDirectory(prefix="maju-explain-") as tmp:
        started = time.perf_counter()
        site = await create_site(backend, rows, Path(tmp), postgres_url, 8000, 2)
        seeded = time.perf_counter() - started
        try:
            config = load_config(site.config_path, environ={})
            meta = build_registry(config)["ToDo"]
            (index,) = [
                i.name
                for i in doctype_table(meta).indexes
                if i.columns == ("status", meta.sort_field)
            ]
            scope = QueryScope(meta, readable=frozenset(f.fieldname for f in meta.fields))
            query = parse_list_params(scope, {"filters": {"status": status}})
            db = open_database(config)
            await db.connect()
            try:
                async with db.transaction(read_only=True) as conn:
                    sql, params = compile_list(query, conn.dialect)
                    plan = await _plan(conn, sql, params)
                    page_ms = await _timed(conn, sql, params)
                    count_sql, count_params = compile_count(query, conn.dialect)
                    count_ms = await _timed(conn, count_sql, count_params, runs=3)
                    matching = await conn.fetch_value(count_sql, count_params)
            finally:
                await db.disconnect()
        finally:
            await drop_site(site)
    print(
        f"== {backend}: {rows:,} ToDo rows (seeded in {seeded:.1f} s), "
        f"{matching:,} with status {status!r}"
    )
    print(f"SQL: {sql}")
    print(f"params: {params}")
    print("plan:")
    for line in plan:
        print(f"  {line}")
    problems = _problems(plan)
    used = "the (status, modified) index" if index in "\n".join(plan) else "an index"
    print(
        f"20-row page: {page_ms:.2f} ms vs {count_ms:.2f} ms to count every match "
        f"(baseline), {count_ms / page_ms:.0f}x"
    )
    print(
        "verdict: "
        + (
            "; ".join(problems)
            if problems
            else f"served from {used}: no full scan, no sort of all rows"
        )
    )
    print()
    return problems


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--status", default="Cancelled")
    args = parser.parse_args()
    postgres_url = os.environ.get("MAJU_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    backends: list[Backend] = ["sqlite"]
    error = await postgres_error(postgres_url)
    if error is None:
        backends.append("postgresql")
    else:
        print(f"!!! PostgreSQL at {postgres_url} is unreachable ({error}): skipped\n")
    problems: list[str] = []
    for backend in backends:
        problems += await explain(backend, args.rows, args.status, postgres_url)
    return 1 if problems or error else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
