"""create_app(config): the Starlette application, assembled from constructor arguments."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from maju import errors
from maju.api.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from maju.api.responses import error_response
from maju.api.routes import api_routes
from maju.config import Config, load_config, resolve_secret_key
from maju.doctype.registry import load_controllers
from maju.site import Site, build_registry, open_database

log = logging.getLogger(__name__)


def create_app(config: Config | None = None) -> Starlette:
    """Build the ASGI application for one site.

    Args:
        config: the site configuration; loaded from `MAJU_CONFIG` / `config.toml` when omitted.
            DocTypes are loaded and validated, and the database connected, in the lifespan.
    """
    config = config or load_config()
    developer_mode = config.site.developer_mode
    # Fail before serving anything: production refuses an empty secret key.
    secret_key = resolve_secret_key(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Site]]:
        registry = build_registry(config)
        controllers = load_controllers(registry)
        db = open_database(config)
        await db.connect()
        site = Site(config=config, registry=registry, db=db, secret_key=secret_key,
                    extensions={"controllers": controllers})
        try:
            yield {"site": site}
        finally:
            await db.disconnect()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        error: errors.MajuError
        if exc.status_code == 405:
            error = errors.MethodNotAllowedError(f"Method {request.method} not allowed",
                                                 headers=dict(exc.headers or {}))
        elif exc.status_code == 404:
            error = errors.DoesNotExistError(f"Page {request.url.path} not found")
        else:
            error = errors.BadRequestError(str(exc.detail))
        return error_response(error, developer_mode=developer_mode)

    async def maju_error(request: Request, exc: Exception) -> Response:
        return error_response(exc, developer_mode=developer_mode)

    return Starlette(
        routes=api_routes(),
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(BodyLimitMiddleware, max_body_size=config.api.max_body_size,
                       developer_mode=developer_mode),
        ],
        exception_handlers={HTTPException: http_error, errors.MajuError: maju_error},
        lifespan=lifespan,
    )


def asgi_app() -> Starlette:
    """Import-string target for uvicorn workers: `maju.app:asgi_app` (factory)."""
    return create_app(load_config())
