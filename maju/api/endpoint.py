"""Wrap a handler into a Starlette endpoint: form dict, transaction, caller, CSRF, errors, effects.

The connection and transaction are opened here, in the request's own task (databases keys
connections by task), and every error is rendered here so the transaction has rolled back first.
Session bookkeeping then runs in its own short write transaction, and the cookies and body keys
authentication asked for are put on whatever response resulted, success or error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from maju.api.form import read_form_dict
from maju.api.responses import dumps, error_response
from maju.auth.backend import authenticate
from maju.auth.csrf import check_csrf
from maju.context import Context, ResponseEffects, reset_current, set_current
from maju.site import Site

Handler = Callable[[Context, dict[str, Any]], Awaitable[Response]]
ParamsReader = Callable[[Request], Awaitable[dict[str, Any]]]

SAFE_METHODS = frozenset({"GET", "HEAD"})


def site_of(request: Request) -> Site:
    site: Site = request.state.site
    return site


def endpoint(
    handler: Handler, read_params: ParamsReader = read_form_dict
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running `handler` inside one transaction for the request.

    `read_params` builds the parameters before the transaction opens (E6's form dict by
    default; the file upload streams its body to disk instead, F9).
    """

    async def run(request: Request) -> Response:
        site = site_of(request)
        developer_mode = site.config.site.developer_mode
        effects = ResponseEffects()
        try:
            params = await read_params(request)
            response = await run_in_transaction(request, site, handler, params, effects)
        except Exception as exc:  # every failure becomes the E9 envelope, after rollback
            response = error_response(exc, developer_mode=developer_mode)
        try:
            await run_side_writes(site, effects)
        except Exception as exc:  # a logout that did not happen must not answer 200
            response = error_response(exc, developer_mode=developer_mode)
        apply_effects(response, effects)
        # Close the files `request.form()` spooled (E6), rather than leave them to the GC.
        await request.close()
        return response

    run.__name__ = getattr(handler, "__name__", "endpoint")
    return run


async def run_in_transaction(
    request: Request, site: Site, handler: Handler, params: dict[str, Any], effects: ResponseEffects
) -> Response:
    read_only = request.method in SAFE_METHODS
    async with site.db.transaction(read_only=read_only) as conn:
        identity = await authenticate(request, conn, site.config, site.secret_key, effects)
        if identity.session is not None and not read_only:
            # A10: only unsafe requests riding on the cookie alone are checked.
            check_csrf(request, identity.session, params, site.config)
        ctx = Context(
            user=identity.user,
            roles=identity.roles,
            db=conn,
            read_only=read_only,
            registry=site.registry,
            config=site.config,
            request=request,
            auth_method=identity.method,
            session=identity.session,
            effects=effects,
        )
        token = set_current(ctx)
        try:
            return await handler(ctx, params)
        finally:
            reset_current(token)


async def run_side_writes(site: Site, effects: ResponseEffects) -> None:
    """A3, A6, A13, C4: bookkeeping that must persist whatever the request's transaction did."""
    if not effects.side_writes:
        return
    writes, effects.side_writes = effects.side_writes, []
    async with site.db.transaction(read_only=False) as conn:
        for write in writes:
            await write(conn)


def apply_effects(response: Response, effects: ResponseEffects) -> None:
    for cookie in effects.cookies:
        response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
    for name, value in effects.headers.items():
        response.headers[name] = value
    if effects.body:
        _add_body_keys(response, effects.body)


def _add_body_keys(response: Response, extra: dict[str, Any]) -> None:
    """A5: `session_expired` goes into the JSON body of any answer, success or error."""
    body = getattr(response, "body", None)
    if not isinstance(body, bytes) or not body or response.media_type != "application/json":
        return
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    if not isinstance(parsed, dict):
        return
    parsed.update(extra)
    response.body = dumps(parsed)
    response.headers["content-length"] = str(len(response.body))
