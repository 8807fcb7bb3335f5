"""/api/method/<name> and `/?cmd=<name>`: check, bind, call and render a whitelisted function (M).

The endpoint wrapper has already opened the request's one transaction (read-only for GET and
HEAD) and renders every error raised here after rolling it back (M5, E9).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from maju import errors
from maju.api.arguments import bind
from maju.api.dispatch import Target, method_index
from maju.api.responses import JSONResponse, message_body
from maju.auth.ratelimit import check_rate_limit
from maju.context import Context
from maju.doctype.serialise import jsonable
from maju.site import site_of
from maju.whitelisting import Body


async def method_handler(ctx: Context, params: dict[str, Any]) -> Response:
    """M1: the name is the path segment after /api/method/; anything after it is ignored."""
    assert ctx.request is not None
    return await call_method(ctx, ctx.request.path_params["method"], params)


async def cmd_handler(ctx: Context, params: dict[str, Any]) -> Response:
    """M14: `/` with `cmd` is /api/method/<cmd> with the other parameters and the same verb."""
    assert ctx.request is not None
    name = params.get("cmd")
    if name is None or name == "":
        raise errors.DoesNotExistError(f"Page {ctx.request.url.path} not found")
    if not isinstance(name, str):
        raise errors.ValidationError(f"Failed to get method for command {name}")
    return await call_method(ctx, name, params)  # `cmd` stays: passed only if declared (M6)


async def call_method(ctx: Context, name: str, params: dict[str, Any]) -> Response:
    assert ctx.request is not None
    target = method_index(site_of(ctx.request)).resolve(name)
    check_caller(ctx, name, target, ctx.request.method)
    await check_rate_limit(ctx, target.fn, target.spec.rate_limit)  # C4
    args, kwargs = bind(target.plan, ctx, params)
    if target.is_async:
        result = await target.fn(*args, **kwargs)
    else:
        result = await run_in_threadpool(target.fn, *args, **kwargs)
    # Rendered here, inside the transaction: a value that cannot be serialised rolls back too.
    return render(result)


def check_caller(ctx: Context, name: str, target: Target, verb: str) -> None:
    """M3 guests, then M4 verbs (HEAD counts as GET); both are 403."""
    if ctx.is_guest and not target.spec.allow_guest:
        raise errors.PermissionError(f"Function {name} is not allowed for Guest; log in first.")
    if not target.spec.allows_verb(verb):
        raise errors.PermissionError("Not permitted")


def render(result: Any) -> Response:  # Any: whatever the function returned
    """M8: a Response as is, a `Body` as the whole body; otherwise `{"message": value}`, `{}`
    for None, with documents serialised per D8 without nulls (D9)."""
    if isinstance(result, Response):
        return result
    if isinstance(result, Body):
        return JSONResponse(dict(result.content))
    return JSONResponse(message_body(jsonable(result)))
