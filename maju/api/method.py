"""/api/method/<name> and `/?cmd=<name>`: check, bind and call a whitelisted function (M).

The endpoint wrapper has already opened the request's one transaction (read-only for GET and
HEAD) and renders the answer, or any error raised here after rolling it back (M5, E9).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from maju import errors
from maju.api.arguments import bind
from maju.api.dispatch import Target, method_index
from maju.api.endpoint import Call
from maju.api.responses import message_body
from maju.auth.ratelimit import check_rate_limit
from maju.context import Context
from maju.doctype.serialise import jsonable
from maju.reply import Reply


async def method_handler(ctx: Context, call: Call) -> Reply | Response:
    """M1: the name is the path segment after /api/method/; anything after it is ignored."""
    return await call_method(ctx, call, str(call.path["method"]))


async def cmd_handler(ctx: Context, call: Call) -> Reply | Response:
    """M14: `/` with `cmd` is /api/method/<cmd> with the other parameters and the same verb."""
    name = call.params.get("cmd")
    if name is None or name == "":
        raise errors.DoesNotExistError(f"Page {call.request.url.path} not found")
    if not isinstance(name, str):
        raise errors.ValidationError(f"Failed to get method for command {name}")
    return await call_method(ctx, call, name)  # `cmd` stays: passed only if declared (M6)


async def call_method(ctx: Context, call: Call, name: str) -> Reply | Response:
    target = method_index(call.site).resolve(name)
    check_caller(ctx, name, target, call.verb)
    await check_rate_limit(ctx, call.site.db, target.fn, target.spec.rate_limit)  # C4
    args, kwargs = bind(target.plan, call.params, ctx, call.site, call.request)
    if target.is_async:
        result = await target.fn(*args, **kwargs)
    else:
        result = await run_in_threadpool(target.fn, *args, **kwargs)
    return method_reply(result)


def check_caller(ctx: Context, name: str, target: Target, verb: str) -> None:
    """M3 guests, then M4 verbs (HEAD counts as GET); both are 403."""
    if ctx.is_guest and not target.spec.allow_guest:
        raise errors.PermissionError(f"Function {name} is not allowed for Guest; log in first.")
    if not target.spec.allows_verb(verb):
        raise errors.PermissionError("Not permitted")


def method_reply(result: Any) -> Reply | Response:  # Any: whatever the function returned
    """M8: a Response or a Reply as is; otherwise `{"message": value}`, `{}` for None, with
    documents serialised per D8 without nulls (D9)."""
    if isinstance(result, Reply | Response):
        return result
    return Reply(message_body(jsonable(result)))
