"""The database seam: `databases` pools the connections, maju runs its own SQL on them.

This is the only module that imports `databases` (an import contract in pyproject.toml keeps
it so). It is kept because it is part of maju's fixed stack and does the dull parts well: it
parses the database URL (`DatabaseURL`), picks the backend by its scheme (`Database`, with
maju's SQLite pool registered in `SUPPORTED_BACKENDS`), and builds and closes the asyncpg pool
from the URL and options (`databases.backends.postgres`). What it does not do is used from
maju instead: its query layer (SQLAlchemy compilation per query, `Record`s) and its
connections and transactions, which are keyed by asyncio task, so two transactions of one
request (its own and a side write) would share one. maju asks the backend for a fresh
`ConnectionBackend` per transaction, its documented interface, through `Database._backend`:
the one private name touched, as `Database` offers no public way to a connection of one's own.
If `databases` has to go, this module and maju.db.sqlite_pool are all that change.

A transaction takes a pooled connection at its first statement, not before: a request that runs
none (`ping`, a Guest refused at the door) never waits for the pool, and a pool exhausted by slow
requests cannot starve it (S12). Each transaction holds its own connection, whatever task it runs
in (not `databases`' task-keyed one), so a request may commit a short write of its own beside its
transaction. Queries go straight to the driver with the dialect's placeholder conversion: the SQL
is already compiled by maju, so SQLAlchemy's per-query compile is skipped.

Every statement is cancelled after `statement_timeout` seconds (PostgreSQL's `statement_timeout`,
set once per pooled connection at connect; SQLite's interrupt timer, maju/db/sqlite_pool.py) and
answers 503 `QueryTimeoutError`; waiting longer than that for a connection answers 503
`DatabaseUnavailableError`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any
from urllib.parse import urlencode

import asyncpg
import databases
from databases.interfaces import ConnectionBackend, DatabaseBackend

from maju import errors
from maju.db.dialect import dialect_for_url
from maju.db.mismatch import schema_mismatch
from maju.db.sqlite_pool import SQLitePool, TimedConnection

log = logging.getLogger(__name__)


class UniqueViolation(Exception):
    """A UNIQUE or PRIMARY KEY constraint failed; `column` is the column when the driver says."""

    def __init__(self, column: str | None) -> None:
        super().__init__(column or "unique constraint")
        self.column = column


class PooledSQLiteBackend(DatabaseBackend):
    """databases' backend interface over maju's pool of long-lived aiosqlite connections.

    databases' own SQLite backend opens a connection (and a thread) on every acquire
    (maju.db.sqlite_pool says what that cost).
    """

    def __init__(self, database_url: databases.DatabaseURL | str, **options: Any) -> None:
        url = databases.DatabaseURL(database_url)
        path = url.database + (f"?{urlencode(url.options)}" if url.options else "")
        self._pool = SQLitePool(path, **options)

    async def connect(self) -> None:
        """Nothing to do: connections open on first use and stay in the pool."""

    async def disconnect(self) -> None:
        await self._pool.close()

    def connection(self) -> ConnectionBackend:
        return _PooledSQLiteConnection(self._pool)


class _PooledSQLiteConnection(ConnectionBackend):
    """One lease of a pooled connection: only acquire, release and the raw connection are
    used; queries go to the driver (maju.db.dialect)."""

    def __init__(self, pool: SQLitePool) -> None:
        self._pool = pool
        self._raw: TimedConnection | None = None

    async def acquire(self) -> None:
        self._raw = await self._pool.acquire()

    async def release(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            await self._pool.release(raw)

    @property
    def raw_connection(self) -> TimedConnection | None:
        return self._raw


class _MajuDatabase(databases.Database):
    SUPPORTED_BACKENDS = {  # noqa: RUF012 - mirrors databases' own class attribute
        **databases.Database.SUPPORTED_BACKENDS,
        "sqlite": "maju.db.connection:PooledSQLiteBackend",
    }


READ_ONLY_MESSAGE = "GET requests are read-only; use POST to change data"


@dataclass(slots=True)
class _Lease:
    """A pooled driver connection inside an open transaction, and the SQLite write lock if held."""

    backend: ConnectionBackend
    raw: Any  # Any: the driver's connection (aiosqlite or asyncpg)
    holds_write_lock: bool


class Connection:
    """One transaction, begun on a pooled connection at its first statement; knows its dialect."""

    def __init__(self, database: Database, read_only: bool) -> None:
        self.dialect = database.dialect
        self.read_only = read_only
        self._database = database
        self._lease: _Lease | None = None
        self._savepoints = count()

    @property
    def raw(self) -> Any:  # Any: the driver's connection
        """The driver connection of the open transaction (None before its first statement)."""
        return self._lease.raw if self._lease is not None else None

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
        raw = await self._driver()
        with self._database.statement(raw, text):
            return await self.dialect.fetch_rows(raw, text, args)

    async def execute(self, sql: str, params: dict[str, Any] | None = None) -> int:
        """Run a statement; returns the affected row count."""
        text, args = self.dialect.to_driver(sql, params or {})
        return await self._database.execute(await self._driver(), text, args)

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

    async def commit(self) -> None:
        """Commit what ran so far and hand the connection (and SQLite's write lock) back.

        The next statement begins a new transaction of the same kind on whatever connection the
        pool gives. For a step that must not hold the database while it waits on something else
        (password hashing, S12) or that commits a short write of its own (S14), like Frappe's
        `frappe.db.commit()`. Nothing happens when no statement has run.
        """
        lease, self._lease = self._lease, None
        if lease is None:
            return
        try:
            await self._database.execute(lease.raw, "COMMIT", [])
        except BaseException:
            await self._database.rollback_quietly(lease.raw)
            raise
        finally:
            await self._database.release(lease)

    async def rollback(self) -> None:
        """Undo what ran so far and hand the connection back; never raises a driver error, so
        the error that caused it is the one reported."""
        lease, self._lease = self._lease, None
        if lease is None:
            return
        try:
            await self._database.rollback_quietly(lease.raw)
        finally:
            await self._database.release(lease)

    async def _driver(self) -> Any:  # Any: the driver's connection
        if self._lease is None:
            self._lease = await self._database.begin(self.read_only)
        return self._lease.raw


class Database:
    """The site's database for one worker process: a pool plus the dialect.

    Args:
        statement_timeout: seconds after which a statement is cancelled, and the longest wait
            for a pooled connection or SQLite's write lock; 0 waits and runs without limit.
    """

    def __init__(
        self, url: str, *, schema: str = "", pool_size: int = 8, statement_timeout: float = 0.0
    ) -> None:
        self.url = url
        self.dialect = dialect_for_url(url)
        self.statement_timeout = statement_timeout
        options = self.dialect.pool_options(
            pool_size=pool_size, schema=schema, statement_timeout=statement_timeout
        )
        self._db = _MajuDatabase(url, **options)
        # One writer at a time (SQLite): queue this worker's writers here instead of letting
        # them spin on the database's busy handler.
        self._write_lock = asyncio.Lock() if self.dialect.single_writer else None
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
        """One transaction: committed on success, rolled back on error.

        The connection is taken at the first statement; never open a write transaction while
        this task holds another (SQLite has one writer): `commit()` the outer one first.
        """
        conn = Connection(self, read_only)
        try:
            yield conn
        except BaseException:
            await conn.rollback()
            raise
        await conn.commit()

    async def begin(self, read_only: bool) -> _Lease:
        """Take the write lock (SQLite writers) and a pooled connection, then BEGIN."""
        lease = await self._acquire(read_only)
        try:
            raw = lease.raw
            # Every statement is a round trip (a thread hand-off on SQLite): the session's
            # read-only setting stays on the pooled connection and is changed only when the
            # connection last served the other kind of transaction.
            if self._flips_session and self._session_read_only.get(raw, False) != read_only:
                for statement in self.dialect.session_read_only(read_only):
                    await self.execute(raw, statement, [])
                self._session_read_only[raw] = read_only
            for statement in self.dialect.begin(read_only):
                await self.execute(raw, statement, [])
        except BaseException:
            await self.release(lease)
            raise
        return lease

    async def _acquire(self, read_only: bool) -> _Lease:
        lock = self._write_lock if not read_only else None
        # databases' one private name in maju (see the module docstring): a connection of this
        # transaction's own, not the task's.
        backend = self._db._backend.connection()
        locked = acquired = False
        try:
            # A request waits for the pool at most as long as one statement may run (S12).
            async with asyncio.timeout(self.statement_timeout or None):
                if lock is not None:
                    await lock.acquire()
                    locked = True
                await backend.acquire()
                acquired = True
        except BaseException as exc:
            if acquired:
                await backend.release()
            if locked and lock is not None:
                lock.release()
            if isinstance(exc, TimeoutError):
                raise errors.DatabaseUnavailableError(
                    "The database is busy: no connection became free within "
                    f"{self.statement_timeout:g} seconds. Please try again later."
                ) from exc
            raise
        return _Lease(backend, backend.raw_connection, locked)

    async def release(self, lease: _Lease) -> None:
        try:
            await lease.backend.release()
        finally:
            if lease.holds_write_lock and self._write_lock is not None:
                self._write_lock.release()

    async def execute(self, raw: Any, text: str, args: list[Any]) -> int:
        """Run one driver-level statement on `raw`; returns the affected row count."""
        with self.statement(raw, text):
            return await self.dialect.run(raw, text, args)

    async def rollback_quietly(self, raw: Any) -> None:
        """ROLLBACK, logging rather than raising a failure (the connection is released next,
        and the pool discards or resets a broken one)."""
        try:
            if self.dialect.may_be_in_transaction(raw):
                await self.execute(raw, "ROLLBACK", [])
        except Exception:
            log.warning("ROLLBACK failed", exc_info=True)

    @contextmanager
    def statement(self, raw: Any, text: str) -> Iterator[None]:
        """Arm SQLite's deadline for one statement; driver errors that carry meaning become
        maju's, the rest pass through."""
        timed = isinstance(raw, TimedConnection)
        if timed:
            raw.start_statement()
        try:
            yield
        except Exception as exc:
            translated = self._translate(exc, text)
            if translated is None:
                raise
            raise translated from exc
        finally:
            if timed:
                raw.end_statement()

    def _translate(self, exc: Exception, text: str) -> Exception | None:
        if isinstance(exc, sqlite3.OperationalError) and str(exc) == "interrupted":
            return self._timed_out(text)
        if isinstance(exc, asyncpg.exceptions.QueryCanceledError):
            return self._timed_out(text)
        if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
            return errors.ReadOnlyRequestError(READ_ONLY_MESSAGE)
        if isinstance(exc, asyncpg.exceptions.ReadOnlySQLTransactionError):
            return errors.ReadOnlyRequestError(READ_ONLY_MESSAGE)
        if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc):
            return UniqueViolation(str(exc).rsplit(".", 1)[-1] if "." in str(exc) else None)
        if isinstance(exc, asyncpg.exceptions.UniqueViolationError):
            detail = getattr(exc, "detail", "") or ""
            column = detail[detail.find("(") + 1 : detail.find(")")] if "(" in detail else None
            return UniqueViolation(column)
        if isinstance(exc, asyncpg.exceptions.CharacterNotInRepertoireError):
            # E15: PostgreSQL text cannot hold NUL; a client sent one (a name, a key): 417.
            return errors.DataError("Text values must not contain NUL (0x00) characters")
        return schema_mismatch(exc)  # a DocType change not migrated yet, most likely

    def _timed_out(self, text: str) -> errors.QueryTimeoutError:
        # The SQL (placeholders, no values) goes to the log for the operator, never to the client.
        log.warning("statement cancelled after %gs: %.300s", self.statement_timeout, text)
        return errors.QueryTimeoutError(
            f"The database did not answer within {self.statement_timeout:g} seconds and the "
            "request was cancelled. Please try again later, or ask for less."
        )
