"""Fixed-window hit counters in a system table, shared by workers (A13 lockout, C4 limits).

S14: an attempt is checked and counted in one atomic step, its own short committed write, before
the work it guards (a password check, a rate-limited call). N parallel attempts therefore see
each other's counts: with a limit of 10, at most 10 of 40 parallel attempts get through.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from maju.db.connection import Connection


async def admit(conn: Connection, table: str, keys: list[str], limit: int, window: int) -> int:
    """Count one attempt on every key unless one of them is at `limit`; 0 when counted, else
    the seconds until that key's window ends (the attempt is then not counted at all).

    One UPSERT adds the hit to every key and returns the new counts; its row locks (PostgreSQL)
    or SQLite's single writer keep concurrent attempts in line until this transaction commits,
    so a refused attempt can take its hits back before anyone sees them. A key whose window has
    ended starts a new one of `window` seconds; rows of ended windows are swept on the way.
    Keys are locked in sorted order, so two attempts sharing keys cannot deadlock.
    """
    keys = sorted(set(keys))
    if not keys:
        return 0
    q = conn.dialect.quote
    now = time.time()
    tab, hits, end = q(table), q("hits"), q("window_end")
    params: dict[str, object] = {f"k{i}": key for i, key in enumerate(keys)}
    params |= {"now": now, "end": now + window}
    rows = await conn.fetch_all(
        f"INSERT INTO {tab} ({q('key')}, {hits}, {end}) VALUES "
        + ", ".join(f"(:k{i}, 1, :end)" for i in range(len(keys)))
        + f" ON CONFLICT ({q('key')}) DO UPDATE SET "
        f"{hits} = CASE WHEN {tab}.{end} <= :now THEN 1 ELSE {tab}.{hits} + 1 END, "
        f"{end} = CASE WHEN {tab}.{end} <= :now THEN :end ELSE {tab}.{end} END "
        f"RETURNING {hits}, {end}",
        params,
    )
    over = [float(r["window_end"]) - now for r in rows if int(r["hits"]) > limit]
    if over:
        in_keys = ", ".join(f":k{i}" for i in range(len(keys)))
        await conn.execute(
            f"UPDATE {tab} SET {hits} = {hits} - 1 WHERE {q('key')} IN ({in_keys})", params
        )
    await _sweep(conn, table, now)
    # Capped: a parallel attempt may have opened the window a moment after this one's `now`.
    return min(window, max(1, math.ceil(max(over)))) if over else 0


async def _sweep(conn: Connection, table: str, now: float) -> None:
    """Delete rows whose window has ended, skipping any another attempt holds (PostgreSQL),
    so the sweep never waits on, or deadlocks with, a concurrent attempt."""
    q = conn.dialect.quote
    tab = q(table)
    await conn.execute(
        f"DELETE FROM {tab} WHERE {q('key')} IN (SELECT {q('key')} FROM {tab} "
        f"WHERE {q('window_end')} <= :now{conn.dialect.skip_locked()})",
        {"now": now},
    )


async def settle(conn: Connection, table: str, changes: Mapping[str, int | None]) -> None:
    """Take hits back after the fact: each key loses that many hits, or its row (None).

    Applied in sorted key order, the same order `admit` locks in.
    """
    q = conn.dialect.quote
    for key in sorted(changes):
        taken = changes[key]
        if taken is None:
            await conn.execute(f"DELETE FROM {q(table)} WHERE {q('key')} = :key", {"key": key})
        else:
            await conn.execute(
                f"UPDATE {q(table)} SET {q('hits')} = {q('hits')} - :taken "
                f"WHERE {q('key')} = :key AND {q('hits')} >= :taken",
                {"key": key, "taken": taken},
            )
