"""Wrap a handler into a Starlette endpoint: parameters, transaction, caller, CSRF, errors.

A handler gets the request's `Context` and a `Call` (the verb, the route's path parameters
and the parsed parameters) and returns a `maju.reply.Reply` (or a Starlette Response for
files); it never reaches into the request for them, and writes nothing on shared objects.

The connection and transaction are opened here, in the request's own task (databases keys
connections by task), and every error is rendered here so the transaction has rolled back
first. The side writes then run in their own short write transaction, and the answer is put
into bytes by maju.api.responses.render, with authentication's cookies and body key, success
or error.

Two shapes: `endpoint` reads the (capped) parameters first and authenticates inside the
request's transaction; a body that may carry files is read only once the caller is known
(F7). `streaming_endpoint` serves uploads: the caller first, then the body as it arrives
(F9), then the handler's transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from maju.api.caller import SAFE_METHODS, Caller, authenticate_alone
from maju.api.form import read_form_dict
from maju.api.responses import error_reply, render
from maju.auth.backend import Identity, authenticate
from maju.auth.client_ip import resolve_peer
from maju.auth.csrf import check_csrf
from maju.context import Context
from maju.reply import Reply, SideWrite
from maju.site import Site, site_of


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler is asked, already parsed.

    Args:
        site: the process's Site (registry, database pool, secret key, method index).
        verb: the HTTP method as sent (HEAD included).
        path: the route's path parameters (`doctype`, `name`, `method`, ...).
        params: E6's parameters (or what the route's reader built from the body).
        request: the raw request, for the one handler that reads its body again (D10's
            document fields) and the functions that ask for it by annotation.
    """

    site: Site
    verb: str
    path: Mapping[str, Any]
    params: dict[str, Any]
    request: Request


Handler = Callable[[Context, Call], Awaitable[Reply | Response]]
ParamsReader = Callable[[Request], Awaitable[dict[str, Any]]]
# Reads the body of a request whose caller is already known (F7).
BodyReader = Callable[[Request, Caller], Awaitable[dict[str, Any]]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(slots=True)
class _Exchange:
    """One request on its way through the endpoint: its caller once known (whose cookies go
    on any answer) and the writes queued to run after its transaction."""

    identity: Identity | None = None
    after_request: list[SideWrite] = field(default_factory=list)


# Everything before the handler's transaction: its parameters, and the caller if known then.
_Prepare = Callable[[Request, Site, _Exchange], Awaitable[dict[str, Any]]]


def endpoint(handler: Handler, read_params: ParamsReader = read_form_dict) -> Endpoint:
    """A Starlette endpoint running `handler` inside one transaction for the request.

    `read_params` builds the parameters before the transaction opens (E6's form dict by
    default). A multipart body may carry files, so its caller is authenticated first, in a
    short transaction of its own: a bad key or session answers 401 before it is read (F7).
    """

    async def prepare(request: Request, site: Site, exchange: _Exchange) -> dict[str, Any]:
        if _is_multipart(request):
            exchange.identity = await authenticate_alone(request, site)
        return await read_params(request)

    return _endpoint(handler, prepare)


def streaming_endpoint(handler: Handler, read_body: BodyReader) -> Endpoint:
    """F7, F9: the caller is authenticated and A10 decided from the headers before a byte
    of the body is read; `read_body` (which may refuse the caller, e.g. a Guest, and must
    pass the fields it reads to `caller.csrf` before it stores anything) then streams the
    body, and `handler` runs in the request's transaction as that caller."""

    async def prepare(request: Request, site: Site, exchange: _Exchange) -> dict[str, Any]:
        caller = await Caller.of(request, site)
        exchange.identity = caller.identity
        return await read_body(request, caller)

    return _endpoint(handler, prepare)


def _endpoint(handler: Handler, prepare: _Prepare) -> Endpoint:
    async def run(request: Request) -> Response:
        site = site_of(request)
        exchange = _Exchange()
        side_writes: tuple[SideWrite, ...] = ()
        try:
            params = await prepare(request, site, exchange)
            outcome, response = await _in_transaction(request, site, handler, params, exchange)
            if isinstance(outcome, Reply):
                side_writes = outcome.side_writes
        except Exception as exc:  # every failure becomes the E9 envelope, after rollback
            response = _error(exc, site, exchange)
        identity = exchange.identity
        if identity is not None:
            side_writes = identity.side_writes + side_writes
        try:
            await run_side_writes(site, [*side_writes, *exchange.after_request])
        except Exception as exc:  # a logout that did not happen must not answer 200
            response = _error(exc, site, exchange)
        # Close the files `request.form()` spooled (E6), rather than leave them to the GC.
        await request.close()
        return response

    run.__name__ = getattr(handler, "__name__", "endpoint")
    return run


def _error(exc: Exception, site: Site, exchange: _Exchange) -> Response:
    reply = error_reply(exc, developer_mode=site.config.site.developer_mode)
    return render(reply, exchange.identity)


def _is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


async def _in_transaction(
    request: Request, site: Site, handler: Handler, params: dict[str, Any], exchange: _Exchange
) -> tuple[Reply | Response, Response]:
    """`handler` in the request's transaction, its answer rendered there too (a value that
    cannot be serialised rolls back as well); the caller is authenticated here unless it was
    before the body was read."""
    read_only = request.method in SAFE_METHODS
    async with site.db.transaction(read_only=read_only) as conn:
        identity = exchange.identity
        if identity is None:
            identity = exchange.identity = await authenticate(
                request, conn, site.config, site.secret_key
            )
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
            auth_method=identity.method,
            session=identity.session,
            client_ip=resolve_peer(request.scope, site.config.proxy.trusted_proxies).ip,
            after_request=exchange.after_request,
        )
        call = Call(site, request.method, request.path_params, params, request)
        outcome = await handler(ctx, call)
        return outcome, render(outcome, identity)


async def run_side_writes(site: Site, writes: list[SideWrite]) -> None:
    """A3, A6, A13, F9, F10: bookkeeping that must persist whatever the request's transaction
    did, in one write transaction of its own."""
    if not writes:
        return
    async with site.db.transaction(read_only=False) as conn:
        for write in writes:
            await write(conn)
