"""End to end through the app: ping (M13) on both databases."""

from __future__ import annotations

from tests.sites import Site


async def test_m13_ping(site: Site) -> None:
    r = await site.client.get("/api/method/ping")
    assert r.status_code == 200
    assert r.json() == {"message": "pong"}
    assert r.headers["cache-control"] == "no-store"
