"""CSRF for cookie sessions (A10) and the token method (X3)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.accounts import add_user, fetch_all, login, new_client
from tests.sites import Site, open_site

SM = "sm@example.com"
PATH = "/api/method/maju.auth.generate_keys"
EVIL = "http://evil.example"


@asynccontextmanager
async def _sm_client(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    """A System Manager signed in by password: a cookie session."""
    await add_user(site.config, SM, roles=("System Manager",), password="pw")
    await add_user(site.config, "target@example.com")
    async with new_client(site.client) as client:
        await login(client, SM, "pw")
        yield client


async def _keys_issued(site: Site) -> bool:
    [row] = await fetch_all(
        site.config,
        'SELECT "api_key" FROM "tabUser" WHERE "name" = :n',
        {"n": "target@example.com"},
    )
    return row["api_key"] is not None


def _assert_refused(r: httpx.Response) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["exc_type"] == "CSRFTokenError"
    assert body["exception"] == "CSRFTokenError: Invalid Request"


async def test_a10_foreign_origin_refused_and_nothing_runs(site: Site) -> None:
    async with _sm_client(site) as client:
        for kwargs in (
            {"headers": {"Origin": EVIL}},
            {"headers": {"Origin": EVIL, "X-Frappe-CSRF-Token": "0" * 56}},
            {"headers": {"Origin": "null"}},
            {"headers": {"Origin": "https://testserver"}},
        ):  # other scheme
            r = await client.post(PATH, json={"user": "target@example.com"}, **kwargs)
            _assert_refused(r)
        for verb in ("PUT", "DELETE"):
            r = await client.request(verb, PATH, headers={"Origin": EVIL})
            _assert_refused(r)
        assert not await _keys_issued(site)


async def test_a10_token_header_or_parameter_passes(site: Site) -> None:
    async with _sm_client(site) as client:
        r = await client.get("/api/method/maju.auth.get_csrf_token")
        token = r.json()["message"]
        r = await client.post(
            PATH,
            json={"user": "target@example.com"},
            headers={"Origin": EVIL, "X-Frappe-CSRF-Token": token},
        )
        assert r.status_code == 200, r.text
        r = await client.post(
            PATH, data={"user": "target@example.com", "csrf_token": token}, headers={"Origin": EVIL}
        )
        assert r.status_code == 200, r.text
        r = await client.post(
            PATH, json={"user": "target@example.com", "csrf_token": token}, headers={"Origin": EVIL}
        )
        assert r.status_code == 200, r.text


async def test_a10_no_origin_or_own_origin_passes(site: Site) -> None:
    async with _sm_client(site) as client:
        for headers in ({}, {"Origin": "http://testserver"}, {"Origin": "HTTP://TestServer:80"}):
            r = await client.post(PATH, json={"user": "target@example.com"}, headers=headers)
            assert r.status_code == 200, (headers, r.text)


async def test_a10_cross_site_fetch_without_origin_refused(site: Site) -> None:
    """A10: "no Origin" passes only without `Sec-Fetch-Site: cross-site`."""
    cross = {"Sec-Fetch-Site": "cross-site"}
    async with _sm_client(site) as client:
        for headers in (cross, {"Sec-Fetch-Site": " Cross-Site "}):
            r = await client.post(PATH, json={"user": "target@example.com"}, headers=headers)
            _assert_refused(r)
        r = await client.delete(PATH, headers=cross)
        _assert_refused(r)
        assert not await _keys_issued(site)
        # The token still passes, as do same-site and user-initiated requests without Origin.
        token = (await client.get("/api/method/maju.auth.get_csrf_token")).json()["message"]
        r = await client.post(
            PATH,
            json={"user": "target@example.com"},
            headers={**cross, "X-Frappe-CSRF-Token": token},
        )
        assert r.status_code == 200, r.text
        for value in ("same-origin", "same-site", "none"):
            r = await client.post(
                PATH, json={"user": "target@example.com"}, headers={"Sec-Fetch-Site": value}
            )
            assert r.status_code == 200, (value, r.text)
        # A safe request is never checked.
        r = await client.get("/api/method/frappe.auth.get_logged_user", headers=cross)
        assert r.status_code == 200
    # Header-authenticated requests are not checked either.
    r = await site.client.post(
        PATH, json={"user": "target@example.com"}, headers={**site.admin_headers, **cross}
    )
    assert r.status_code == 200


async def test_a10_safe_requests_and_header_auth_unchecked(site: Site) -> None:
    async with _sm_client(site) as client:
        r = await client.get("/api/method/frappe.auth.get_logged_user", headers={"Origin": EVIL})
        assert r.status_code == 200
    r = await site.client.post(
        PATH, json={"user": "target@example.com"}, headers={**site.admin_headers, "Origin": EVIL}
    )
    assert r.status_code == 200
    # Guest requests are not checked either (they reach the 403 of M3 instead of 400).
    r = await site.client.post(PATH, json={"user": "target@example.com"}, headers={"Origin": EVIL})
    assert r.status_code == 403


@pytest.fixture
async def configured(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Site]:
    overrides: dict[str, Any] = request.param
    async with open_site(backend, tmp_path, **overrides) as site:
        yield site


@pytest.mark.parametrize(
    "configured", [{"site": {"base_url": "https://erp.example.com/x"}}], indirect=True
)
async def test_a10_base_url_is_the_own_origin(configured: Site) -> None:
    async with _sm_client(configured) as client:
        r = await client.post(
            PATH, json={"user": "target@example.com"}, headers={"Origin": "https://erp.example.com"}
        )
        assert r.status_code == 200, r.text
        r = await client.post(
            PATH, json={"user": "target@example.com"}, headers={"Origin": "http://testserver"}
        )
        _assert_refused(r)


@pytest.mark.parametrize(
    "configured", [{"cors": {"allow_cors": ("https://app.example.com",)}}], indirect=True
)
async def test_a10_cors_allowed_origin_passes(configured: Site) -> None:
    async with _sm_client(configured) as client:
        r = await client.post(
            PATH, json={"user": "target@example.com"}, headers={"Origin": "https://app.example.com"}
        )
        assert r.status_code == 200, r.text
        _assert_refused(
            await client.post(PATH, json={"user": "target@example.com"}, headers={"Origin": EVIL})
        )


@pytest.mark.parametrize(
    "configured", [{"proxy": {"trusted_proxies": ("127.0.0.0/8",)}}], indirect=True
)
async def test_a10_c5_own_origin_behind_a_trusted_proxy(configured: Site) -> None:
    async with _sm_client(configured) as client:
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "erp.example.com"}
        r = await client.post(
            PATH,
            json={"user": "target@example.com"},
            headers={**forwarded, "Origin": "https://erp.example.com"},
        )
        assert r.status_code == 200, r.text


async def test_a10_c5_forwarded_headers_ignored_from_untrusted_peer(site: Site) -> None:
    async with _sm_client(site) as client:
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "erp.example.com"}
        r = await client.post(
            PATH,
            json={"user": "target@example.com"},
            headers={**forwarded, "Origin": "https://erp.example.com"},
        )
        _assert_refused(r)


async def test_x3_csrf_token(site: Site) -> None:
    async with _sm_client(site) as client:
        r = await client.get("/api/method/maju.auth.get_csrf_token")
        assert r.status_code == 200
        token = r.json()["message"]
        assert re.fullmatch(r"[0-9a-f]{56}", token)
        [row] = await fetch_all(site.config, 'SELECT "csrf_token" FROM "__sessions"')
        assert row["csrf_token"] == token
    r = await site.client.get("/api/method/maju.auth.get_csrf_token")
    assert r.status_code == 403
    r = await site.client.get("/api/method/maju.auth.get_csrf_token", headers=site.admin_headers)
    assert r.status_code == 403  # a key pair has no session, so no token
