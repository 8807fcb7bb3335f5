"""The database seam: `databases` pools the connections, maju runs its own SQL on them.

One connection and one transaction per request, acquired in the request's own task (databases
keys connections by task). Queries go straight to the driver with the dialect's placeholder
conversion: the SQL is already compiled by maju, so SQLAlchemy's per-query compile is skipped.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count
from typing import Any

import asyncpg
import databases

from maju import errors
from maju.db.dialect import Dialect, dialect_for_url


class UniqueViolation(Exception):
    """A UNIQUE or PRIMARY KEY constraint failed; `column` is the column when the driver says."""

    def __init__(self, column: str | None) -> None:
        super().__init__(column or "unique constraint")
        self.column = column


class _MajuDatabase(databases.Database):
    SUPPORTED_BACKENDS = {  # noqa: RUF012 - mirrors databases' own class attribute
        **databases.Database.SUPPORTED_BACKENDS,
        "sqlite": "maju.db.sqlite_pool:PooledSQLiteBackend",
    }


READ_ONLY_MESSAGE = "GET requests are read-only; use POST to change data"


class Connection:
    """One acquired connection inside one transaction; knows its dialect."""

    def __init__(self, raw: Any, dialect: Dialect, read_only: bool) -> None:  # Any: driver
        self.raw = raw
        self.dialect = dialect
        self.read_only = read_only
        self._savepoints = count()

    async def fetch_all(
        self, sql: str, params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        columns, rows = await self.fetch_rows(sql, params)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    async def fetch_one(
        self, sql: str, params: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        _, rows = await self.fetch_rows(sql, params)
        return rows[0][0] if rows else None

    async def fetch_rows(
        self, sql: str, params: dict[str, Any] | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Rows as tuples plus the column names, the cheapest shape the drivers give."""
        text, args = self.dialect.to_driver(sql, params or {})
        with _translate_errors():
            if self.dialect.name == "sqlite":
                async with self.raw.execute(text, args) as cursor:
                    rows = await cursor.fetchall()
                    columns = [d[0] for d in cursor.description or ()]
                return columns, [tuple(r) for r in rows]
            records = await self.raw.fetch(text, *args)
            columns = list(records[0].keys()) if records else []
            return columns, [tuple(r) for r in records]

    async def execute(self, sql: str, params: dict[str, Any] | None = None) -> int:
        """Run a statement; returns the affected row count."""
        text, args = self.dialect.to_driver(sql, params or {})
        with _translate_errors():
            if self.dialect.name == "sqlite":
                async with self.raw.execute(text, args) as cursor:
                    return int(cursor.rowcount)
            status: str = await self.raw.execute(text, *args)
            last = status.rsplit(" ", 1)[-1]
            return int(last) if last.isdigit() else 0

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: rolled back alone when its block raises."""
        name = f"sp_{next(self._savepoints)}"
        await self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await self.execute(f"RELEASE SAVEPOINT {name}")
            raise
        await self.execute(f"RELEASE SAVEPOINT {name}")


class _translate_errors:
    """Driver exceptions that carry meaning become maju's; the rest pass through."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if exc is None:
            return
        if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
            raise errors.ReadOnlyRequestError(READ_ONLY_MESSAGE) from exc
        if isinstance(exc, asyncpg.exceptions.ReadOnlySQLTransactionError):
            raise errors.ReadOnlyRequestError(READ_ONLY_MESSAGE) from exc
        if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc):
            column = str(exc).rsplit(".", 1)[-1] if "." in str(exc) else None
            raise UniqueViolation(column) from exc
        if isinstance(exc, asyncpg.exceptions.UniqueViolationError):
            detail = getattr(exc, "detail", "") or ""
            column = detail[detail.find("(") + 1 : detail.find(")")] if "(" in detail else None
            raise UniqueViolation(column) from exc
        if isinstance(exc, asyncpg.exceptions.CharacterNotInRepertoireError):
            # E15: PostgreSQL text cannot hold NUL; a client sent one (a name, a key): 417.
            raise errors.DataError("Text values must not contain NUL (0x00) characters") from exc


class Database:
    """The site's database for one worker process: a pool plus the dialect."""

    def __init__(self, url: str, *, schema: str = "", pool_size: int = 8) -> None:
        self.url = url
        self.dialect = dialect_for_url(url)
        options: dict[str, Any] = {}
        if self.dialect.name == "sqlite":
            options["pool_size"] = pool_size
        else:
            options["min_size"] = 1
            options["max_size"] = pool_size
            if schema:
                options["server_settings"] = {"search_path": schema}
        self._db = _MajuDatabase(url, **options)
        # SQLite allows one writer at a time; queue this worker's writers here instead of
        # letting them spin on SQLite's busy handler.
        self._write_lock = asyncio.Lock() if self.dialect.name == "sqlite" else None
        # Per pooled driver connection: is its session read-only now? (weak: the pool owns it;
        # PostgreSQL has no such setting, BEGIN READ ONLY does it per transaction)
        self._flips_session = bool(self.dialect.session_read_only(True))
        self._session_read_only: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()

    async def connect(self) -> None:
        await self._db.connect()

    async def disconnect(self) -> None:
        await self._db.disconnect()

    @asynccontextmanager
    async def transaction(self, *, read_only: bool) -> AsyncIterator[Connection]:
        """Acquire a connection, run one transaction: commit on success, roll back on error."""
        if self._write_lock is not None and not read_only:
            async with self._write_lock:
                async with self._transaction(read_only) as conn:
                    yield conn
        else:
            async with self._transaction(read_only) as conn:
                yield conn

    @asynccontextmanager
    async def _transaction(self, read_only: bool) -> AsyncIterator[Connection]:
        async with self._db.connection() as held:
            conn = Connection(held.raw_connection, self.dialect, read_only)
            # Every statement is a round trip (a thread hand-off on SQLite): the session's
            # read-only setting stays on the pooled connection and is changed only when the
            # connection last served the other kind of transaction.
            if self._flips_session and self._session_read_only.get(conn.raw, False) != read_only:
                for statement in self.dialect.session_read_only(read_only):
                    await conn.execute(statement)
                self._session_read_only[conn.raw] = read_only
            for statement in self.dialect.begin(read_only):
                await conn.execute(statement)
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
