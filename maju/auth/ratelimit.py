"""C4: per-function, per-client-IP call limits counted in the database (shared by workers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maju import errors
from maju.auth import counters
from maju.context import Context
from maju.db.connection import Database

_TABLE = "__rate_limits"
MESSAGE = "You hit the rate limit because of too many requests. Please try after sometime."


async def check_rate_limit(
    ctx: Context, database: Database, fn: Callable[..., Any], limit: tuple[int, int] | None
) -> None:
    """Count this call of `fn` from the client's IP (C5); past `limit` answer 429.

    Args:
        ctx: the request's Context (its connection and client IP).
        database: the site's pool, for the counting transaction.
        fn: the whitelisted function; counted by its own name, so all its aliases share one.
        limit: `WhitelistSpec.rate_limit`, `(calls, seconds)`; None does nothing.

    S14: the call is checked and counted in one atomic step, a short write committed before
    the function runs (a GET's transaction is read-only, and a call that fails still counts),
    so parallel calls cannot all pass on one stale count. The request's transaction, which has
    only read so far (authentication), is committed first: SQLite has one writer.
    """
    if limit is None:
        return
    calls, seconds = limit
    key = f"{fn.__module__}.{fn.__qualname__}|{ctx.client_ip}"
    await ctx.db.commit()
    async with database.transaction(read_only=False) as conn:
        wait = await counters.admit(conn, _TABLE, [key], calls, seconds)
    if wait:
        raise errors.RateLimitExceededError(MESSAGE, headers={"Retry-After": str(wait)})
