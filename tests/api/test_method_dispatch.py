"""Method resolution and call policy: M1-M4, M13, S9, and the E9/E10 envelope of their errors."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.sites import REPO_ROOT, Site, open_site


@pytest.fixture
async def msite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    """A site whose only app is the test app `methodtest` (tests/apps/methodtest)."""
    async with open_site(
        backend, tmp_path, site={"apps": ("methodtest",)}, root=str(REPO_ROOT / "tests")
    ) as running:
        yield running


def assert_error(r: httpx.Response, status: int, exc_type: str, message: str) -> dict[str, Any]:
    """E9/E10: the full envelope, whatever the error (a 404 without exception and exc)."""
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["exc_type"] == exc_type
    if status == 404:  # E9: a 404 carries neither exception nor exc
        assert "exception" not in body and "exc" not in body, body
    else:
        assert body["exception"] == f"{exc_type}: {message}"
        assert orjson.loads(body["exc"]) == [body["exception"]]
    decoded = [orjson.loads(m) for m in orjson.loads(body["_server_messages"])]
    assert decoded == [
        {"message": message, "title": "Message", "indicator": "red", "raise_exception": 1}
    ]
    if status == 403:
        assert body["_error_message"] == message
    else:
        assert "_error_message" not in body
    return body


async def test_m1_trailing_slash_and_rest_ignored(site: Site) -> None:
    for path in ("/api/method/ping/", "/api/method/ping/anything/else", "/api/v1/method/ping"):
        r = await site.client.get(path)
        assert r.status_code == 200, path
        assert r.json() == {"message": "pong"}


async def test_m13_ping_for_anyone_on_every_verb(site: Site) -> None:
    for verb in ("GET", "POST", "PUT", "DELETE", "HEAD"):
        r = await site.client.request(verb, "/api/method/ping")
        assert r.status_code == 200, verb
        if verb != "HEAD":
            assert r.json() == {"message": "pong"}


async def test_m2_app_not_installed_refused_before_import(site: Site) -> None:
    names = {
        "antigravity.fly": "antigravity",
        "this.x": "this",
        "xml.dom.minidom.parseString": "xml",
        "os.system": "os",
        "builtins.eval": "builtins",
        "webbrowser.open": "webbrowser",
    }
    fresh = ("antigravity", "this", "xml.dom.minidom", "webbrowser")
    assert not [m for m in fresh if m in sys.modules], "test needs modules not yet imported"
    before = set(sys.modules)
    for name, package in names.items():
        for verb in ("GET", "POST"):
            r = await site.client.request(
                verb,
                f"/api/method/{name}",
                headers=site.admin_headers,
                params={"url": "http://example.com", "command": "id"},
            )
            assert_error(r, 417, "ValidationError", f"App {package} is not installed")
    assert set(sys.modules) == before


async def test_m2_installed_elsewhere_is_not_installed_here(site: Site) -> None:
    """`methodtest` is importable once another site loaded it, but this site does not install it."""
    r = await site.client.get("/api/method/methodtest.api.guest_ok")
    assert_error(r, 417, "ValidationError", "App methodtest is not installed")


async def test_m2_unresolvable_names(msite: Site) -> None:
    assert (await msite.client.get("/api/method/methodtest.api.guest_ok")).status_code == 200
    before = set(sys.modules)
    for name in (
        "methodtest.nope.fn",
        "methodtest.api.nope",
        "methodtest.os.system",
        "methodtest.api.typed.x",
        "maju.nope.fn",
        "methodtest",
        "nodots",
        "frappe.desk.reportview.get",
        "frappe.client.nope",
        "methodtest..api",
        "methodtest.api.",
        "méthode.x",
    ):
        r = await msite.client.get(f"/api/method/{name}", headers=msite.admin_headers)
        assert_error(r, 417, "ValidationError", f"Failed to get method for command {name}")
    assert set(sys.modules) == before


async def test_m3_refused_objects_do_not_run(msite: Site) -> None:
    """Non-whitelisted app functions, maju internals, private names, re-exports from outside."""
    # Load the module first so that sys.modules only changes if something new is imported.
    assert (await msite.client.get("/api/method/methodtest.api.guest_ok")).status_code == 200
    import outsider  # type: ignore[import-not-found]  # tests/apps/outsider.py

    before = set(sys.modules)
    names = (
        "methodtest.api.not_whitelisted",
        "methodtest.api._private",
        "methodtest._hidden.fn",
        "methodtest.api.__init__",
        "methodtest.api.system",
        "methodtest.api.outside",
        "methodtest.api.NotAFunction",
        "methodtest.api.Document",
        "methodtest.api.errors",
        "maju.db.connection.Database",
        "maju.config.load_config",
        "maju.api.dispatch.importlib",
        "maju.auth.keys.generate_keys",
        "maju.whitelisting.whitelist",
    )
    for name in names:
        for headers in (msite.admin_headers, {}):
            r = await msite.client.post(f"/api/method/{name}", headers=headers)
            assert_error(r, 403, "PermissionError", f"Function {name} is not whitelisted.")
    assert outsider.CALLS == []
    assert set(sys.modules) == before


async def test_m3_lazy_module_attributes_are_not_a_way_in(site: Site) -> None:
    """`maju.whitelist` exists only through maju's module __getattr__: not a real attribute."""
    r = await site.client.get("/api/method/maju.whitelist", headers=site.admin_headers)
    assert_error(r, 417, "ValidationError", "Failed to get method for command maju.whitelist")


