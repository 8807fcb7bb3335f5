"""Password login and logout (A1, A2, A4, A6), the `cmd=login` form (M14) and S10."""

from __future__ import annotations

import orjson
import pytest

from tests.auth.accounts import add_user, fetch_all, login, new_client, set_cookies
from tests.sites import Site

ANN = "ann@example.com"


@pytest.fixture
async def ann(site: Site) -> str:
    return await add_user(site.config, ANN, password="secret", full_name="Ann Lee")


async def test_a1_login_json_body(site: Site, ann: str) -> None:
    r = await site.client.post("/api/method/login", json={"usr": ANN, "pwd": "secret"})
    assert r.status_code == 200
    assert r.json() == {"message": "Logged In", "home_page": "/app", "full_name": "Ann Lee"}
    me = await site.client.get("/api/method/frappe.auth.get_logged_user")
    assert me.json() == {"message": ANN}


async def test_a1_login_form_body_and_extra_fields_ignored(site: Site, ann: str) -> None:
    r = await site.client.post(
        "/api/v1/method/login",
        data={"usr": ANN, "pwd": "secret", "otp": "1", "tmp_id": "x", "device": "mobile"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Logged In"


async def test_a1_login_by_email_any_case_and_website_user(site: Site) -> None:
    await add_user(
        site.config,
        "web@example.com",
        password="pw",
        full_name="Web Person",
        user_type="Website User",
    )
    r = await site.client.post("/api/method/login", json={"usr": "WEB@example.com", "pwd": "pw"})
    assert r.json() == {"message": "No App", "home_page": "/me", "full_name": "Web Person"}
    assert set_cookies(r)["system_user"].startswith("system_user=no;")


async def test_a1_only_post(site: Site, ann: str) -> None:
    r = await site.client.get("/api/method/login", params={"usr": ANN, "pwd": "secret"})
    assert r.status_code == 403
    assert r.json()["exc_type"] == "PermissionError"
    assert "set-cookie" not in r.headers


async def test_m14_cmd_login_on_root(site: Site, ann: str) -> None:
    r = await site.client.post("/", data={"cmd": "login", "usr": ANN, "pwd": "secret"})
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Logged In"
    assert "sid" in set_cookies(r)
    r = await site.client.post("/", json={"cmd": "logout"})
    assert r.json() == {"message": "No App", "home_page": "/", "full_name": "Guest"}


async def test_a4_cookies_and_attributes(site: Site) -> None:
    await add_user(
        site.config, ANN, password="secret", full_name="Ann Lee", user_image="/files/ann face.png"
    )
    r = await site.client.post("/api/method/login", json={"usr": ANN, "pwd": "secret"})
    cookies = set_cookies(r)
    assert set(cookies) == {"sid", "system_user", "full_name", "user_id", "user_image"}
    for name, header in cookies.items():
        attributes = [a.strip() for a in header.split(";")]
        assert "Path=/" in attributes and "SameSite=Lax" in attributes, header
        assert "Max-Age=612000" in attributes, header  # auth.session_expiry_hours = 170
        assert any(a.startswith("Expires=") for a in attributes)
        assert ("HttpOnly" in attributes) == (name == "sid")
        assert "Secure" not in attributes  # plain http
    assert cookies["system_user"].startswith("system_user=yes;")
    assert cookies["user_id"].startswith(f"user_id={ANN};")
    assert cookies["full_name"].startswith('full_name="Ann Lee";')
    assert cookies["user_image"].startswith("user_image=%2Ffiles%2Fann%20face.png;")


async def test_a4_secure_under_https(site: Site, ann: str) -> None:
    async with new_client(site.client) as client:
        client.base_url = "https://testserver"  # type: ignore[assignment]
        r = await client.post("/api/method/login", json={"usr": ANN, "pwd": "secret"})
        assert all("; Secure" in h for h in r.headers.get_list("set-cookie"))


async def test_a4_guest_responses_set_no_cookies(site: Site) -> None:
    r = await site.client.get("/api/method/ping")
    assert "set-cookie" not in r.headers


async def test_a2_incomplete_details(site: Site, ann: str) -> None:
    for body in ({"usr": ANN}, {"pwd": "secret"}, {}, {"usr": "", "pwd": "secret"}):
        r = await site.client.post("/api/method/login", json=body)
        assert r.status_code == 401, body
        data = r.json()
        assert data["exc_type"] == "AuthenticationError"
        assert data["message"] == "Incomplete login details"
        assert "set-cookie" not in r.headers


async def test_a2_password_too_long(site: Site, ann: str) -> None:
    r = await site.client.post("/api/method/login", json={"usr": ANN, "pwd": "x" * 513})
    assert r.status_code == 401
    assert r.json()["message"] == "Password size exceeded the maximum allowed size"


async def test_a2_s10_identical_failures(site: Site, ann: str) -> None:
    """S10: unknown user, wrong password and disabled user answer byte for byte alike."""
    await add_user(site.config, "off@example.com", password="secret", enabled=False)
    bodies = []
    for usr, pwd in (
        (ANN, "wrong"),
        ("nobody@example.com", "secret"),
        ("off@example.com", "secret"),
    ):
        r = await site.client.post("/api/method/login", json={"usr": usr, "pwd": pwd})
        assert r.status_code == 401
        assert "set-cookie" not in r.headers
        bodies.append(r.content)
    assert bodies[0] == bodies[1] == bodies[2]
    data = orjson.loads(bodies[0])
    assert data["message"] == "Invalid login credentials"
    assert data["exception"] == "AuthenticationError: Invalid login credentials"


async def test_a2_guest_cannot_log_in(site: Site) -> None:
    r = await site.client.post("/api/method/login", json={"usr": "Guest", "pwd": "anything"})
    assert r.status_code == 401


async def test_a6_logout_ends_the_server_session(site: Site, ann: str) -> None:
    r = await login(site.client, ANN, "secret")
    sid = site.client.cookies["sid"]
    r = await site.client.get("/api/method/logout")
    assert r.status_code == 200
    assert r.json() == {"message": "No App", "home_page": "/", "full_name": "Guest"}
    deleted = set_cookies(r)
    assert set(deleted) == {"sid", "system_user", "full_name", "user_id", "user_image"}
    for header in deleted.values():
        assert "Max-Age=0" in header and header.split(";")[0].endswith("=")
    assert await fetch_all(site.config, 'SELECT * FROM "__sessions"') == []
    # The old cookie, replayed, is now a dead session (A5).
    async with new_client(site.client) as other:
        other.cookies.set("sid", sid)
        r = await other.get("/api/method/frappe.auth.get_logged_user")
        assert r.status_code == 403
        assert r.json()["session_expired"] == 1


async def test_a6_logout_post_and_as_guest(site: Site, ann: str) -> None:
    await login(site.client, ANN, "secret")
    r = await site.client.post("/api/method/logout")
    assert r.status_code == 200
    async with new_client(site.client) as guest:
        r = await guest.post("/api/method/logout")
        assert r.status_code == 200
        assert r.json()["full_name"] == "Guest"


async def test_a1_relogin_replaces_the_old_session(site: Site, ann: str) -> None:
    await login(site.client, ANN, "secret")
    await login(site.client, ANN, "secret")
    rows = await fetch_all(site.config, 'SELECT "user" FROM "__sessions"')
    assert rows == [{"user": ANN}]
