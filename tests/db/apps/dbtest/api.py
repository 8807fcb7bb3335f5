"""Functions that keep the database busy on purpose, reached through maju's own dispatch (S12)."""

from __future__ import annotations

from starlette.requests import Request

from maju.context import Context
from maju.doctype.document import Document
from maju.whitelisting import whitelist

# Each runs for tens of seconds when nothing cancels it: a broken timeout shows as a 200.
SLOW_SQL = {
    "sqlite": (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
        "SELECT count(*) FROM c"
    ),
    "postgresql": "SELECT pg_sleep(60)",
}


@whitelist(methods=("POST",))
async def write_then_stall(ctx: Context, title: str) -> str:
    """Insert a DB Note, then run a statement that outlasts `database.statement_timeout`."""
    await Document.new(ctx, "DB Note", {"title": title}).insert()
    await ctx.db.fetch_value(SLOW_SQL[ctx.db.dialect.name])
    return "finished"


@whitelist
async def hold_connection(ctx: Context, request: Request) -> str:
    """Take a pooled connection (one statement), then wait, holding it, until the test opens
    `app.state.gate`; `app.state.holding` counts the callers waiting."""
    state = request.app.state
    await ctx.db.fetch_value("SELECT 1")
    state.holding += 1
    if state.holding == state.expected:
        state.all_holding.set()
    await state.gate.wait()
    return "released"
