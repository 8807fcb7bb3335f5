"""Section E through the method routes: routing, the form dict, success and error envelopes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.test_method_dispatch import assert_error
from tests.sites import REPO_ROOT, Site, open_site

KWARGS = "/api/method/methodtest.api.takes_kwargs"


@pytest.fixture
async def msite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_site(
        backend, tmp_path, site={"apps": ("methodtest",)}, root=str(REPO_ROOT / "tests")
    ) as running:
        yield running


async def test_e1_api_and_api_v1_identical(msite: Site) -> None:
    h = msite.admin_headers
    for path in ("/api/method/methodtest.api.typed", "/api/v1/method/methodtest.api.typed"):
        r = await msite.client.get(path, params={"a": "2"}, headers=h)
        assert r.json()["message"]["values"]["a"] == 2
        r = await msite.client.get(path, params={"a": "x"}, headers=h)
        assert r.status_code == 417


async def test_e2_trailing_slash_and_percent_decoding(msite: Site) -> None:
    h = msite.admin_headers
    for path in (
        "/api/method/methodtest.api.get_only/",
        "/api/method/methodtest%2Eapi.get_only",
        "/api/v1/method/methodtest.api.get_only/",
    ):
        r = await msite.client.get(path, headers=h)
        assert r.json() == {"message": "got"}, path


async def test_e3_site_headers_never_select_a_site(site: Site) -> None:
    r = await site.client.get(
        "/api/method/ping",
        headers={"X-Frappe-Site-Name": "other.example.com", "Host": "unknown.example.org"},
    )
    assert r.json() == {"message": "pong"}


async def test_e4_unknown_routes(site: Site) -> None:
    for path in ("/api/nothing", "/api/v2/method/ping", "/api/method", "/api/methods/ping"):
        r = await site.client.get(path)
        assert r.status_code == 404, path
        body = r.json()
        assert body["exc_type"] == "DoesNotExistError"
        assert "exception" not in body and "exc" not in body  # E9


async def test_e5_wrong_method_on_root_is_405_method_calls_use_m4(site: Site) -> None:
    r = await site.client.delete("/?cmd=ping")
    assert r.status_code == 405
    assert r.json()["exc_type"] == "MethodNotAllowedError"
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}
    r = await site.client.patch("/api/method/ping")
    assert_error(r, 403, "PermissionError", "Not permitted")


async def test_e6_json_body_replaces_query_string(msite: Site) -> None:
    h = msite.admin_headers
    for verb in ("GET", "POST", "PUT", "DELETE"):
        r = await msite.client.request(
            verb, KWARGS + "?q=query", headers=h, json={"a": 1, "b": [True, None]}
        )
        assert r.json() == {"message": {"a": 1, "b": [True, None]}}, verb
    r = await msite.client.post(
        KWARGS + "?q=query",
        headers={**h, "Content-Type": "application/vnd.api+json; charset=utf-8"},
        content=b'{"a": 2}',
    )
    assert r.json() == {"message": {"a": 2}}


async def test_e6_json_array_and_scalar_bodies(msite: Site) -> None:
    h = msite.admin_headers
    r = await msite.client.post(KWARGS, headers=h, json=["x", 1])
    assert r.json() == {"message": {"data": ["x", 1]}}
    r = await msite.client.post(KWARGS, headers=h, json="scalar")
    assert r.status_code == 400 and r.json()["exc_type"] == "BadRequestError"


async def test_e6_form_overlays_query_first_value_wins_underscore_dropped(msite: Site) -> None:
    h = msite.admin_headers
    r = await msite.client.post(
        KWARGS + "?a=query&b=query&b=second&_=1",
        headers=h,
        data={"a": "form", "c": ["first", "second"]},
    )
    assert r.json() == {"message": {"a": "form", "b": "query", "c": "first"}}
    r = await msite.client.delete(KWARGS + "?a=1&a=2&_=123", headers=h)
    assert r.json() == {"message": {"a": "1"}}
    # Multipart text fields only: an uploaded file part is F1's business.
    body = (
        b'--B\r\nContent-Disposition: form-data; name="x"\r\n\r\nmulti\r\n'
        b'--B\r\nContent-Disposition: form-data; name="x"\r\n\r\nlater\r\n--B--\r\n'
    )
    r = await msite.client.post(
        "/api/method/methodtest.api.untyped?x=query&y=q",
        headers={**h, "Content-Type": "multipart/form-data; boundary=B"},
        content=body,
    )
    assert r.json() == {"message": {"x": "multi", "y": "q"}}


async def test_e7_empty_bodies_and_malformed_json(msite: Site) -> None:
    h = {**msite.admin_headers, "Content-Type": "application/json"}
    for verb in ("GET", "DELETE", "POST"):
        r = await msite.client.request(verb, KWARGS + "?a=1", headers=h, content=b"")
        assert r.json() == {"message": {"a": "1"}}, verb
    r = await msite.client.post(KWARGS, headers=h, content=b'{"a": ')
    assert_error(r, 400, "BadRequestError", "Invalid JSON body")


async def test_e8_success_envelope(msite: Site) -> None:
    r = await msite.client.get(
        "/api/method/methodtest.api.returns",
        params={"kind": "unicode"},
        headers=msite.admin_headers,
    )
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == "application/json"
    assert r.json() == {"message": "ça va ✓"}
    r = await msite.client.get(
        "/api/method/methodtest.api.returns", params={"kind": "none"}, headers=msite.admin_headers
    )
    assert r.json() == {}


E11 = {
    "BadRequestError": 400,
    "CSRFTokenError": 400,
    "AuthenticationError": 401,
    "PermissionError": 403,
    "DoesNotExistError": 404,
    "MethodNotAllowedError": 405,
    "NameError": 409,
    "DuplicateEntryError": 409,
    "PayloadTooLargeError": 413,
    "ValidationError": 417,
    "MandatoryError": 417,
    "DataError": 417,
    "LinkValidationError": 417,
    "UniqueValidationError": 417,
    "TimestampMismatchError": 417,
    "DocstatusTransitionError": 417,
    "UpdateAfterSubmitError": 417,
    "LinkExistsError": 417,
    "CharacterLengthExceededError": 417,
    "ReadOnlyRequestError": 417,
    "FrappeTypeError": 417,
    "TooManyRequestsError": 429,
    "RateLimitExceededError": 429,
}


async def test_e9_e10_e11_every_error_class_from_a_method(msite: Site) -> None:
    for kind, status in E11.items():
        r = await msite.client.post(
            "/api/method/methodtest.api.raise_error", json={"kind": kind, "message": f"bad {kind}"}
        )
        assert_error(r, status, kind, f"bad {kind}")


async def test_e12_errors_are_json_whatever_accept_says(msite: Site) -> None:
    h = {"Accept": "text/html,application/xhtml+xml"}
    for path in ("/api/method/methodtest.api.who", "/api/method/nope.x", "/api/nothing"):
        r = await msite.client.get(path, headers=h)
        assert r.headers["content-type"].startswith("application/json"), path
        assert "exc_type" in r.json()


async def test_e13_body_too_large(backend: str, tmp_path: Path) -> None:
    async with open_site(backend, tmp_path, api={"max_body_size": 100}) as site:
        r = await site.client.post(
            "/api/method/ping", content=b"x" * 101, headers={"Content-Type": "text/plain"}
        )
        assert r.status_code == 413
        assert r.json()["exc_type"] == "PayloadTooLargeError"
        r = await site.client.post("/api/method/ping", json={"a": "x" * 50})
        assert r.json() == {"message": "pong"}


async def test_e15_unexpected_error_is_500_without_detail(msite: Site) -> None:
    r = await msite.client.post(
        "/api/method/methodtest.api.insert_then_crash",
        json={"label": "x"},
        headers=msite.admin_headers,
    )
    assert r.status_code == 500
    assert r.json()["exception"] == "RuntimeError: Internal server error"
    assert "passwd" not in r.text
