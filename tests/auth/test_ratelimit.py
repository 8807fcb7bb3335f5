"""Rate limits (C4): per function and client IP, in the database, for every verb."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.auth.accounts import execute, fetch_all
from tests.auth.conftest import AUTH_ROOT
from tests.sites import Site, open_site

MESSAGE = "You hit the rate limit because of too many requests. Please try after sometime."


def _assert_limited(r: httpx.Response, window: int = 60) -> None:
    assert r.status_code == 429, r.text
    body = r.json()
    assert body["exc_type"] == "RateLimitExceededError"
    assert body["exception"] == f"RateLimitExceededError: {MESSAGE}"
    assert 1 <= int(r.headers["retry-after"]) <= window


async def test_c4_limit_on_get_counts_in_database(auth_site: Site) -> None:
    client = auth_site.client
    for _ in range(2):
        r = await client.get("/api/method/authtest.api.limited")
        assert r.status_code == 200
    _assert_limited(await client.get("/api/method/authtest.api.limited"))
    _assert_limited(await client.post("/api/method/authtest.api.limited"))
    rows = await fetch_all(auth_site.config, 'SELECT "key", "hits" FROM "__rate_limits"')
    assert rows == [{"key": "authtest.api.limited|127.0.0.1", "hits": 2}]


async def test_c4_failed_calls_count(auth_site: Site) -> None:
    client = auth_site.client
    for _ in range(2):
        r = await client.post("/api/method/authtest.api.limited_failing")
        assert r.status_code == 417
    _assert_limited(await client.post("/api/method/authtest.api.limited_failing"))


async def test_c4_window_passes(auth_site: Site) -> None:
    client = auth_site.client
    for _ in range(2):
        await client.get("/api/method/authtest.api.limited")
    _assert_limited(await client.get("/api/method/authtest.api.limited"))
    await execute(auth_site.config, 'UPDATE "__rate_limits" SET "window_end" = 0')
    assert (await client.get("/api/method/authtest.api.limited")).status_code == 200


async def test_c4_counted_per_client_ip(backend: str, tmp_path: Path) -> None:
    """C4 with C5: behind a trusted proxy each forwarded client has its own count."""
    async with open_site(
        backend,
        tmp_path,
        site={"apps": ("authtest",)},
        root=str(AUTH_ROOT),
        proxy={"trusted_proxies": ("127.0.0.1",)},
    ) as site:
        for ip in ("10.0.0.1", "10.0.0.2"):
            for _ in range(2):
                r = await site.client.get(
                    "/api/method/authtest.api.limited", headers={"X-Forwarded-For": ip}
                )
                assert r.status_code == 200
            _assert_limited(
                await site.client.get(
                    "/api/method/authtest.api.limited", headers={"X-Forwarded-For": ip}
                )
            )


async def test_c4_a12_reset_password_limit_shared_by_aliases(auth_site: Site) -> None:
    names = ["frappe.core.doctype.user.user.reset_password", "maju.auth.reset_password"]
    for i in range(5):
        r = await auth_site.client.post(
            f"/api/method/{names[i % 2]}", json={"user": "nobody@example.com"}
        )
        assert r.status_code == 200, r.text
    for name in names:
        _assert_limited(
            await auth_site.client.post(f"/api/method/{name}", json={"user": "nobody@example.com"}),
            3600,
        )
