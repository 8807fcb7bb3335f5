"""GET /api/resource/{dt}: the listing endpoint (section L), a thin shell over maju.query."""

from __future__ import annotations

from typing import Any

from maju.api.endpoint import Call
from maju.context import Context
from maju.query.execute import ListResult, list_rows
from maju.reply import Reply


async def list_handler(ctx: Context, call: Call) -> Reply:
    """L1: `{"data": [row, …]}`, plus X2's counters and L20's debug keys when they apply."""
    result = await list_rows(ctx, str(call.path["doctype"]), call.params, strict=True)
    return Reply(listing_body(result))


def listing_body(result: ListResult) -> dict[str, Any]:
    """The `/api/resource` body: `data`, X2's keys, and L20's `exc`/`_debug_messages`."""
    body: dict[str, Any] = {"data": result.rows}
    if result.count is not None:
        body.update(
            has_next_page=result.has_next_page, count=result.count, count_capped=result.count_capped
        )
    if result.debug_messages is not None:
        body["exc"] = result.debug_messages
        body["_debug_messages"] = result.debug_messages
    return body
