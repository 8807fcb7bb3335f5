"""Test accounts: users with passwords and roles, raw SQL on a site's database, cookie logins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from maju.auth.users import create_user
from maju.config import Config
from maju.db.connection import Connection
from maju.site import build_registry, open_database


@asynccontextmanager
async def site_conn(config: Config) -> AsyncIterator[Connection]:
    """A write transaction on the site's database, on a connection of its own."""
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            yield conn
    finally:
        await db.disconnect()


async def add_user(
    config: Config,
    email: str,
    *,
    roles: tuple[str, ...] = (),
    password: str | None = None,
    full_name: str = "",
    enabled: bool = True,
    user_type: str = "System User",
    user_image: str = "",
) -> str:
    async with site_conn(config) as conn:
        name = await create_user(
            conn,
            build_registry(config),
            email,
            roles=roles,
            password=password,
            first_name=full_name,
        )
        q = conn.dialect.quote
        await conn.execute(
            f"UPDATE {q('tabUser')} SET {q('enabled')} = :enabled, {q('user_type')} = :type, "
            f"{q('user_image')} = :image WHERE {q('name')} = :name",
            {"enabled": int(enabled), "type": user_type, "image": user_image or None, "name": name},
        )
    return name


async def execute(config: Config, sql: str, params: dict[str, Any] | None = None) -> int:
    async with site_conn(config) as conn:
        return await conn.execute(sql, params or {})


async def fetch_all(
    config: Config, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    async with site_conn(config) as conn:
        return await conn.fetch_all(sql, params or {})


async def login(client: httpx.AsyncClient, usr: str, pwd: str) -> httpx.Response:
    r = await client.post("/api/method/login", json={"usr": usr, "pwd": pwd})
    assert r.status_code == 200, r.text
    return r


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each `Set-Cookie` header of a response by cookie name."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def new_client(app_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Another client on the same app with an empty cookie jar."""
    return httpx.AsyncClient(transport=app_client._transport, base_url=app_client.base_url)
