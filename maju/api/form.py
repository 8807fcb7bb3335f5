"""Build E6's flat parameter mapping (the "form dict") from a request's query string and body."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request

from maju import errors

DROPPED = frozenset({"_"})


def is_json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith(("application/", "*/")) and media.endswith("+json")
    )


def _first_values(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        mapping.setdefault(key, value)  # E6: for a repeated key the first value wins
    return mapping


async def read_form_dict(request: Request) -> dict[str, Any]:
    """E6/E7: a JSON body replaces the query string; otherwise form fields overlay it."""
    content_type = request.headers.get("content-type", "")
    params = _first_values(list(request.query_params.multi_items()))
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form()
        except HTTPException as exc:  # E15: a malformed multipart body is the client's mistake
            raise errors.BadRequestError(str(exc.detail)) from exc
        for key, value in _first_values(list(form.multi_items())).items():
            params[key] = value
    else:
        body = await request.body()
        if body.strip() and is_json_type(content_type):
            params = _json_params(body)
    for key in DROPPED:
        params.pop(key, None)
    return params


def _json_params(body: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "infinity" in exc.msg:  # orjson's word for a valid number past a double, e.g. 1e400
            raise errors.DataError(
                f"A number in the JSON body is out of range (at character {exc.pos})"
            ) from exc
        raise errors.BadRequestError("Invalid JSON body") from exc
    if isinstance(parsed, dict):
        return parsed
    if isinstance(parsed, list):
        return {"data": parsed}
    raise errors.BadRequestError("A JSON body must be an object or an array")
