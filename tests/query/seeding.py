"""Test data for listings: rows inserted straight into DocType tables, users with roles.

Document creation is a separate feature; listings only need rows, so these helpers write them
with `maju.doctype.storage.insert_row` in one write transaction on a connection of their own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from maju.auth.users import create_user
from maju.config import Config
from maju.db.connection import Connection
from maju.doctype import storage
from maju.doctype.registry import Registry
from maju.site import build_registry, open_database
from tests.sites import Site, open_site

QUERY_TESTS = Path(__file__).resolve().parent
# The listing test app (tests/query/apps/listtest): Gadget with every value type, a
# permlevel-1 field, a Password, two Tables of one child DocType; and a Single DocType.
LISTTEST: dict[str, Any] = {"site": {"apps": ("listtest",)}, "root": str(QUERY_TESTS)}
BASE_TIME = dt.datetime(2024, 1, 1, 9, 0)
_clock = itertools.count()


def standard(owner: str = "Administrator", **values: Any) -> dict[str, Any]:
    """D1 fields for a new row; `modified` grows with each call so the default sort is known."""
    stamp = BASE_TIME + dt.timedelta(seconds=next(_clock))
    return {
        "name": secrets.token_hex(5),
        "owner": owner,
        "creation": stamp,
        "modified": stamp,
        "modified_by": owner,
        "docstatus": 0,
        "idx": 0,
        **values,
    }


def todo(description: str = "a todo", **values: Any) -> dict[str, Any]:
    return standard(
        **{"status": "Open", "priority": "Medium", "description": description, **values}
    )


@asynccontextmanager
async def writer(config: Config) -> AsyncIterator[tuple[Connection, Registry]]:
    """A write transaction on the site's database, outside any request."""
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            yield conn, build_registry(config)
    finally:
        await db.disconnect()


async def insert(site: Site, doctype: str, rows: Iterable[dict[str, Any]]) -> list[str]:
    """Insert rows of `doctype` (child rows: pass parent, parenttype, parentfield, idx)."""
    names: list[str] = []
    async with writer(site.config) as (conn, registry):
        meta = registry[doctype]
        for row in rows:
            names.append(str(await storage.insert_row(conn, meta, row)))
    return names


async def add_user(site: Site, email: str, roles: tuple[str, ...] = ()) -> dict[str, str]:
    """Create a user with `roles` and return its token Authorization header."""
    async with writer(site.config) as (conn, registry):
        await create_user(conn, registry, email, roles=roles)
    return await site.token_for(email)


def open_listtest(backend: str, tmp_path: Path, **sections: Any) -> Any:
    """open_site for the listtest app (Gadget); extra config sections as open_site takes."""
    site_section = {**LISTTEST["site"], **sections.pop("site", {})}
    return open_site(backend, tmp_path, site=site_section, root=LISTTEST["root"], **sections)
