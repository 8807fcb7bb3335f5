"""Wrap a handler into a Starlette endpoint: form dict, transaction, caller, Context, errors.

The connection and transaction are opened here, in the request's own task (databases keys
connections by task), and every error is rendered here so the transaction has rolled back first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from maju.api.form import read_form_dict
from maju.api.responses import error_response
from maju.auth.backend import authenticate
from maju.context import Context, reset_current, set_current
from maju.site import Site

Handler = Callable[[Context, dict[str, Any]], Awaitable[Response]]

SAFE_METHODS = frozenset({"GET", "HEAD"})


def site_of(request: Request) -> Site:
    site: Site = request.state.site
    return site


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running `handler` inside one transaction for the request."""

    async def run(request: Request) -> Response:
        site = site_of(request)
        try:
            params = await read_form_dict(request)
            response = await run_in_transaction(request, site, handler, params)
        except Exception as exc:  # every failure becomes the E9 envelope, after rollback
            response = error_response(exc, developer_mode=site.config.site.developer_mode)
        return response

    run.__name__ = getattr(handler, "__name__", "endpoint")
    return run


async def run_in_transaction(request: Request, site: Site, handler: Handler,
                             params: dict[str, Any]) -> Response:
    read_only = request.method in SAFE_METHODS
    async with site.db.transaction(read_only=read_only) as conn:
        identity = await authenticate(request, conn)
        ctx = Context(user=identity.user, roles=identity.roles, db=conn, read_only=read_only,
                      registry=site.registry, config=site.config, request=request,
                      auth_method=identity.method)
        token = set_current(ctx)
        try:
            return await handler(ctx, params)
        finally:
            reset_current(token)
