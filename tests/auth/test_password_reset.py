"""Password reset and change (A12), S3's hashed reset keys and S10's identical answers."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.auth.accounts import add_user, execute, fetch_all, login, new_client
from tests.auth.apps.authtest.hooks import OUTBOX
from tests.auth.conftest import AUTH_ROOT
from tests.sites import Site, open_site

ANN = "ann@example.com"
RESET = "/api/method/frappe.core.doctype.user.user.reset_password"
UPDATE = "/api/method/frappe.core.doctype.user.user.update_password"
SENT = {"message": "Password reset instructions have been sent"}
# S13: with site.base_url unset, links are built only for an allowed host (loopback by default).
LOCAL = {"Host": "localhost:8000"}


def _outbox(site: Site) -> list[tuple[str, str]]:
    path = site.config.site_dir / OUTBOX
    if not path.exists():
        return []
    return [tuple(line.split(" ", 1)) for line in path.read_text().splitlines()]  # type: ignore[misc]


async def test_a12_reset_sends_a_single_use_key(auth_site: Site) -> None:
    await add_user(auth_site.config, ANN, password="old-password")
    r = await auth_site.client.post(RESET, json={"user": ANN}, headers=LOCAL)
    assert r.status_code == 200 and r.json() == SENT
    [(user, url)] = _outbox(auth_site)
    assert user == ANN and url.startswith("http://localhost:8000/update-password?key=")
    key = parse_qs(urlsplit(url).query)["key"][0]
    [row] = await fetch_all(auth_site.config, 'SELECT * FROM "__reset_keys"')
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()  # S3: only the hash
    r = await auth_site.client.post(UPDATE, json={"new_password": "new-password", "key": key})
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "/app"}
    await login(auth_site.client, ANN, "new-password")
    r = await auth_site.client.post(UPDATE, json={"new_password": "again", "key": key})
    assert r.status_code == 417  # single use


async def test_a12_s10_same_answer_for_unknown_and_disabled(auth_site: Site) -> None:
    await add_user(auth_site.config, "off@example.com", enabled=False)
    for user in ("nobody@example.com", "off@example.com", "Guest", ""):
        r = await auth_site.client.post("/api/method/maju.auth.reset_password", json={"user": user})
        assert r.status_code == 200 and r.json() == SENT, user
    r = await auth_site.client.post("/api/method/maju.auth.reset_password")  # no user at all
    assert r.status_code == 200 and r.json() == SENT
    assert _outbox(auth_site) == []
    assert await fetch_all(auth_site.config, 'SELECT * FROM "__reset_keys"') == []


async def test_a12_post_only(auth_site: Site) -> None:
    r = await auth_site.client.get(RESET, params={"user": ANN})
    assert r.status_code == 403
    r = await auth_site.client.get(UPDATE, params={"new_password": "x", "key": "y"})
    assert r.status_code == 403


async def test_a12_bad_or_expired_key_is_417(auth_site: Site) -> None:
    await add_user(auth_site.config, ANN, password="old-password")
    r = await auth_site.client.post(UPDATE, json={"new_password": "x", "key": "not-a-key"})
    assert r.status_code == 417
    await auth_site.client.post(RESET, json={"user": ANN}, headers=LOCAL)
    [(_, url)] = _outbox(auth_site)
    key = parse_qs(urlsplit(url).query)["key"][0]
    await execute(auth_site.config, 'UPDATE "__reset_keys" SET "expires" = 1')
    r = await auth_site.client.post(UPDATE, json={"new_password": "x", "key": key})
    assert r.status_code == 417
    r = await auth_site.client.post(UPDATE, json={"new_password": "x"})  # neither key nor login
    assert r.status_code == 417


async def test_a12_change_with_old_password_ends_other_sessions(auth_site: Site) -> None:
    await add_user(auth_site.config, ANN, password="old-password")
    async with new_client(auth_site.client) as other, new_client(auth_site.client) as me:
        await login(other, ANN, "old-password")
        await login(me, ANN, "old-password")
        r = await me.post(UPDATE, json={"new_password": "new-password", "old_password": "wrong"})
        assert r.status_code == 401
        r = await me.post(
            UPDATE, json={"new_password": "new-password", "old_password": "old-password"}
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"message": "/app"}
        who = "/api/method/frappe.auth.get_logged_user"
        assert (await me.get(who)).json() == {"message": ANN}  # this session lives on
        gone: httpx.Response = await other.get(who)
        assert gone.status_code == 403 and gone.json()["session_expired"] == 1
    r = await auth_site.client.post("/api/method/login", json={"usr": ANN, "pwd": "old-password"})
    assert r.status_code == 401


async def test_s13_reset_link_never_follows_an_unlisted_host(
    auth_site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """A poisoned Host gets the same answer (A12) but no link, no key, and a logged reason."""
    await add_user(auth_site.config, ANN, password="old-password")
    await auth_site.client.post(RESET, json={"user": ANN}, headers=LOCAL)
    [(_, first)] = _outbox(auth_site)
    with caplog.at_level("WARNING"):
        for host in ("evil.example", "localhost.evil.example", "localhost@evil.example"):
            r = await auth_site.client.post(RESET, json={"user": ANN}, headers={"Host": host})
            assert r.status_code == 200 and r.json() == SENT, host
    assert len(_outbox(auth_site)) == 1  # nothing sent to the poisoned requests
    assert "not in site.allowed_hosts" in caplog.text and "no password reset link" in caplog.text
    assert "evil.example" not in (auth_site.config.site_dir / OUTBOX).read_text()
    # The user's real link still works: the refused requests voided nothing.
    key = parse_qs(urlsplit(first).query)["key"][0]
    r = await auth_site.client.post(UPDATE, json={"new_password": "new-password", "key": key})
    assert r.status_code == 200, r.text


async def test_s13_c5_forwarded_host_ignored_from_untrusted_peer(auth_site: Site) -> None:
    await add_user(auth_site.config, ANN, password="old-password")
    headers = {**LOCAL, "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    r = await auth_site.client.post(RESET, json={"user": ANN}, headers=headers)
    assert r.status_code == 200 and r.json() == SENT
    [(_, url)] = _outbox(auth_site)
    assert url.startswith("http://localhost:8000/update-password?key=")


async def test_s13_reset_link_from_base_url_and_trusted_proxy(backend: str, tmp_path: Path) -> None:
    """site.base_url beats every header; behind a trusted proxy X-Forwarded-Host must be allowed."""
    site = {"apps": ("authtest",), "base_url": "https://erp.example.com/"}
    async with open_site(backend, tmp_path / "a", site=site, root=str(AUTH_ROOT)) as running:
        await add_user(running.config, ANN, password="old-password")
        r = await running.client.post(RESET, json={"user": ANN}, headers={"Host": "evil.example"})
        assert r.status_code == 200 and r.json() == SENT
        [(_, url)] = _outbox(running)
        assert url.startswith("https://erp.example.com/update-password?key=")
    # httpx's ASGI transport connects from 127.0.0.1, here a trusted proxy.
    site = {"apps": ("authtest",), "allowed_hosts": ("erp.example.com",)}
    proxy = {"trusted_proxies": ("127.0.0.1",)}
    async with open_site(
        backend, tmp_path / "b", site=site, proxy=proxy, root=str(AUTH_ROOT)
    ) as running:
        await add_user(running.config, ANN, password="old-password")
        forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "198.51.100.1"}
        await running.client.post(RESET, json={"user": ANN}, headers=forwarded)
        assert _outbox(running) == []
        forwarded = {"X-Forwarded-Host": "erp.example.com", "X-Forwarded-Proto": "https"}
        await running.client.post(RESET, json={"user": ANN}, headers=forwarded)
        [(_, url)] = _outbox(running)
        assert url.startswith("https://erp.example.com/update-password?key=")
