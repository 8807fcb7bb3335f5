"""/api/method/<name> and `/?cmd=<name>`: resolve, admit, bind and call a whitelisted function (M).

The endpoint wrapper has already opened the request's one transaction (read-only for GET and
HEAD) and renders the answer, or any error raised here after rolling it back (M5, E9).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from maju import errors
from maju.api.arguments import bind
from maju.api.dispatch import method_index
from maju.api.endpoint import Call
from maju.api.policy import admit, invoke
from maju.api.responses import message_body
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
    """M2 resolution, the one whitelist policy (M3, M4, C4), M6/M7 binding, then the call."""
    target = method_index(call.site).resolve(name)
    await admit(ctx, call.site.db, name, target, call.verb)
    args, kwargs = bind(target.plan, call.params, ctx, call.site, call.request)
    return method_reply(await invoke(target.fn, target.is_async, args, kwargs))


def method_reply(result: Any) -> Reply | Response:  # Any: whatever the function returned
    """M8: a Response or a Reply as is; otherwise `{"message": value}`, `{}` for None, with
    documents serialised per D8 without nulls (D9)."""
    if isinstance(result, Reply | Response):
        return result
    return Reply(message_body(jsonable(result)))
