"""S12, X6: every statement is cancelled after `database.statement_timeout` (503
`QueryTimeoutError`, rolled back, the connection healthy again), and a pool held by slow requests
starves no one forever (`ping` needs no connection; others get 503 after the same wait).

The slow statements are genuinely slow (tens of seconds uncancelled) and reached through maju's
own dispatch (tests/db/apps/dbtest): a broken timeout shows as a 200, never as a timing flake.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from maju import errors
from maju.config import load_config
from maju.site import open_database
from tests.auth.accounts import site_conn
from tests.conftest import require_backend
from tests.sites import Site, open_site

DB_TESTS = Path(__file__).resolve().parent
TIMEOUT = 0.5
# A guard against a hang, not a timing expectation.
GUARD_SECONDS = 120


@asynccontextmanager
async def dbtest_site(backend: str, tmp_path: Path, **database: Any) -> AsyncIterator[Site]:
    async with open_site(
        backend,
        tmp_path,
        site={"apps": ("dbtest",)},
        root=str(DB_TESTS),
        database={"statement_timeout": TIMEOUT, **database},
    ) as site:
        yield site


def assert_503(r: httpx.Response, exc_type: str) -> None:
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["exc_type"] == exc_type
    assert body["exception"].startswith(f"{exc_type}: ")
    assert int(r.headers["retry-after"]) >= 1
    # S2: neither the SQL nor a driver's message reaches the client.
    for leak in ("pg_sleep", "RECURSIVE", "SELECT", "interrupted", "canceling"):
        assert leak not in r.text


async def note_titles(site: Site) -> list[str]:
    r = await site.client.get(
        "/api/resource/DB Note", params={"fields": '["title"]'}, headers=site.admin_headers
    )
    assert r.status_code == 200, r.text
    return sorted(row["title"] for row in r.json()["data"])


async def test_s12_slow_statement_is_cancelled_rolled_back_and_its_connection_reused(
    backend: str, tmp_path: Path
) -> None:
    """One pooled connection: the stalled write answers 503 and leaves nothing behind, and that
    same connection then serves a read and a committed write."""
    async with dbtest_site(backend, tmp_path, pool_size=1) as site:
        r = await site.client.post(
            "/api/method/dbtest.api.write_then_stall",
            json={"title": "lost"},
            headers=site.admin_headers,
        )
        assert_503(r, "QueryTimeoutError")
        assert await note_titles(site) == []
        r = await site.client.post(
            "/api/resource/DB Note", json={"title": "kept"}, headers=site.admin_headers
        )
        assert r.status_code == 200, r.text
        assert await note_titles(site) == ["kept"]


NOTES = 300
WIDTH = 20_000
# Under the 1,000-character cap (S12), and still about 20 ms per 20 kB value on both databases:
# each value is tested at every offset against 997 characters.
SLOW_PATTERN = "%" + "a" * 997 + "b%"


async def seed_long_notes(site: Site) -> None:
    """300 DB Notes of 20,000 `a`s, made by one statement in the database itself."""
    if site.backend == "sqlite":
        rows = (
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {NOTES}) "
            f"SELECT 'note' || i, 'n' || i, printf('%.*c', {WIDTH}, 'a'), "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'Administrator', 'Administrator', 0, 0 FROM n"
        )
    else:
        rows = (
            f"SELECT 'note' || i, 'n' || i, repeat('a', {WIDTH}), CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP, 'Administrator', 'Administrator', 0, 0 "
            f"FROM generate_series(1, {NOTES}) AS i"
        )
    async with site_conn(site.config) as conn:
        await conn.execute(
            'INSERT INTO "tabDB Note" ("name", "title", "body", "creation", "modified", '
            '"owner", "modified_by", "docstatus", "idx") ' + rows
        )


async def test_s12_slow_listing_is_cancelled(backend: str, tmp_path: Path) -> None:
    """Issue 10 item 2: a LIKE that costs seconds over long values is cut off at the timeout;
    the same filter over one short value answers at once."""
    async with dbtest_site(backend, tmp_path) as site:
        await seed_long_notes(site)
        filters = json.dumps([["body", "like", SLOW_PATTERN]])
        r = await site.client.get(
            "/api/resource/DB Note", params={"filters": filters}, headers=site.admin_headers
        )
        assert_503(r, "QueryTimeoutError")
        r = await site.client.get(
            "/api/resource/DB Note",
            params={"filters": json.dumps([["name", "=", "note1"], ["body", "like", "%b%"]])},
            headers=site.admin_headers,
        )
        assert r.status_code == 200 and r.json() == {"data": []}, r.text


async def start_holders(site: Site, count: int, method: str) -> list[asyncio.Task[httpx.Response]]:
    """`count` requests that each hold a pooled connection until `app.state.gate` opens."""
    state = site.app.state
    state.holding, state.expected = 0, count
    state.gate, state.all_holding = asyncio.Event(), asyncio.Event()
    holders = [
        asyncio.create_task(
            site.client.request(
                method, "/api/method/dbtest.api.hold_connection", headers=site.admin_headers
            )
        )
        for _ in range(count)
    ]
    await asyncio.wait_for(state.all_holding.wait(), GUARD_SECONDS)
    return holders


async def release_holders(site: Site, holders: list[asyncio.Task[httpx.Response]]) -> None:
    assert not any(task.done() for task in holders)
    site.app.state.gate.set()
    for task in holders:
        assert (await task).json() == {"message": "released"}


async def test_s12_x6_an_exhausted_pool_starves_no_one(backend: str, tmp_path: Path) -> None:
    """Issue 10 item 2: with every pooled connection held, a Guest `ping` still answers (it
    needs no connection), and a request that needs one answers 503 after the timeout instead
    of waiting for as long as the others hold on."""
    async with dbtest_site(backend, tmp_path, pool_size=2) as site:
        holders = await start_holders(site, 2, "GET")
        r = await site.client.get("/api/method/ping")
        assert r.status_code == 200 and r.json() == {"message": "pong"}
        r = await site.client.get("/api/resource/DB Note", headers=site.admin_headers)
        assert_503(r, "DatabaseUnavailableError")
        await release_holders(site, holders)
        assert await note_titles(site) == []


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's one writer: PostgreSQL has none
async def test_s12_x6_a_held_sqlite_write_lock_starves_no_one(backend: str, tmp_path: Path) -> None:
    """A writer waits for SQLite's write lock at most the timeout (503); reads go on."""
    async with dbtest_site(backend, tmp_path, pool_size=3) as site:
        holders = await start_holders(site, 1, "POST")
        r = await site.client.post(
            "/api/resource/DB Note", json={"title": "queued"}, headers=site.admin_headers
        )
        assert_503(r, "DatabaseUnavailableError")
        assert await note_titles(site) == []
        await release_holders(site, holders)
        r = await site.client.post(
            "/api/resource/DB Note", json={"title": "after"}, headers=site.admin_headers
        )
        assert r.status_code == 200, r.text


