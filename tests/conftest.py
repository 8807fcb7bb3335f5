"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from MAJU_TEST_POSTGRES_URL (default: the local server). When it is
unreachable its tests are skipped with one loud line, unless MAJU_REQUIRE_POSTGRES=1, which
turns that into a failure of the whole run (CI).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from tests.sites import Site, open_site, postgres_url

# S12: a request that blocks the event loop over 100 ms fails its test (tests/loop_watchdog.py).
pytest_plugins = ["tests.loop_watchdog"]

BACKENDS = ["sqlite", "postgresql"]


def _postgres_error() -> str | None:
    async def probe() -> None:
        conn = await asyncpg.connect(postgres_url(), timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def pytest_configure(config: pytest.Config) -> None:
    error = _postgres_error()
    config.stash[_PG_KEY] = error
    if error is None:
        return
    if os.environ.get("MAJU_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError(
            f"PostgreSQL at {postgres_url()} is unreachable ({error}) and "
            "MAJU_REQUIRE_POSTGRES=1: refusing to skip its tests"
        )
    print(
        f"\n!!! PostgreSQL at {postgres_url()} is unreachable ({error}): "
        "its tests are SKIPPED !!!\n"
    )


_PG_KEY = pytest.StashKey[str | None]()


def require_backend(request: pytest.FixtureRequest, backend: str) -> None:
    if backend == "postgresql" and request.config.stash[_PG_KEY] is not None:
        pytest.skip("PostgreSQL unreachable")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend name; tests using it run once per database."""
    name: str = request.param
    require_backend(request, name)
    return name


@pytest.fixture
async def site(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_site(backend, tmp_path) as running:
        yield running
