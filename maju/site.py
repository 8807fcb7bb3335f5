"""The Site: one process's configuration, DocType registry and database, built in lifespan.

It sits just above `doctype` in the layers, so every room that needs the process's database
or secret key beside the request's Context (login, rate limits, file serving) finds it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request

from maju.config import Config
from maju.db.connection import Database
from maju.doctype.registry import Registry, load_registry


@dataclass(frozen=True)
class Site:
    config: Config
    registry: Registry
    db: Database
    secret_key: str
    # Anything features attach at start-up (hooks), or on first use (maju.api.dispatch's
    # index of resolved methods); per process, never per request.
    extensions: dict[str, Any] = field(default_factory=dict)


def site_of(request: Request) -> Site:
    """The Site the lifespan put in the request's state (`{"site": site}`)."""
    site: Site = request.state.site
    return site


def apps_dir(config: Config) -> Path:
    return Path(config.root) / "apps"


def build_registry(config: Config) -> Registry:
    return load_registry(config.site.apps, apps_dir(config))


def open_database(config: Config, *, statement_timeout: float | None = None) -> Database:
    """The site's Database; `statement_timeout` replaces the configured limit (schema changes
    in `maju migrate` may rightly take longer than any request)."""
    return Database(
        config.database_url,
        schema=config.database.schema,
        pool_size=config.database.pool_size,
        statement_timeout=(
            config.database.statement_timeout if statement_timeout is None else statement_timeout
        ),
    )
