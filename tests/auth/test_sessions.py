"""Server-side sessions (A3), bad sessions (A5) and session ids (S5)."""

from __future__ import annotations

import time

import pytest
from itsdangerous import Signer

from maju.auth.cookies import sign_sid
from tests.auth.accounts import add_user, execute, fetch_all, login, new_client, set_cookies
from tests.sites import Site

ANN = "ann@example.com"


@pytest.fixture
async def ann(site: Site) -> str:
    return await add_user(site.config, ANN, password="secret", full_name="Ann Lee")


async def test_a3_session_is_a_database_row(site: Site, ann: str) -> None:
    await login(site.client, ANN, "secret")
    rows = await fetch_all(site.config, 'SELECT * FROM "__sessions"')
    assert len(rows) == 1
    row = rows[0]
    assert row["user"] == ANN
    assert len(row["csrf_token"]) == 56
    lifetime = row["expires"] - row["touched"]
    assert lifetime == pytest.approx(170 * 3600, abs=1)
    # The stored id is a hash, not the cookie's id.
    sid = site.client.cookies["sid"].rsplit(".", 1)[0]
    assert sid not in str(row["id"]) and len(row["id"]) == 64


async def test_a3_expiry_slides_at_most_every_ten_minutes(site: Site, ann: str) -> None:
    await login(site.client, ANN, "secret")
    r = await site.client.get("/api/method/frappe.auth.get_logged_user")
    assert r.status_code == 200 and "set-cookie" not in r.headers  # fresh: no write, no cookie
    [before] = await fetch_all(site.config, 'SELECT "touched", "expires" FROM "__sessions"')
    # Pretend the last write was 11 minutes ago and the session ends in an hour.
    past = time.time() - 660
    await execute(
        site.config,
        'UPDATE "__sessions" SET "touched" = :t, "expires" = :e',
        {"t": past, "e": time.time() + 3600},
    )
    r = await site.client.get("/api/method/frappe.auth.get_logged_user")  # a GET: read-only
    assert r.status_code == 200
    cookies = set_cookies(r)
    assert list(cookies) == ["sid"]
    assert "Max-Age=612000" in cookies["sid"] and "HttpOnly" in cookies["sid"]
    [after] = await fetch_all(site.config, 'SELECT "touched", "expires" FROM "__sessions"')
    assert after["touched"] > past + 600
    assert after["expires"] == pytest.approx(time.time() + 170 * 3600, abs=5)
    assert after["expires"] >= before["expires"]
    r = await site.client.get("/api/method/frappe.auth.get_logged_user")
    assert "set-cookie" not in r.headers


async def _assert_expired(site: Site, cookie: str) -> None:
    async with new_client(site.client) as client:
        client.cookies.set("sid", cookie)
        r = await client.get("/api/method/frappe.auth.get_logged_user")
        assert r.status_code == 403, r.text
        body = r.json()
        assert body["session_expired"] == 1 and body["exc_type"] == "PermissionError"
        deleted = set_cookies(r)
        assert set(deleted) == {"sid", "system_user", "full_name", "user_id", "user_image"}
        assert all("Max-Age=0" in h for h in deleted.values())
        # A guest-allowed endpoint goes on as Guest and still carries the flag.
        r = await client.get("/api/method/ping")
        assert r.status_code == 200
        assert r.json() == {"message": "pong", "session_expired": 1}


async def test_a5_tampered_unknown_expired_disabled(site: Site, ann: str) -> None:
    await login(site.client, ANN, "secret")
    good = site.client.cookies["sid"]
    sid, _, signature = good.rpartition(".")
    await _assert_expired(site, f"{sid}x.{signature}")  # tampered
    await _assert_expired(site, f"{sid}.{signature[:-2]}AA")  # bad signature
    await _assert_expired(site, "no-signature-at-all")
    await _assert_expired(site, sign_sid("another-key", sid))  # S5: other key
    await _assert_expired(site, sign_sid(site.config.site.secret_key, "unknown-session-id"))
    assert (await site.client.get("/api/method/frappe.auth.get_logged_user")).status_code == 200
    await execute(site.config, 'UPDATE "__sessions" SET "expires" = :e', {"e": time.time() - 1})
    await _assert_expired(site, good)  # expired
    await login(site.client, ANN, "secret")
    good = site.client.cookies["sid"]
    await execute(site.config, 'UPDATE "tabUser" SET "enabled" = 0 WHERE "name" = :n', {"n": ANN})
    await _assert_expired(site, good)  # disabled user


async def test_a5_error_body_keeps_session_expired_on_writes(site: Site, ann: str) -> None:
    async with new_client(site.client) as client:
        client.cookies.set("sid", "bogus")
        r = await client.post("/api/method/maju.auth.generate_keys", json={"user": ANN})
        assert r.status_code == 403
        assert r.json()["session_expired"] == 1


async def test_s5_session_ids_are_random_and_signed(site: Site, ann: str) -> None:
    ids = set()
    for _ in range(2):
        await login(site.client, ANN, "secret")
        value = site.client.cookies["sid"]
        sid = Signer(site.config.site.secret_key, salt="maju.session").unsign(value).decode()
        assert len(sid) >= 43  # 32 random bytes, base64: 256 bits
        ids.add(sid)
    assert len(ids) == 2


async def test_a9_sid_parameter_is_never_a_session(site: Site, ann: str) -> None:
    await login(site.client, ANN, "secret")
    value = site.client.cookies["sid"]
    async with new_client(site.client) as client:
        for r in (
            await client.get("/api/method/frappe.auth.get_logged_user", params={"sid": value}),
            await client.post("/api/method/frappe.auth.get_logged_user", json={"sid": value}),
            await client.post("/api/method/frappe.auth.get_logged_user", data={"sid": value}),
        ):
            assert r.status_code == 403
            assert "session_expired" not in r.json()
