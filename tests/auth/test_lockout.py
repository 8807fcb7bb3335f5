"""Login lockout (A13) per user and per client IP (C5), in the database; S10 alike for all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.auth.accounts import add_user, execute, fetch_all
from tests.sites import Site, open_site

ANN = "ann@example.com"


@pytest.fixture
async def lsite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    """Three attempts per minute; the test client (127.0.0.1) is a trusted proxy, so each
    request names its client IP in X-Forwarded-For."""
    async with open_site(
        backend, tmp_path, auth={"login_max_attempts": 3}, proxy={"trusted_proxies": ("127.0.0.1",)}
    ) as site:
        await add_user(site.config, ANN, password="secret")
        yield site


async def _login(site: Site, usr: str, pwd: str, ip: str) -> httpx.Response:
    return await site.client.post(
        "/api/method/login", json={"usr": usr, "pwd": pwd}, headers={"X-Forwarded-For": ip}
    )


def _assert_locked(r: httpx.Response) -> str:
    assert r.status_code == 429, r.text
    body = r.json()
    assert body["exc_type"] == "TooManyRequestsError"
    seconds = r.headers["retry-after"]
    assert 1 <= int(seconds) <= 60
    assert body["exception"] == (
        f"TooManyRequestsError: Your account has been locked and will resume after {seconds} "
        "seconds"
    )
    assert "set-cookie" not in r.headers
    return r.text


async def test_a13_user_locked_across_ips_even_with_right_password(lsite: Site) -> None:
    for i in range(3):
        assert (await _login(lsite, ANN, "wrong", f"10.0.0.{i}")).status_code == 401
    _assert_locked(await _login(lsite, ANN, "secret", "10.0.1.1"))
    _assert_locked(await _login(lsite, ANN.upper(), "secret", "10.0.1.2"))


async def test_a13_ip_locked_across_users(lsite: Site) -> None:
    for i in range(3):
        r = await _login(lsite, f"user{i}@example.com", "wrong", "10.9.9.9")
        assert r.status_code == 401
    _assert_locked(await _login(lsite, ANN, "secret", "10.9.9.9"))
    assert (await _login(lsite, ANN, "secret", "10.9.9.10")).status_code == 200


async def test_a13_success_clears_the_user_counter(lsite: Site) -> None:
    for i in range(2):
        await _login(lsite, ANN, "wrong", f"10.0.0.{i}")
    assert (await _login(lsite, ANN, "secret", "10.0.0.9")).status_code == 200
    for i in range(2):
        await _login(lsite, ANN, "wrong", f"10.0.2.{i}")
    assert (await _login(lsite, ANN, "secret", "10.0.2.9")).status_code == 200


async def test_a13_lock_ends_when_the_window_passes(lsite: Site) -> None:
    for i in range(3):
        await _login(lsite, ANN, "wrong", f"10.0.0.{i}")
    _assert_locked(await _login(lsite, ANN, "secret", "10.0.0.5"))
    await execute(lsite.config, 'UPDATE "__login_failures" SET "window_end" = 0')
    assert (await _login(lsite, ANN, "secret", "10.0.0.5")).status_code == 200


async def test_a13_s10_unknown_user_locks_alike(lsite: Site) -> None:
    await add_user(lsite.config, "off@example.com", password="secret", enabled=False)
    bodies = []
    for usr in (ANN, "nobody@example.com", "off@example.com"):
        for i in range(3):
            await _login(lsite, usr, "wrong", f"10.1.{len(bodies)}.{i}")
        bodies.append(_assert_locked(await _login(lsite, usr, "secret", "10.2.0.1")))
    normalised = {b.replace(b.split("after ")[1].split(" ")[0], "N") for b in bodies}
    assert len(normalised) == 1


async def test_a13_counters_live_in_the_database(lsite: Site) -> None:
    await _login(lsite, ANN, "wrong", "10.3.3.3")
    rows = await fetch_all(
        lsite.config, 'SELECT "key", "hits" FROM "__login_failures" ORDER BY "key"'
    )
    assert rows == [{"key": "ip:10.3.3.3", "hits": 1}, {"key": f"user:{ANN}", "hits": 1}]


async def test_a13_ended_windows_are_swept(lsite: Site) -> None:
    await _login(lsite, ANN, "wrong", "10.4.4.4")
    await execute(lsite.config, 'UPDATE "__login_failures" SET "window_end" = 0')
    await _login(lsite, "other@example.com", "wrong", "10.5.5.5")
    rows = await fetch_all(lsite.config, 'SELECT "key" FROM "__login_failures" ORDER BY "key"')
    assert rows == [{"key": "ip:10.5.5.5"}, {"key": "user:other@example.com"}]
