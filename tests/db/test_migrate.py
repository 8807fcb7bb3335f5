"""Schema sync on both databases: fresh tables and indexes, additive changes, idempotency."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from maju.bootstrap import ensure_site_dirs, migrate_site
from maju.config import Config
from maju.db.connection import Connection, Database
from maju.db.migrate import existing_columns, sync_schema
from maju.doctype.registry import Registry, load_registry
from maju.doctype.tables import site_tables
from maju.site import open_database
from tests.sites import postgres_schema, site_config


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))


@asynccontextmanager
async def config_for(backend: str, tmp_path: Path) -> AsyncIterator[Config]:
    if backend == "postgresql":
        async with postgres_schema() as schema:
            yield site_config(backend, tmp_path, schema)
    else:
        yield site_config(backend, tmp_path)


@asynccontextmanager
async def connected(config: Config) -> AsyncIterator[Database]:
    ensure_site_dirs(config)  # the SQLite file lives in the site folder
    db = open_database(config)
    await db.connect()
    try:
        yield db
    finally:
        await db.disconnect()


def widget(*fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "Widget",
        "sort_field": "priority",
        "fields": [
            {"fieldname": "title", "fieldtype": "Data", "search_index": 1},
            {"fieldname": "priority", "fieldtype": "Data"},
            {"fieldname": "code", "fieldtype": "Data", "unique": 1},
            *fields,
        ],
    }


def registry_with(tmp_path: Path, doc: dict[str, Any]) -> Registry:
    path = tmp_path / "apps" / "shop" / "doctype" / "widget" / "widget.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return load_registry(("shop",), tmp_path / "apps")


async def sync(db: Database, registry: Registry) -> list[str]:
    async with db.transaction(read_only=False) as conn:
        return await sync_schema(conn, site_tables(registry))


async def index_columns(conn: Connection, table: str) -> dict[tuple[str, ...], bool]:
    """{(column, ...): unique} for every index on `table`, primary key included."""
    found: dict[tuple[str, ...], bool] = {}
    if conn.dialect.name == "sqlite":
        for index in await conn.fetch_all(
            'SELECT name, "unique" FROM pragma_index_list(:t)', {"t": table}
        ):
            cols = await conn.fetch_all(
                "SELECT name FROM pragma_index_info(:i) ORDER BY seqno", {"i": index["name"]}
            )
            found[tuple(c["name"] for c in cols)] = bool(index["unique"])
        return found
    rows = await conn.fetch_all(
        "SELECT i.indisunique AS uniq, array_agg(a.attname ORDER BY k.ord) AS cols "
        "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE t.relname = :t AND n.nspname = current_schema() "
        "GROUP BY i.indexrelid, i.indisunique",
        {"t": table},
    )
    return {tuple(r["cols"]): bool(r["uniq"]) for r in rows}


async def primary_key(conn: Connection, table: str) -> list[str]:
    if conn.dialect.name == "sqlite":
        rows = await conn.fetch_all(
            "SELECT name FROM pragma_table_info(:t) WHERE pk > 0 ORDER BY pk", {"t": table}
        )
    else:
        rows = await conn.fetch_all(
            "SELECT k.column_name AS name FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
            "AND k.table_schema = c.table_schema "
            "WHERE c.table_schema = current_schema() AND c.table_name = :t "
            "AND c.constraint_type = 'PRIMARY KEY'",
            {"t": table},
        )
    return [r["name"] for r in rows]


async def column_type(conn: Connection, table: str, column: str) -> str:
    if conn.dialect.name == "sqlite":
        value = await conn.fetch_value(
            "SELECT type FROM pragma_table_info(:t) WHERE name = :c", {"t": table, "c": column}
        )
        return str(value)
    row = await conn.fetch_one(
        "SELECT data_type, character_maximum_length AS length FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :t AND column_name = :c",
        {"t": table, "c": column},
    )
    assert row is not None
    return f"{row['data_type']}({row['length']})"


async def analyzed_rows(conn: Connection, table: str) -> int | None:
    """The row count the planner's statistics hold for `table` (None: never analyzed)."""
    if conn.dialect.name == "sqlite":
        stat = await conn.fetch_value(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = :t AND idx IS NOT NULL LIMIT 1", {"t": table}
        )
        return int(str(stat).split()[0]) if stat is not None else None
    value = await conn.fetch_value(
        "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = :t AND n.nspname = current_schema()",
        {"t": table},
    )
    return None if value is None or value < 0 else int(value)


