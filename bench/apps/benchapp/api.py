"""One whitelisted function doing one SELECT: what the benchmark's method scenario calls."""

from __future__ import annotations

from typing import Any

from maju.context import Context
from maju.whitelisting import whitelist


@whitelist(methods=("GET",))
async def todo_status(ctx: Context, name: str) -> dict[str, Any] | None:
    """The name and status of one ToDo, or nothing: one primary-key SELECT, no permission work."""
    q = ctx.db.dialect.quote
    return await ctx.db.fetch_one(
        f"SELECT {q('name')}, {q('status')} FROM {q('tabToDo')} WHERE {q('name')} = :name",
        {"name": name},
    )
