"""Test sites: a migrated site on SQLite or PostgreSQL, its app behind httpx, an admin token."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from maju.app import create_app
from maju.auth.keys import generate_keys
from maju.bootstrap import migrate_site
from maju.config import Config, DatabaseConfig, SiteConfig
from maju.site import open_database

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("MAJU_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@dataclass
class Site:
    backend: str
    config: Config
    app: Starlette
    client: httpx.AsyncClient
    admin_headers: dict[str, str]

    async def token_for(self, user: str) -> dict[str, str]:
        """An Authorization header for `user` (keys generated on a separate connection)."""
        return await token_headers(self.config, user)


async def token_headers(config: Config, user: str) -> dict[str, str]:
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            pair = await generate_keys(conn, user)
    finally:
        await db.disconnect()
    return {"Authorization": f"token {pair.api_key}:{pair.api_secret}"}


def site_config(backend: str, tmp_path: Path, schema: str = "", **sections: Any) -> Config:
    """A Config for a throw-away site in tmp_path, on `backend`; `sections` replace defaults."""
    site = SiteConfig(dir=str(tmp_path / "site"), apps=("todo",), secret_key="test-secret")
    database = DatabaseConfig(
        url=postgres_url() if backend == "postgresql" else "", schema=schema, pool_size=4
    )
    config = Config(site=site, database=database, root=str(REPO_ROOT))
    replacements: dict[str, Any] = {}
    for name, value in sections.items():
        current = getattr(config, name)
        replacements[name] = (
            dataclasses.replace(current, **value) if isinstance(value, dict) else value
        )
    return dataclasses.replace(config, **replacements)


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards: each test gets its own tables."""
    schema = f"t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(postgres_url())
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        yield schema
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


@asynccontextmanager
async def open_site(backend: str, tmp_path: Path, **sections: Any) -> AsyncIterator[Site]:
    """Migrate a site, start its app (lifespan included) and hand out a client."""
    if backend == "postgresql":
        async with postgres_schema() as schema:
            async with _running_site(
                backend, site_config(backend, tmp_path, schema, **sections)
            ) as site:
                yield site
    else:
        async with _running_site(backend, site_config(backend, tmp_path, **sections)) as site:
            yield site


def _per_request_state(app: ASGIApp) -> ASGIApp:
    """Give each request its own copy of the lifespan state, as uvicorn does.

    asgi-lifespan hands every request the same dict, so anything one request put on
    `request.state` would leak into the next.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if "state" in scope:
            scope = {**scope, "state": dict(scope["state"])}
        await app(scope, receive, send)

    return wrapped


@asynccontextmanager
async def _running_site(backend: str, config: Config) -> AsyncIterator[Site]:
    await migrate_site(config)
    admin = await token_headers(config, "Administrator")
    app = create_app(config)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=_per_request_state(manager.app))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Site(backend, config, app, client, admin)
