"""Login and logout decide the session cookies themselves (A1, A4, A6): their Reply replaces
what authentication chose for the answer (A3's refreshed `sid`, A5's deletions), on both
databases."""

from __future__ import annotations

import time

import pytest

from tests.auth.accounts import add_user, execute, fetch_all, login, new_client, set_cookies
from tests.sites import Site

ANN = "ann@example.com"
FIVE = {"sid", "system_user", "full_name", "user_id", "user_image"}


@pytest.fixture
async def ann(site: Site) -> str:
    return await add_user(site.config, ANN, password="secret", full_name="Ann Lee")


def deleted(header: str) -> bool:
    return "Max-Age=0" in header and header.split(";")[0].endswith("=")


async def test_a1_a5_login_over_a_stale_cookie_sends_only_the_new_session(
    site: Site, ann: str
) -> None:
    async with new_client(site.client) as client:
        client.cookies.set("sid", "tampered")
        r = await client.get("/api/method/ping")
        assert r.json() == {"message": "pong", "session_expired": 1}  # A5 on any answer
        assert all(deleted(h) for h in set_cookies(r).values())
        r = await client.post("/api/method/login", json={"usr": ANN, "pwd": "secret"})
        assert r.status_code == 200, r.text
        assert r.json() == {"message": "Logged In", "home_page": "/app", "full_name": "Ann Lee"}
        cookies = set_cookies(r)
        assert set(cookies) == FIVE and len(r.headers.get_list("set-cookie")) == 5
        assert not deleted(cookies["sid"]) and "Max-Age=612000" in cookies["sid"]
        r = await client.get("/api/method/frappe.auth.get_logged_user")
        assert r.json() == {"message": ANN}


async def test_a6_a3_logout_sends_the_deletions_not_a_refreshed_sid(site: Site, ann: str) -> None:
    """A session due for its A3 slide still ends: the slide's cookie is not sent beside the
    deletions, and the row is gone after both side writes ran."""
    await login(site.client, ANN, "secret")
    await execute(
        site.config,
        'UPDATE "__sessions" SET "touched" = :t, "expires" = :e',
        {"t": time.time() - 660, "e": time.time() + 3600},
    )
    r = await site.client.get("/api/method/logout")
    assert r.json() == {"message": "No App", "home_page": "/", "full_name": "Guest"}
    cookies = set_cookies(r)
    assert set(cookies) == FIVE and len(r.headers.get_list("set-cookie")) == 5
    assert all(deleted(h) for h in cookies.values())
    assert await fetch_all(site.config, 'SELECT * FROM "__sessions"') == []


async def test_a5_a6_logout_over_a_stale_cookie_still_says_so(site: Site) -> None:
    async with new_client(site.client) as client:
        client.cookies.set("sid", "tampered")
        r = await client.post("/api/method/logout")
        assert r.status_code == 200
        assert r.json() == {
            "message": "No App",
            "home_page": "/",
            "full_name": "Guest",
            "session_expired": 1,
        }
        assert set(set_cookies(r)) == FIVE and len(r.headers.get_list("set-cookie")) == 5