async def test_m3_guest_needs_allow_guest(msite: Site) -> None:
    r = await msite.client.get("/api/method/methodtest.api.who")
    assert_error(
        r,
        403,
        "PermissionError",
        "Function methodtest.api.who is not allowed for Guest; log in first.",
    )
    r = await msite.client.get("/api/method/methodtest.api.guest_ok")
    assert r.json() == {"message": "Guest"}
    r = await msite.client.get("/api/method/methodtest.api.who", headers=msite.admin_headers)
    assert r.json()["message"]["user"] == "Administrator"


async def test_m3_sync_and_async_functions(msite: Site) -> None:
    r = await msite.client.get(
        "/api/method/methodtest.api.sync_thread", params={"n": "21"}, headers=msite.admin_headers
    )
    assert r.json() == {"message": {"double": 42, "main_thread": False}}


async def test_m4_verbs(msite: Site) -> None:
    h = msite.admin_headers
    cases = [
        ("methodtest.api.get_only", "GET", 200),
        ("methodtest.api.get_only", "HEAD", 200),
        ("methodtest.api.get_only", "POST", 403),
        ("methodtest.api.get_only", "PUT", 403),
        ("methodtest.api.get_only", "DELETE", 403),
        ("methodtest.api.post_only", "POST", 200),
        ("methodtest.api.post_only", "GET", 403),
        ("methodtest.api.post_only", "HEAD", 403),
        ("methodtest.api.guest_ok", "PATCH", 403),
        ("methodtest.api.patch_only", "PATCH", 200),
        ("methodtest.api.patch_only", "GET", 403),
    ]
    for name, verb, status in cases:
        r = await msite.client.request(verb, f"/api/method/{name}", headers=h)
        assert r.status_code == status, (name, verb, r.text)
        if status == 403 and verb != "HEAD":
            assert_error(r, 403, "PermissionError", "Not permitted")


async def test_m4_guest_check_comes_before_verbs(msite: Site) -> None:
    r = await msite.client.get("/api/method/methodtest.api.post_only")
    assert r.status_code == 403
    assert "log in first" in r.json()["_error_message"]


async def test_e15_unexpected_error_hides_its_text(msite: Site) -> None:
    r = await msite.client.post(
        "/api/method/methodtest.api.insert_then_crash",
        json={"label": "x"},
        headers=msite.admin_headers,
    )
    assert r.status_code == 500
    body = r.json()
    assert body["exc_type"] == "RuntimeError"
    assert body["exception"] == "RuntimeError: Internal server error"
    assert orjson.loads(body["exc"]) == ["RuntimeError: Internal server error"]
    assert "passwd" not in r.text and "SELECT" not in r.text