async def test_s12_postgresql_timeout_is_a_session_setting(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """PostgreSQL gets `statement_timeout` once per pooled connection (a startup parameter, no
    statement per request); `maju migrate`'s connection (0) runs without one."""
    backend = "postgresql"
    require_backend(request, backend)
    async with dbtest_site(backend, tmp_path) as site:
        for timeout, shown in ((TIMEOUT, "500ms"), (0, "0")):
            db = open_database(site.config, statement_timeout=timeout)
            await db.connect()
            try:
                async with db.transaction(read_only=True) as conn:
                    assert await conn.fetch_value("SHOW statement_timeout") == shown
            finally:
                await db.disconnect()


SLOW_SQL = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 2000000000) SELECT max(x) FROM c",
    "postgresql": "SELECT count(*) FROM generate_series(1, 2000000000)",
}


async def test_s12_each_statement_gets_its_own_deadline(backend: str, tmp_path: Path) -> None:
    """Statements under the limit run to their end on the connection whose earlier statement
    was cancelled (pool of one): the deadline is per statement, armed anew each time."""
    async with dbtest_site(backend, tmp_path, pool_size=1) as site:
        db = open_database(site.config)
        await db.connect()
        try:
            with pytest.raises(errors.QueryTimeoutError):
                async with db.transaction(read_only=True) as conn:
                    await conn.fetch_value(SLOW_SQL[backend])
            for _ in range(3):
                async with db.transaction(read_only=True) as conn:
                    assert await conn.fetch_value("SELECT 41 + 1") == 42
        finally:
            await db.disconnect()


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("", {}, 15.0),
        ("statement_timeout = 0.5", {}, 0.5),
        ("statement_timeout = 30", {}, 30.0),
        ("statement_timeout = 0", {}, 0.0),
        ("", {"MAJU_DATABASE__STATEMENT_TIMEOUT": "2.5"}, 2.5),
    ],
)
def test_s12_statement_timeout_config(
    tmp_path: Path, toml: str, env: dict[str, str], expected: float
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[database]\n{toml}\n", encoding="utf-8")
    assert load_config(path, environ=env).database.statement_timeout == expected


@pytest.mark.parametrize(
    ("toml", "env"),
    [
        ("statement_timeout = -1", {}),
        ("statement_timeout = nan", {}),
        ('statement_timeout = "soon"', {}),
        ("", {"MAJU_DATABASE__STATEMENT_TIMEOUT": "soon"}),
        ("", {"MAJU_DATABASE__STATEMENT_TIMEOUT": "inf"}),
    ],
)
def test_s12_statement_timeout_config_refuses_nonsense(
    tmp_path: Path, toml: str, env: dict[str, str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[database]\n{toml}\n", encoding="utf-8")
    with pytest.raises(errors.ConfigError, match="statement_timeout"):
        load_config(path, environ=env)
