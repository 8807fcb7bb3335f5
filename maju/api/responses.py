"""The one place an answer becomes bytes: a handler's Reply, or an error as E9's envelope (E15).

Handlers build bodies as Python values (`{"data": ...}`, E8) and return a `maju.reply.Reply`;
`render` adds what authentication asked for (A3's cookie, A5's `session_expired` and cookie
deletions) to the value, before it is serialised, once.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

from maju import errors
from maju.auth.backend import Identity
from maju.doctype.fields import format_datetime, format_time
from maju.reply import Reply

log = logging.getLogger(__name__)


def _default(value: Any) -> Any:  # Any: orjson's fallback hook
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and abs(value) < 2**53
            else float(value)
        )
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time | dt.timedelta):
        return format_time(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> bytes:
    # orjson renders datetimes as ISO with a T; D7 wants a space and six digits, so those go
    # through _default (OPT_PASSTHROUGH_DATETIME).
    return orjson.dumps(
        value, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
    )


JSON = "application/json"


def render(outcome: Reply | Response, identity: Identity | None) -> Response:
    """The response for a handler's outcome, with what authenticating `identity` added.

    A Starlette Response (M8: downloads, redirects) goes out unchanged but for
    authentication's cookies; a Reply's body gets A5's `session_expired` when it is an object.
    """
    if isinstance(outcome, Response):
        _set_cookies(outcome, identity.cookies if identity is not None else ())
        return outcome
    body = outcome.body
    cookies = outcome.cookies
    if identity is not None:
        if cookies is None:
            cookies = identity.cookies
        if identity.session_expired and not outcome.signed_in and isinstance(body, dict):
            body = {**body, "session_expired": 1}
    response = Response(dumps(body), outcome.status, outcome.headers, JSON)
    _set_cookies(response, cookies or ())
    return response


def _set_cookies(response: Response, cookies: tuple[str, ...]) -> None:
    for cookie in cookies:
        response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))


def message_body(value: Any) -> dict[str, Any]:
    """E8: `{"message": value}`, or `{}` when the value is None."""
    return {} if value is None else {"message": value}


def error_response(exc: BaseException, *, developer_mode: bool) -> Response:
    """Any exception as its E9 answer, for code outside a request's endpoint (routing, body
    limits); the endpoint renders `error_reply` with its caller's cookies instead."""
    return render(error_reply(exc, developer_mode=developer_mode), None)


def error_reply(exc: BaseException, *, developer_mode: bool) -> Reply:
    """Any exception as the E9 envelope; unexpected ones as E15's 500."""
    if isinstance(exc, errors.MajuError):
        body = exc.to_dict()
        status = exc.status
        headers = dict(exc.headers)
        line = body["exception"]
    else:
        name = type(exc).__name__
        log.error("unexpected error", exc_info=exc)
        status = 500
        headers = {}
        line = f"{name}: {exc}" if developer_mode else f"{name}: Internal server error"
        body = {"exc_type": name, "exception": line}
    if isinstance(exc, errors.DoesNotExistError):
        # E9: a 404 carries neither `exception` nor `exc`, as Frappe's: the JavaScript SDK reports
        # `exception ?? exc_type`, and apps compare that with "DoesNotExistError".
        body.pop("exception", None)
    else:
        trace = "".join(traceback.format_exception(exc)) if developer_mode else line
        body["exc"] = orjson.dumps([trace]).decode()
    # S11 here too: a 500 rendered by Starlette's outermost ServerErrorMiddleware never passes
    # through SecurityHeadersMiddleware, and no error answer should be cached anyway.
    headers.update(ERROR_HEADERS)
    return Reply(body, status, headers)


ERROR_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
