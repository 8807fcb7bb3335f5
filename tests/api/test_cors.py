"""CORS (C1-C3): headers for allowed origins only, preflights answered before everything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.sites import Site, open_site

APP = "https://app.example.com"


@pytest.fixture
async def cors_site(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Site]:
    overrides: dict[str, Any] = getattr(request, "param", {"allow_cors": (APP,)})
    async with open_site(backend, tmp_path, cors=overrides) as site:
        yield site


def _assert_cors(headers: Any, origin: str) -> None:
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-credentials"] == "true"
    assert "Origin" in [v.strip() for v in headers["vary"].split(",")]


async def test_c1_unset_sends_no_cors_headers(site: Site) -> None:
    r = await site.client.get("/api/method/ping", headers={"Origin": APP})
    assert not [h for h in r.headers if h.startswith("access-control-")]
    r = await site.client.options(
        "/api/method/ping", headers={"Origin": APP, "Access-Control-Request-Method": "POST"}
    )
    assert r.status_code == 200 and r.content == b""
    assert not [h for h in r.headers if h.startswith("access-control-")]


async def test_c2_allowed_origin_on_success_and_error(cors_site: Site) -> None:
    for path, status in (
        ("/api/method/ping", 200),
        ("/api/method/nope.x", 417),
        ("/api/unknown", 404),
        ("/api/method/frappe.auth.get_logged_user", 403),
    ):
        r = await cors_site.client.get(path, headers={"Origin": APP})
        assert r.status_code == status, path
        _assert_cors(r.headers, APP)
    r = await cors_site.client.get(
        "/api/method/ping", headers={"Origin": APP, "Authorization": "token x:y"}
    )
    assert r.status_code == 401
    _assert_cors(r.headers, APP)


async def test_c1_exact_match_only(cors_site: Site) -> None:
    for origin in (
        "https://app.example.com.evil.net",
        "http://app.example.com",
        "https://app.example.com:8443",
        "https://evil.example",
        "null",
    ):
        r = await cors_site.client.get("/api/method/ping", headers={"Origin": origin})
        assert "access-control-allow-origin" not in r.headers, origin


@pytest.mark.parametrize("cors_site", [{"allow_cors": "*"}], indirect=True)
async def test_c2_star_echoes_the_origin(cors_site: Site) -> None:
    origin = "https://anything.example:8080"
    r = await cors_site.client.get("/api/method/ping", headers={"Origin": origin})
    _assert_cors(r.headers, origin)  # never a literal "*"


@pytest.mark.parametrize("cors_site", [{"allow_cors": APP}], indirect=True)
async def test_c1_single_origin_string(cors_site: Site) -> None:
    r = await cors_site.client.get("/api/method/ping", headers={"Origin": APP})
    _assert_cors(r.headers, APP)


async def test_c3_preflight_before_auth_csrf_and_routing(cors_site: Site) -> None:
    for path in ("/api/resource/ToDo", "/api/method/maju.auth.generate_keys", "/no/such/path", "/"):
        r = await cors_site.client.options(
            path,
            headers={
                "Origin": APP,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "X-Frappe-CSRF-Token, Content-Type",
                "Authorization": "token bad:bad",
                "Cookie": "sid=forged",
            },
        )
        assert r.status_code == 200, path
        assert r.content == b""
        _assert_cors(r.headers, APP)
        assert r.headers["access-control-allow-methods"] == "PUT"
        assert r.headers["access-control-allow-headers"] == "X-Frappe-CSRF-Token, Content-Type"
        assert r.headers["access-control-max-age"] == "86400"
        assert "set-cookie" not in r.headers


async def test_c3_preflight_for_other_origins_has_no_cors_headers(cors_site: Site) -> None:
    r = await cors_site.client.options(
        "/api/resource/ToDo",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"},
    )
    assert r.status_code == 200 and r.content == b""
    assert not [h for h in r.headers if h.startswith("access-control-")]


async def test_c3_no_max_age_in_developer_mode(backend: str, tmp_path: Path) -> None:
    async with open_site(
        backend, tmp_path, cors={"allow_cors": (APP,)}, site={"developer_mode": True}
    ) as dev:
        r = await dev.client.options(
            "/api/method/ping", headers={"Origin": APP, "Access-Control-Request-Method": "GET"}
        )
        assert r.status_code == 200
        _assert_cors(r.headers, APP)
        assert "access-control-max-age" not in r.headers
        assert "access-control-allow-headers" not in r.headers  # none were asked for
