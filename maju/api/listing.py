"""GET /api/resource/{dt}: the listing endpoint (section L), a thin shell over maju.query."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from maju.api.responses import JSONResponse
from maju.context import Context
from maju.query.execute import list_rows


async def list_handler(ctx: Context, params: dict[str, Any]) -> Response:
    """L1: `{"data": [row, …]}`, plus X2's counters and L20's debug keys when they apply."""
    assert ctx.request is not None
    doctype = ctx.request.path_params["doctype"]
    result = await list_rows(ctx, doctype, params, strict=True)
    return JSONResponse(result.body())
