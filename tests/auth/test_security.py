"""Security rules (S1-S6, S8-S11) as they touch authentication, sessions and errors."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from pathlib import Path

import orjson
import pytest

from maju.auth import csrf, keys
from maju.cli.log import server_log_config
from tests.auth.accounts import add_user, fetch_all, login, new_client
from tests.auth.conftest import AUTH_ROOT
from tests.sites import Site, open_site

ANN = "ann@example.com"
PASSWORD = "correct-horse-battery"


async def test_s1_values_are_bound_never_spliced(site: Site) -> None:
    await add_user(site.config, ANN, password=PASSWORD)
    for usr in ("' OR '1'='1", 'x"; DROP TABLE "tabUser"; --', "Administrator' --"):
        r = await site.client.post("/api/method/login", json={"usr": usr, "pwd": "x' OR 1=1"})
        assert r.status_code == 401, usr
    for header in ("token ' OR 1=1 --:x", "Bearer ' OR 1=1 --"):
        r = await site.client.get(
            "/api/method/frappe.auth.get_logged_user", headers={"Authorization": header}
        )
        assert r.status_code == 401
    r = await site.client.get(
        "/api/resource/ToDo",
        headers=site.admin_headers,
        params={"filters": '[["name", "=", "x\' OR 1=1 --"]]'},
    )
    assert r.status_code == 200 and r.json() == {"data": []}
    for params in (
        {"order_by": "modified desc; DROP TABLE x"},
        {"fields": '["name from tabUser --"]'},
        {"filters": '["1=1"]'},
    ):
        r = await site.client.get("/api/resource/ToDo", headers=site.admin_headers, params=params)
        assert r.status_code == 417, params
    rows = await fetch_all(
        site.config, 'SELECT "name" FROM "tabUser" WHERE "name" = :n', {"n": ANN}
    )
    assert rows == [{"name": ANN}]


@pytest.mark.parametrize("method", ["broken_sql", "broken_python"])
async def test_s2_no_leaks_in_production(
    auth_site: Site, method: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="maju.api.responses")  # E15 logs it; not here
    r = await auth_site.client.get(f"/api/method/authtest.api.{method}")
    assert r.status_code == 500
    body = r.json()
    line = f"{body['exc_type']}: Internal server error"
    assert body["exception"] == line and orjson.loads(body["exc"]) == [line]
    for leak in (
        "no_such_table",
        "secret_column",
        "hunter2",
        "SELECT",
        "/srv/",
        "secret_key",
        "Traceback",
        'File "',
        ".py",
    ):
        assert leak not in r.text, leak


async def test_s2_developer_mode_shows_the_traceback(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="maju.api.responses")
    async with open_site(
        backend, tmp_path, site={"apps": ("authtest",), "developer_mode": True}, root=str(AUTH_ROOT)
    ) as site:
        r = await site.client.get("/api/method/authtest.api.broken_python")
        assert r.status_code == 500
        assert "Traceback" in orjson.loads(r.json()["exc"])[0]


async def test_s3_secrets_at_rest_and_never_returned(site: Site) -> None:
    await add_user(site.config, ANN, password=PASSWORD)
    ann = await site.token_for(ANN)
    secret = ann["Authorization"].rsplit(":", 1)[1]
    [row] = await fetch_all(
        site.config, 'SELECT "password" FROM "__auth" WHERE "name" = :n', {"n": ANN}
    )
    assert row["password"].startswith("$argon2id$") and PASSWORD not in row["password"]
    [user] = await fetch_all(
        site.config, 'SELECT "api_secret" FROM "tabUser" WHERE "name" = :n', {"n": ANN}
    )
    stored_hash = user["api_secret"]
    assert stored_hash == keys.hash_secret(secret)
    responses = [
        await site.client.get(f"/api/resource/User/{ANN}", headers=site.admin_headers),
        await site.client.get(
            "/api/resource/User", headers=site.admin_headers, params={"fields": '["*"]'}
        ),
        await site.client.get(
            "/api/method/frappe.client.get",
            headers=site.admin_headers,
            params={"doctype": "User", "name": ANN},
        ),
    ]
    for r in responses:
        assert r.status_code == 200, r.text
        for value in (stored_hash, secret, PASSWORD, "$argon2"):
            assert value not in r.text
    r = await site.client.get(
        "/api/resource/User", headers=site.admin_headers, params={"fields": '["api_secret"]'}
    )
    assert r.status_code == 417  # a Password field is never listable (L4, L15)


async def test_s3_secrets_never_logged(auth_site: Site, caplog: pytest.LogCaptureFixture) -> None:
    """With the server's logging config, nothing logs a secret, even with the root at DEBUG.

    maju's own loggers run at DEBUG; the drivers that print bound values at DEBUG (databases,
    aiosqlite) are held where `maju serve` holds them.
    """
    caplog.set_level(logging.DEBUG)
    pinned = server_log_config("debug")["loggers"]
    for name in ("databases", "aiosqlite"):
        assert logging.getLevelName(pinned[name]["level"]) >= logging.INFO, name
        caplog.set_level(pinned[name]["level"], logger=name)
    await add_user(auth_site.config, ANN, password=PASSWORD)
    client = auth_site.client
    await login(client, ANN, PASSWORD)
    sid = client.cookies["sid"]
    token = (await client.get("/api/method/maju.auth.get_csrf_token")).json()["message"]
    await client.post("/api/method/login", json={"usr": ANN, "pwd": "wrong-" + PASSWORD})
    await client.post(  # S13: an allowed host, so that a link is sent
        "/api/method/maju.auth.reset_password", json={"user": ANN}, headers={"Host": "localhost"}
    )
    outbox = (auth_site.config.site_dir / "reset_outbox.txt").read_text()
    reset_key = outbox.rsplit("key=", 1)[1].strip()
    r = await client.post(
        "/api/method/maju.auth.generate_keys", json={"user": ANN}, headers=auth_site.admin_headers
    )
    api_secret = r.json()["message"]["api_secret"]
    await client.get(
        "/api/method/frappe.auth.get_logged_user",
        headers={"Authorization": f"token {r.json()['message']['api_key']}:{api_secret}"},
    )
    logged = "\n".join(
        f"{rec.getMessage()} {rec.exc_text or ''} {rec.args!r}" for rec in caplog.records
    )
    for secret in (
        PASSWORD,
        sid,
        sid.rsplit(".", 1)[0],
        token,
        reset_key,
        api_secret,
        keys.hash_secret(api_secret),
        "$argon2",
    ):
        assert secret not in logged


async def test_s4_constant_time_comparisons(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets and CSRF tokens go through hmac.compare_digest (spied on, not replaced)."""
    calls: list[int] = []
    real = hmac.compare_digest

    def spy(a: bytes | str, b: bytes | str) -> bool:
        calls.append(1)
        return real(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(keys.hmac, "compare_digest", spy)
    await add_user(site.config, ANN, password=PASSWORD)
    ann = await site.token_for(ANN)
    assert (
        await site.client.get("/api/method/frappe.auth.get_logged_user", headers=ann)
    ).status_code == 200
    assert calls, "API secret not compared in constant time"
    calls.clear()
    await login(site.client, ANN, PASSWORD)
    r = await site.client.post(
        "/api/method/logout",
        headers={"Origin": "http://evil.example", "X-Frappe-CSRF-Token": "0" * 56},
    )
    assert r.status_code == 400
    assert calls and csrf.hmac.compare_digest is spy, "CSRF token not compared in constant time"


async def test_s6_account_changes_are_post_only(auth_site: Site) -> None:
    await add_user(auth_site.config, ANN, password=PASSWORD)
    for name, params in (
        ("maju.auth.generate_keys", {"user": ANN}),
        ("maju.auth.reset_password", {"user": ANN}),
        ("maju.auth.update_password", {"new_password": "x", "key": "y"}),
        ("login", {"usr": ANN, "pwd": PASSWORD}),
    ):
        r = await auth_site.client.get(
            f"/api/method/{name}", params=params, headers=auth_site.admin_headers
        )
        assert r.status_code == 403, name
        assert r.json()["exception"] == "PermissionError: Not permitted"
    [row] = await fetch_all(
        auth_site.config, 'SELECT "api_key" FROM "tabUser" WHERE "name" = :n', {"n": ANN}
    )
    assert row["api_key"] is None
    assert await fetch_all(auth_site.config, 'SELECT * FROM "__reset_keys"') == []


async def test_s8_login_never_redirects(site: Site) -> None:
    await add_user(site.config, ANN, password=PASSWORD)
    r = await site.client.post(
        "/api/method/login",
        json={"usr": ANN, "pwd": PASSWORD, "redirect_to": "https://evil.example/"},
    )
    assert r.status_code == 200 and "location" not in r.headers
    r = await site.client.get("/api/method/logout", params={"redirect_to": "https://evil.example/"})
    assert r.status_code == 200 and "location" not in r.headers


async def test_s9_auth_internals_are_not_callable(site: Site) -> None:
    for name in (
        "maju.auth.sessions.create_session",
        "maju.auth.keys.generate_keys",
        "maju.auth.passwords.set_password",
        "maju.auth.lockout.clear_user",
    ):
        r = await site.client.post(
            f"/api/method/{name}", headers=site.admin_headers, json={"user": "Administrator"}
        )
        assert r.status_code == 403, name
        assert r.json()["exception"] == f"PermissionError: Function {name} is not whitelisted."


async def test_s11_headers_on_auth_answers(site: Site) -> None:
    await add_user(site.config, ANN, password=PASSWORD)
    async with new_client(site.client) as client:
        answers = [
            await client.post("/api/method/login", json={"usr": ANN, "pwd": PASSWORD}),
            await client.post("/api/method/login", json={"usr": ANN, "pwd": "wrong"}),
            await client.get(
                "/api/method/frappe.auth.get_logged_user", headers={"Authorization": "token a:b"}
            ),
            await client.post("/api/method/logout", headers={"Origin": "http://evil.example"}),
            await client.options("/api/method/login"),
        ]
    for r in answers:
        assert r.headers["cache-control"] == "no-store", r.request.url
        assert r.headers["x-content-type-options"] == "nosniff"


def test_s5_s4_no_plain_equality_on_secrets() -> None:
    """A source check: the auth modules compare secrets only through hmac.compare_digest."""
    root = Path(keys.__file__).parent
    for module in ("keys.py", "csrf.py"):
        text = (root / module).read_text()
        assert "compare_digest" in text
        assert not re.search(r"(secret|token)\w*\s*==", text), module


async def test_s7_client_urls_are_never_fetched(site: Site) -> None:
    """F3/S7: an http(s) `file_url` is stored as a link; nothing connects to it."""
    connections: list[int] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        writer.close()

    server = await asyncio.start_server(record, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        url = f"http://127.0.0.1:{port}/latest/meta-data/secret.png"
        r = await site.client.post(
            "/api/method/upload_file",
            headers=site.admin_headers,
            files={"file_url": (None, url), "is_private": (None, "0")},
        )
        assert r.status_code == 200, r.text
        assert r.json()["message"]["file_url"] == url
    finally:
        server.close()
        await server.wait_closed()
    assert connections == []
