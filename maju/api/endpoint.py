"""Wrap a handler into a Starlette endpoint: form dict, transaction, caller, CSRF, errors, effects.

The connection and transaction are opened here, in the request's own task (databases keys
connections by task), and every error is rendered here so the transaction has rolled back first.
Session bookkeeping then runs in its own short write transaction, and the cookies and body keys
authentication asked for are put on whatever response resulted, success or error.

Two shapes: `endpoint` reads the (capped) parameters first and authenticates inside the
request's transaction; a body that may carry files is read only once the caller is known
(F7). `streaming_endpoint` serves uploads: the caller first, then the body as it arrives
(F9), then the handler's transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from maju.api.caller import SAFE_METHODS, Caller, authenticate_alone
from maju.api.form import read_form_dict
from maju.api.responses import dumps, error_response
from maju.auth.backend import Identity, authenticate
from maju.auth.client_ip import resolve_peer
from maju.auth.csrf import check_csrf
from maju.context import Context, ResponseEffects
from maju.site import Site, site_of

Handler = Callable[[Context, dict[str, Any]], Awaitable[Response]]
ParamsReader = Callable[[Request], Awaitable[dict[str, Any]]]
# Reads the body of a request whose caller is already known (F7).
BodyReader = Callable[[Request, Caller], Awaitable[dict[str, Any]]]
Endpoint = Callable[[Request], Awaitable[Response]]
# Everything before the handler's transaction: its parameters, and the caller if known.
_Prepare = Callable[
    [Request, Site, ResponseEffects], Awaitable[tuple[dict[str, Any], Identity | None]]
]


def endpoint(handler: Handler, read_params: ParamsReader = read_form_dict) -> Endpoint:
    """A Starlette endpoint running `handler` inside one transaction for the request.

    `read_params` builds the parameters before the transaction opens (E6's form dict by
    default). A multipart body may carry files, so its caller is authenticated first, in a
    short transaction of its own: a bad key or session answers 401 before it is read (F7).
    """

    async def prepare(
        request: Request, site: Site, effects: ResponseEffects
    ) -> tuple[dict[str, Any], Identity | None]:
        identity = None
        if _is_multipart(request):
            identity = await authenticate_alone(request, site, effects)
        return await read_params(request), identity

    return _endpoint(handler, prepare)


def streaming_endpoint(handler: Handler, read_body: BodyReader) -> Endpoint:
    """F7, F9: the caller is authenticated and A10 decided from the headers before a byte
    of the body is read; `read_body` (which may refuse the caller, e.g. a Guest, and must
    pass the fields it reads to `caller.csrf` before it stores anything) then streams the
    body, and `handler` runs in the request's transaction as that caller."""

    async def prepare(
        request: Request, site: Site, effects: ResponseEffects
    ) -> tuple[dict[str, Any], Identity | None]:
        caller = await Caller.of(request, site, effects)
        return await read_body(request, caller), caller.identity

    return _endpoint(handler, prepare)


def _endpoint(handler: Handler, prepare: _Prepare) -> Endpoint:
    async def run(request: Request) -> Response:
        site = site_of(request)
        developer_mode = site.config.site.developer_mode
        effects = ResponseEffects()
        try:
            params, identity = await prepare(request, site, effects)
            response = await run_in_transaction(request, site, handler, params, effects, identity)
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


def _is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


async def run_in_transaction(
    request: Request,
    site: Site,
    handler: Handler,
    params: dict[str, Any],
    effects: ResponseEffects,
    identity: Identity | None = None,
) -> Response:
    """`handler` in the request's transaction; the caller is authenticated here unless it
    was before the body was read (`identity`)."""
    read_only = request.method in SAFE_METHODS
    async with site.db.transaction(read_only=read_only) as conn:
        if identity is None:
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
            client_ip=resolve_peer(request.scope, site.config.proxy.trusted_proxies).ip,
        )
        return await handler(ctx, params)


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
