"""Read what the commands wrote, straight from the site's database (in-process)."""

from __future__ import annotations

from typing import Any

from maju.auth.passwords import check_password
from maju.config import Config
from tests.auth.accounts import fetch_all, site_conn


async def password_ok(config: Config, user: str, password: str) -> bool:
    async with site_conn(config) as conn:
        return await check_password(conn, user, password)


async def stored_hash(config: Config, user: str) -> str:
    [row] = await fetch_all(
        config, 'SELECT "password" FROM "__auth" WHERE "name" = :n', {"n": user}
    )
    return str(row["password"])


async def user_row(config: Config, user: str) -> dict[str, Any] | None:
    rows = await fetch_all(
        config,
        'SELECT "name", "enabled", "full_name", "modified_by" FROM "tabUser" WHERE "name" = :n',
        {"n": user},
    )
    return rows[0] if rows else None


async def user_names(config: Config) -> list[str]:
    rows = await fetch_all(config, 'SELECT "name" FROM "tabUser"')
    return sorted(str(r["name"]) for r in rows)
