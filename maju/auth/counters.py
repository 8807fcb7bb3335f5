"""Fixed-window hit counters in a system table, shared by workers (A13 lockout, C4 limits)."""

from __future__ import annotations

import math
import time

from maju.db.connection import Connection


async def seconds_blocked(conn: Connection, table: str, keys: list[str], limit: int) -> int:
    """Seconds until every key is below `limit` hits again; 0 when none is at its limit."""
    if not keys:
        return 0
    q = conn.dialect.quote
    now = time.time()
    params: dict[str, object] = {f"k{i}": key for i, key in enumerate(keys)}
    params["now"] = now
    rows = await conn.fetch_all(
        f"SELECT {q('hits')}, {q('window_end')} FROM {q(table)} "
        f"WHERE {q('key')} IN ({', '.join(f':k{i}' for i in range(len(keys)))}) "
        f"AND {q('window_end')} > :now",
        params,
    )
    wait = max((float(r["window_end"]) - now for r in rows if int(r["hits"]) >= limit), default=0.0)
    return max(1, math.ceil(wait)) if wait > 0 else 0


async def add_hit(conn: Connection, table: str, key: str, window: int) -> None:
    """Count one hit on `key`; a key whose window has ended starts a new one of `window`
    seconds. One atomic statement, so hits from concurrent workers are never lost; rows of
    ended windows are swept on the way."""
    q = conn.dialect.quote
    now = time.time()
    tab, hits, end = q(table), q("hits"), q("window_end")
    await conn.execute(
        f"INSERT INTO {tab} ({q('key')}, {hits}, {end}) VALUES (:key, 1, :end) "
        f"ON CONFLICT ({q('key')}) DO UPDATE SET "
        f"{hits} = CASE WHEN {tab}.{end} <= :now THEN 1 ELSE {tab}.{hits} + 1 END, "
        f"{end} = CASE WHEN {tab}.{end} <= :now THEN :end ELSE {tab}.{end} END",
        {"key": key, "now": now, "end": now + window},
    )
    await conn.execute(f"DELETE FROM {tab} WHERE {end} <= :now", {"now": now})


async def clear(conn: Connection, table: str, key: str) -> None:
    q = conn.dialect.quote
    await conn.execute(f"DELETE FROM {q(table)} WHERE {q('key')} = :key", {"key": key})
