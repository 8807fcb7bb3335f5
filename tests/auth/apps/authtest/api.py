"""Rate-limited functions for C4's tests."""

from __future__ import annotations

from maju import errors, whitelist
from maju.context import Context


@whitelist(allow_guest=True, rate_limit=(2, 60))
async def limited(ctx: Context) -> str:
    """Any verb, GET included: the count is kept even though a GET's transaction is read-only."""
    return "ok"


@whitelist(allow_guest=True, methods=("POST",), rate_limit=(2, 60))
async def limited_failing(ctx: Context) -> str:
    """A call that fails still counts."""
    raise errors.ValidationError("always fails")


@whitelist(allow_guest=True)
async def broken_sql(ctx: Context) -> str:
    """S2: a database error whose text names a table and a bound value."""
    await ctx.db.fetch_all(
        'SELECT "secret_column" FROM "no_such_table" WHERE "x" = :v', {"v": "hunter2"}
    )
    return "unreachable"


@whitelist(allow_guest=True)
async def broken_python(ctx: Context) -> str:
    """S2: an unexpected error whose text holds a path."""
    raise RuntimeError("cannot open /srv/maju/site/private/secret_key")
