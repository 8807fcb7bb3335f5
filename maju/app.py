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
from starlette.routing import Match, Route

from maju import errors
from maju.api.cors import CORSMiddleware
from maju.api.file_routes import upload_paths
from maju.api.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from maju.api.responses import error_response
from maju.api.routes import API_PREFIXES, api_routes
from maju.config import Config, load_config, resolve_secret_key
from maju.db.connection import Database
from maju.db.migrate import pending_changes
from maju.doctype.registry import Registry, load_controllers
from maju.doctype.tables import site_tables
from maju.site import Site, build_registry, open_database

log = logging.getLogger(__name__)


def create_app(config: Config | None = None, *, warn_if_schema_behind: bool = False) -> Starlette:
    """Build the ASGI application for one site.

    Args:
        config: the site configuration; loaded from `MAJU_CONFIG` / `config.toml` when omitted.
            DocTypes are loaded and validated, and the database connected, in the lifespan.
        warn_if_schema_behind: compare the database with the DocTypes at start-up and log a
            warning naming `maju migrate` when tables or columns are missing (`maju serve`).
    """
    config = config or load_config()
    developer_mode = config.site.developer_mode
    # Fail before serving anything: production refuses an empty secret key.
    secret_key = resolve_secret_key(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Site]]:
        registry = build_registry(config)
        load_controllers(registry)
        db = open_database(config)
        await db.connect()
        if warn_if_schema_behind:
            await warn_when_schema_behind(db, registry)
        site = Site(config=config, registry=registry, db=db, secret_key=secret_key)
        try:
            yield {"site": site}
        finally:
            await db.disconnect()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(routing_error(request, exc), developer_mode=developer_mode)

    async def maju_error(request: Request, exc: Exception) -> Response:
        return error_response(exc, developer_mode=developer_mode)

    return Starlette(
        routes=api_routes(),
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            # C3: preflights are answered before the body limit, auth, CSRF and routing.
            Middleware(
                CORSMiddleware, allow_cors=config.cors.allow_cors, developer_mode=developer_mode
            ),
            Middleware(
                BodyLimitMiddleware,
                max_body_size=config.api.max_body_size,
                developer_mode=developer_mode,
                upload_paths=upload_paths(API_PREFIXES),
                upload_limit=config.files.max_file_size,
            ),
        ],
        # `Exception` reaches Starlette's outermost ServerErrorMiddleware: an error escaping
        # every handler is still the E9 envelope (E12, E15), never Starlette's text page.
        exception_handlers={
            HTTPException: http_error,
            errors.MajuError: maju_error,
            Exception: maju_error,
        },
        lifespan=lifespan,
    )


_HTTP_ERRORS: dict[int, type[errors.MajuError]] = {
    401: errors.AuthenticationError,
    403: errors.PermissionError,
    404: errors.DoesNotExistError,
    405: errors.MethodNotAllowedError,
    413: errors.PayloadTooLargeError,
    429: errors.TooManyRequestsError,
}


def routing_error(request: Request, exc: HTTPException) -> errors.MajuError:
    """Starlette's own HTTP errors (no route, wrong verb, ...) as maju's typed errors (E4, E5)."""
    cls = _HTTP_ERRORS.get(exc.status_code, errors.BadRequestError)
    if cls is errors.DoesNotExistError:
        return cls(f"Page {request.url.path} not found")
    if cls is errors.MethodNotAllowedError:
        return cls(
            f"Method {request.method} not allowed",
            headers={"Allow": ", ".join(allowed_methods(request))},
        )
    return cls(str(exc.detail) if exc.detail else "")


def allowed_methods(request: Request) -> list[str]:
    """E5: every verb some route serves on this path (Starlette's 405 names only the first)."""
    methods: set[str] = set()
    for route in request.app.routes:
        if (
            isinstance(route, Route)
            and route.methods
            and route.matches(request.scope)[0] != Match.NONE
        ):
            methods |= route.methods
    return sorted(methods)


async def warn_when_schema_behind(db: Database, registry: Registry) -> None:
    """Log, loudly, what `maju migrate` would change; reads the schema, changes nothing.

    A DocType edited under `make run` reloads the worker, which lands here again: the warning
    comes before the first request that would hit a missing column.
    """
    try:
        async with db.transaction(read_only=True) as conn:
            pending = await pending_changes(conn, site_tables(registry))
    except Exception:  # the check is advice: never keep the site from starting
        log.warning("could not compare the database schema with the DocTypes", exc_info=True)
        return
    if not pending:
        return
    shown = [f"    {change.pending}" for change in pending[:SCHEMA_LINES_SHOWN]]
    if len(pending) > SCHEMA_LINES_SHOWN:
        shown.append(f"    ... and {len(pending) - SCHEMA_LINES_SHOWN} more")
    log.warning(
        "!!! The database schema is behind the DocTypes: run `maju migrate`. Requests that "
        "touch what is missing will fail until then. Pending (%d):\n%s",
        len(pending),
        "\n".join(shown),
    )


SCHEMA_LINES_SHOWN = 20


def asgi_app() -> Starlette:
    """Import-string target for uvicorn workers: `maju.app:asgi_app` (factory)."""
    return create_app(load_config(), warn_if_schema_behind=True)
