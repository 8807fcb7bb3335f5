"""A per-worker pool of open aiosqlite connections (maju.db.connection serves it to `databases`).

`databases`' own SQLite backend opens a new connection (and thread) on every acquire; measured
with plain Starlette that capped a 20-row list near 740 requests/s against ~5,400 pooled.

Each pooled connection carries a statement deadline (S12): maju arms it before every statement,
and when it passes, the event loop calls `sqlite3_interrupt()` on the connection, which SQLite
checks at every row of every loop: the statement stops with `OperationalError: interrupted`.

Why not a progress handler: SQLite calls it only after a number of VM instructions, so a
statement whose time goes into a few costly instructions is not reached in time: a LIKE of a
997-character pattern over 300 values of 20 kB ran 13 s in about 6,000 instructions, never
meeting a handler set to every 100,000. A handler every 100 instructions (a Python call, and the
GIL, each time) made a 3-million-row scan 27% slower here, and several times slower while the
event loop kept the GIL busy. The interrupt stopped that LIKE 0.05 s after its deadline.
"""

from __future__ import annotations

import asyncio
import sqlite3
from functools import partial
from typing import Any

import aiosqlite

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA synchronous = NORMAL",
)
# After the deadline the interrupt is repeated this often until the statement ends: one sent
# before the worker thread started the statement would be lost.
INTERRUPT_REPEAT_SECONDS = 0.05


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class TimedConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements are interrupted after `statement_timeout`.

    The timer runs on the event loop that armed it; `sqlite3.Connection.interrupt` is safe to
    call from any thread. One SQL function call (a LIKE over one huge value) still runs to its
    end: SQLite checks between rows.
    """

    def __init__(self, database: str, statement_timeout: float, **options: Any) -> None:
        connector = partial(sqlite3.connect, database, isolation_level=None, **options)
        super().__init__(connector, iter_chunk_size=64)
        self.statement_timeout = statement_timeout
        self._timer: asyncio.TimerHandle | None = None

    def start_statement(self) -> None:
        self.end_statement()
        if self.statement_timeout:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.statement_timeout, self._interrupt)

    def end_statement(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _interrupt(self) -> None:
        self._conn.interrupt()
        self._timer = asyncio.get_running_loop().call_later(
            INTERRUPT_REPEAT_SECONDS, self._interrupt
        )


class SQLitePool:
    """Hands out long-lived connections; at most `pool_size` exist, the rest of the callers wait.

    Args:
        database: the file path (with `?` options, as sqlite3 takes them).
        statement_timeout: seconds before a statement is interrupted; 0 never.
        options: passed on to `sqlite3.connect`.
    """

    def __init__(
        self, database: str, *, pool_size: int = 8, statement_timeout: float = 0.0, **options: Any
    ) -> None:
        self._database = database
        self._options = options
        self._statement_timeout = statement_timeout
        self._idle: list[TimedConnection] = []
        self._slots = asyncio.Semaphore(pool_size)

    async def acquire(self) -> TimedConnection:
        await self._slots.acquire()
        try:
            if self._idle:
                return self._idle.pop()
            return await self._open()
        except BaseException:
            self._slots.release()
            raise

    async def _open(self) -> TimedConnection:
        connection = TimedConnection(self._database, self._statement_timeout, **self._options)
        await connection  # starts its thread and opens the file
        try:
            for pragma in PRAGMAS:
                await connection.execute(pragma)
            await connection.create_function("maju_lower", 1, _lower, deterministic=True)
        except BaseException:
            await connection.close()
            raise
        return connection

    async def release(self, connection: TimedConnection) -> None:
        connection.end_statement()
        try:
            if connection.in_transaction:
                await connection.rollback()
            # query_only is left as it is: maju's Database tracks and flips it when needed.
            self._idle.append(connection)
        except (sqlite3.Error, ValueError):
            await connection.close()
        finally:
            self._slots.release()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
