"""JSON responses: the success envelopes (E8) and the one place errors become bodies (E9, E15)."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

from maju import errors
from maju.doctype.fields import format_datetime, format_time

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


class JSONResponse(Response):
    media_type = "application/json"

    def __init__(
        self, content: Any, status_code: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(dumps(content), status_code=status_code, headers=headers)


def message_body(value: Any) -> dict[str, Any]:
    """E8: `{"message": value}`, or `{}` when the value is None."""
    return {} if value is None else {"message": value}


def error_response(exc: BaseException, *, developer_mode: bool) -> JSONResponse:
    """Render any exception as the E9 envelope; unexpected ones as E15's 500."""
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
    return JSONResponse(body, status_code=status, headers=headers)


ERROR_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
