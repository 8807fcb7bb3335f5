"""One whitelist policy for `/api/method` and document methods (M3, M4, C4, D23).

Both doors resolve a whitelisted function first (maju.api.dispatch: a dotted path, or a
controller method for `run_method`), then pass through here, in this order: a Guest only into
`allow_guest` functions (M3), only with a declared verb (M4; HEAD counts as GET), at most
`rate_limit` calls per client IP (C4, counted and committed before the function runs). Then
the call: an async function is awaited in the request's task; a sync one runs in a worker
thread, so a slow one blocks no other request.

What a sync function may do: it runs while its request waits for it, so it may read its
arguments, the Context's plain facts (`ctx.user`, `ctx.roles`, `ctx.config`) and, for a
document method, the loaded document's fields. It may not use the database: `ctx.db` and the
Document API are async and belong to the event loop, which a worker thread must not drive.
A function that reads or writes data is written `async`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from maju import errors
from maju.api.dispatch import Target
from maju.auth.ratelimit import check_rate_limit
from maju.context import Context
from maju.db.connection import Database


async def admit(ctx: Context, database: Database, name: str, target: Target, verb: str) -> None:
    """M3 guests, then M4 verbs (both 403), then C4's count (429 past the limit).

    Args:
        database: the site's pool; the rate limit counts in a transaction of its own.
        name: the name the client called, for M3's message.
        verb: the request's HTTP method.
    """
    if ctx.is_guest and not target.spec.allow_guest:
        raise errors.PermissionError(f"Function {name} is not allowed for Guest; log in first.")
    if not target.spec.allows_verb(verb):
        raise errors.PermissionError("Not permitted")
    await check_rate_limit(ctx, database, target.fn, target.spec.rate_limit)


async def invoke(
    fn: Callable[..., Any], is_async: bool, args: list[Any], kwargs: dict[str, Any]
) -> Any:  # Any: whatever the function returns
    """Await an async function; run a sync one in a worker thread (see the module docstring)."""
    if is_async:
        return await fn(*args, **kwargs)
    return await run_in_threadpool(fn, *args, **kwargs)