async def test_fresh_sync_creates_tables_columns_and_indexes(backend: str, tmp_path: Path) -> None:
    registry = registry_with(tmp_path, widget())
    async with config_for(backend, tmp_path) as config, connected(config) as db:
        changes = await sync(db, registry)
        assert "created table tabWidget" in changes and "created table tabHas Role" in changes
        async with db.transaction(read_only=True) as conn:
            columns = await existing_columns(conn, "tabWidget")
            assert columns == {
                "name",
                "owner",
                "creation",
                "modified",
                "modified_by",
                "docstatus",
                "idx",
                "title",
                "priority",
                "code",
            }
            child_columns = await existing_columns(conn, "tabHas Role")
            assert child_columns is not None
            assert {"parent", "parentfield", "parenttype", "role"} <= child_columns
            assert await primary_key(conn, "tabWidget") == ["name"]
            indexes = await index_columns(conn, "tabWidget")
            assert indexes[("modified",)] is False and indexes[("creation",)] is False
            assert indexes[("priority",)] is False  # the sort field
            assert indexes[("title", "priority")] is False  # search_index + sort field
            assert indexes[("code",)] is True  # unique
            assert ("parent",) in await index_columns(conn, "tabHas Role")
            assert await existing_columns(conn, "__series") is not None


async def test_additive_change_keeps_data_and_never_drops_or_narrows(
    backend: str, tmp_path: Path
) -> None:
    async with config_for(backend, tmp_path) as config, connected(config) as db:
        await sync(db, registry_with(tmp_path, widget()))
        async with db.transaction(read_only=False) as conn:
            await conn.execute(
                'INSERT INTO "tabWidget" ("name", "title", "priority", "code") '
                "VALUES (:n, :t, :p, :c)",
                {"n": "W-1", "t": "Bolt", "p": "High", "c": "B1"},
            )

        # The DocType gains a Data field and an Int field.
        grown = registry_with(
            tmp_path,
            widget(
                {"fieldname": "colour", "fieldtype": "Data", "search_index": 1},
                {"fieldname": "qty", "fieldtype": "Int"},
            ),
        )
        changes = await sync(db, grown)
        assert changes == [
            "added column tabWidget.colour",
            "added column tabWidget.qty",
            "added index ix_tabwidget_colour_priority on tabWidget",
        ]
        async with db.transaction(read_only=True) as conn:
            row = await conn.fetch_one('SELECT * FROM "tabWidget" WHERE "name" = :n', {"n": "W-1"})
            assert row is not None
            assert (row["title"], row["priority"], row["code"]) == ("Bolt", "High", "B1")
            assert row["colour"] is None and row["qty"] == 0  # numeric: NOT NULL DEFAULT 0

        assert await sync(db, grown) == []  # a second run changes nothing

        # Fields removed, a length shortened, a type changed: nothing is dropped or narrowed.
        shrunk = registry_with(
            tmp_path,
            {
                "name": "Widget",
                "sort_field": "priority",
                "fields": [
                    {"fieldname": "priority", "fieldtype": "Data", "length": 10},
                    {"fieldname": "qty", "fieldtype": "Data"},
                ],
            },
        )
        assert await sync(db, shrunk) == []
        async with db.transaction(read_only=True) as conn:
            columns = await existing_columns(conn, "tabWidget")
            assert columns is not None and {"title", "code", "colour", "qty"} <= columns
            assert (await column_type(conn, "tabWidget", "priority")).lower() in (
                "varchar(140)",
                "character varying(140)",
            )
            assert (await index_columns(conn, "tabWidget"))[("code",)] is True
            row = await conn.fetch_one('SELECT "title", "qty" FROM "tabWidget"')
            assert row == {"title": "Bolt", "qty": 0}


async def test_sync_refreshes_planner_statistics(backend: str, tmp_path: Path) -> None:
    """ANALYZE runs on every sync: without statistics the planner ignores the new indexes."""
    registry = registry_with(tmp_path, widget())
    async with config_for(backend, tmp_path) as config, connected(config) as db:
        await sync(db, registry)
        async with db.transaction(read_only=False) as conn:
            if conn.dialect.name == "sqlite":
                assert (
                    await conn.fetch_value(
                        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
                    )
                    == 1
                )
            for i in range(3):
                await conn.execute(
                    'INSERT INTO "tabWidget" ("name", "code") VALUES (:n, :n)', {"n": f"W-{i}"}
                )
        async with db.transaction(read_only=True) as conn:
            assert await analyzed_rows(conn, "tabWidget") in (None, 0)
        await sync(db, registry)
        async with db.transaction(read_only=True) as conn:
            assert await analyzed_rows(conn, "tabWidget") == 3


async def test_migrate_site_is_idempotent(backend: str, tmp_path: Path) -> None:
    async with config_for(backend, tmp_path) as config:
        first = await migrate_site(config)
        assert "created table tabToDo" in first and "created user Administrator" in first
        assert await migrate_site(config) == []
        assert (config.site_dir / "secret_key").exists() or config.site.secret_key
        assert config.public_files_dir.is_dir() and config.private_files_dir.is_dir()
