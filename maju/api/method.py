"""/api/method/<name>: resolve a name to a whitelisted function and call it (section M)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from maju import errors
from maju.api.responses import JSONResponse, message_body
from maju.context import Context


async def ping(ctx: Context) -> str:
    return "pong"


BUILTINS = {"ping": ping}


async def method_handler(ctx: Context, params: dict[str, Any]) -> Response:
    assert ctx.request is not None
    name = ctx.request.path_params["method"]
    fn = BUILTINS.get(name)
    if fn is None:
        raise errors.ValidationError(f"Failed to get method for command {name}")
    return JSONResponse(message_body(await fn(ctx)))
