"""C4: per-function, per-client-IP call limits counted in the database (shared by workers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maju import errors
from maju.auth import counters
from maju.context import Context
from maju.db.connection import Connection

_TABLE = "__rate_limits"
MESSAGE = "You hit the rate limit because of too many requests. Please try after sometime."


async def check_rate_limit(
    ctx: Context, fn: Callable[..., Any], limit: tuple[int, int] | None
) -> None:
    """Count this call of `fn` from the client's IP (C5); past `limit` answer 429.

    Args:
        ctx: the request's Context (its connection and client IP).
        fn: the whitelisted function; counted by its own name, so all its aliases share one.
        limit: `WhitelistSpec.rate_limit`, `(calls, seconds)`; None does nothing.

    The call is counted in its own transaction after the request's (a GET's is read-only,
    and a call that fails still counts), so the check sees the calls recorded before it.
    """
    if limit is None:
        return
    calls, seconds = limit
    key = f"{fn.__module__}.{fn.__qualname__}|{ctx.client_ip}"
    wait = await counters.seconds_blocked(ctx.db, _TABLE, [key], calls)
    if wait:
        raise errors.RateLimitExceededError(MESSAGE, headers={"Retry-After": str(wait)})

    async def count_call(conn: Connection) -> None:
        await counters.add_hit(conn, _TABLE, key, seconds)

    ctx.effects.side_writes.append(count_call)
