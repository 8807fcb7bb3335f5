"""Whitelisted (and deliberately not whitelisted) functions the method tests call."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from os import system  # noqa: F401 - must not become `methodtest.api.system` (M2)
from typing import Any, Literal

# `outside` is whitelisted but defined outside the apps: it must stay unreachable.
from outsider import outside  # type: ignore[import-not-found]  # noqa: F401
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from maju import errors
from maju.context import Context
from maju.doctype.document import Document
from maju.reply import Reply
from maju.whitelisting import whitelist


async def _insert_log(ctx: Context, label: str) -> str:
    """A nested document operation: the Document API writes inside the request's transaction."""
    doc = await Document.new(ctx, "Method Log", {"label": label}).insert()
    return str(doc.name)


@whitelist(methods=("POST",))
async def insert_log(ctx: Context, label: str) -> str:
    return await _insert_log(ctx, label)


@whitelist(methods=("POST", "PUT", "DELETE"))
async def insert_then_fail(ctx: Context, label: str) -> None:
    await _insert_log(ctx, label)
    await _insert_log(ctx, label + " again")
    raise errors.ValidationError(f"Refusing {label}")


@whitelist(methods=("POST",))
async def insert_then_crash(ctx: Context, label: str) -> None:
    await _insert_log(ctx, label)
    raise RuntimeError("secret detail /etc/passwd SELECT 1")


@whitelist(methods=("POST",))
async def insert_then_unserialisable(ctx: Context, label: str) -> object:
    await _insert_log(ctx, label)
    return object()


@whitelist
async def write_any_verb(ctx: Context, label: str) -> str:
    return await _insert_log(ctx, label)


@whitelist
async def count_logs(ctx: Context) -> int:
    q = ctx.db.dialect.quote
    return int(await ctx.db.fetch_value(f"SELECT COUNT(*) FROM {q('tabMethod Log')}"))


@whitelist
async def list_logs(ctx: Context) -> dict[str, str]:
    q = ctx.db.dialect.quote
    rows = await ctx.db.fetch_all(f"SELECT {q('name')}, {q('label')} FROM {q('tabMethod Log')}")
    return {str(row["name"]): str(row["label"]) for row in rows}


@whitelist
async def typed(
    ctx: Context,
    a: int,
    b: float = 0.0,
    flag: bool = False,
    items: list[Any] | None = None,
    obj: dict[str, Any] | None = None,
    text: str = "",
    maybe: int | None = None,
    mode: Literal["fast", "slow"] = "fast",
) -> dict[str, Any]:
    values = {
        "a": a,
        "b": b,
        "flag": flag,
        "items": items,
        "obj": obj,
        "text": text,
        "maybe": maybe,
        "mode": mode,
    }
    return {"values": values, "types": {k: type(v).__name__ for k, v in values.items()}}


@whitelist
def untyped(x, y="default"):  # type: ignore[no-untyped-def]
    return {"x": x, "y": y}


@whitelist
def sync_thread(n: int) -> dict[str, Any]:
    return {"double": n * 2, "main_thread": threading.current_thread() is threading.main_thread()}


@whitelist
async def takes_kwargs(**kwargs: Any) -> dict[str, Any]:
    return kwargs


@whitelist
async def declares_plumbing(
    cmd: str = "",
    sid: str = "",
    csrf_token: str = "",
    ignore_permissions: str = "unset",
    flags: str = "unset",
) -> dict[str, Any]:
    return {
        "cmd": cmd,
        "sid": sid,
        "csrf_token": csrf_token,
        "ignore_permissions": ignore_permissions,
        "flags": flags,
    }


@whitelist
async def takes_data(data: list[Any]) -> int:
    return len(data)


@whitelist
async def who(ctx: Context, ctx_other: str = "") -> dict[str, Any]:
    return {"user": ctx.user, "read_only": ctx.read_only, "ctx_other": ctx_other}


@whitelist(allow_guest=True)
async def guest_ok(ctx: Context) -> str:
    return ctx.user


@whitelist(methods=("GET",))
async def get_only() -> str:
    return "got"


@whitelist(methods="POST")
async def post_only() -> str:
    return "posted"


@whitelist(methods=("PATCH",))
async def patch_only() -> str:
    return "patched"


@whitelist
async def returns(kind: str) -> Any:
    values: dict[str, Any] = {
        "none": None,
        "empty": "",
        "zero": 0,
        "false": False,
        "list": [],
        "dict": {},
        "datetime": dt.datetime(2024, 5, 6, 7, 8, 9, 123),
        "date": dt.date(2024, 5, 6),
        "time": dt.time(7, 8, 9),
        "decimal": Decimal("12.50"),
        "int_decimal": Decimal("3"),
        "nested": {"when": dt.datetime(2024, 1, 2), "amounts": [Decimal("1.5")]},
        "unicode": "ça va ✓",
    }
    return values[kind]


@whitelist
async def response(kind: str) -> Response:
    if kind == "redirect":
        return RedirectResponse("/app/todo", status_code=302)
    return PlainTextResponse(
        "a,b\n1,2\n",
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="x.csv"'},
    )


@whitelist(allow_guest=True)
async def _private() -> str:
    return "private"


async def not_whitelisted() -> str:
    return "should never run"


@whitelist
class NotAFunction:
    """Marked, but a class: only functions are callable (M3)."""


@whitelist(allow_guest=True)
async def raise_error(kind: str, message: str = "Something went wrong") -> None:
    """Raise the maju error class named `kind` (E11's table)."""
    error_class = getattr(errors, kind)
    raise error_class(message)


@whitelist(methods=("POST",), allow_guest=True)
async def created(label: str = "x") -> Reply:
    """A whole JSON answer with its own status and header: a Reply, not M8's envelope."""
    return Reply({"created": label}, status=201, headers={"Location": f"/items/{label}"})
