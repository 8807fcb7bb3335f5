"""The database seam on both databases: transactions, read-only GETs, savepoints, errors, pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from maju import errors
from maju.bootstrap import ensure_site_dirs
from maju.db.connection import Database, UniqueViolation
from maju.site import open_database
from tests.sites import postgres_schema, site_config


@pytest.fixture
async def db(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A connected Database holding one table, `item` (name primary key, code unique)."""

    async def open_with_table(schema: str = "") -> AsyncIterator[Database]:
        config = site_config(backend, tmp_path, schema)
        ensure_site_dirs(config)
        database = open_database(config)
        await database.connect()
        try:
            async with database.transaction(read_only=False) as conn:
                await conn.execute(
                    'CREATE TABLE "item" ("name" VARCHAR(140) NOT NULL PRIMARY '
                    'KEY, "code" VARCHAR(140) UNIQUE, "qty" INTEGER)'
                )
            yield database
        finally:
            await database.disconnect()

    if backend == "postgresql":
        async with postgres_schema() as schema:
            async for database in open_with_table(schema):
                yield database
    else:
        async for database in open_with_table():
            yield database


async def names(db: Database) -> list[str]:
    async with db.transaction(read_only=True) as conn:
        rows = await conn.fetch_all('SELECT "name" FROM "item" ORDER BY "name"')
    return [r["name"] for r in rows]


async def test_m5_read_only_transaction_refuses_writes(db: Database) -> None:
    with pytest.raises(errors.ReadOnlyRequestError) as info:
        async with db.transaction(read_only=True) as conn:
            assert conn.read_only
            await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "a"})
    assert info.value.status == 417
    assert info.value.message == "GET requests are read-only; use POST to change data"
    assert await names(db) == []
    # The connection goes back to the pool writable again.
    async with db.transaction(read_only=False) as conn:
        await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "b"})
    assert await names(db) == ["b"]


async def test_commit_on_success_and_rollback_on_error(db: Database) -> None:
    async with db.transaction(read_only=False) as conn:
        await conn.execute(
            'INSERT INTO "item" ("name", "qty") VALUES (:n, :q)', {"n": "kept", "q": 1}
        )
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction(read_only=False) as conn:
            await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "lost"})
            assert await conn.fetch_value('SELECT count(*) FROM "item"') == 2
            raise RuntimeError("boom")
    assert await names(db) == ["kept"]


async def test_savepoint_rolls_back_alone(db: Database) -> None:
    async with db.transaction(read_only=False) as conn:
        await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "outer"})
        with pytest.raises(ValueError, match="inner failure"):
            async with conn.savepoint():
                await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "inner"})
                raise ValueError("inner failure")
        async with conn.savepoint():
            await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "second"})
    assert await names(db) == ["outer", "second"]


async def test_unique_violation_is_mapped(db: Database) -> None:
    async with db.transaction(read_only=False) as conn:
        await conn.execute(
            'INSERT INTO "item" ("name", "code") VALUES (:n, :c)', {"n": "a", "c": "X"}
        )
    with pytest.raises(UniqueViolation) as info:
        async with db.transaction(read_only=False) as conn:
            await conn.execute(
                'INSERT INTO "item" ("name", "code") VALUES (:n, :c)', {"n": "b", "c": "X"}
            )
    assert info.value.column == "code"
    with pytest.raises(UniqueViolation) as info:
        async with db.transaction(read_only=False) as conn:
            await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "a"})
    assert info.value.column == "name"
    assert await names(db) == ["a"]


async def test_fetch_helpers_bind_parameters(db: Database) -> None:
    async with db.transaction(read_only=False) as conn:
        count = await conn.execute(
            'INSERT INTO "item" ("name", "qty") VALUES (:n, :q), (:m, :q)',
            {"n": "a", "m": "b", "q": 7},
        )
        assert count == 2
        assert await conn.fetch_value('SELECT "qty" FROM "item" WHERE "name" = :n', {"n": "a"}) == 7
        assert (
            await conn.fetch_one(
                'SELECT "name" FROM "item" WHERE "name" = :n', {"n": "' OR 1=1 --"}
            )
            is None
        )
        columns, rows = await conn.fetch_rows('SELECT "name", "qty" FROM "item" ORDER BY "name"')
        assert columns == ["name", "qty"] and rows == [("a", 7), ("b", 7)]


@pytest.mark.parametrize("backend", ["sqlite"])  # overrides the fixture: SQLite only
async def test_sqlite_runs_in_wal_mode_and_reuses_pooled_connections(
    backend: str, db: Database
) -> None:
    async with db.transaction(read_only=True) as conn:
        assert await conn.fetch_value("PRAGMA journal_mode") == "wal"
        assert await conn.fetch_value("PRAGMA synchronous") == 1  # NORMAL
        first = conn.raw
    async with db.transaction(read_only=False) as conn:
        assert conn.raw is None  # taken at the first statement
        await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "a"})
        assert conn.raw is first  # the same aiosqlite connection came back
    async with db.transaction(read_only=True) as conn:
        assert await conn.fetch_value("PRAGMA query_only") == 1
        assert conn.raw is first
    async with db.transaction(read_only=False) as conn:
        assert await conn.fetch_value("PRAGMA query_only") == 0
