"""API keys (A7), who-am-I (A8), precedence (A9), key generation (A11), Guest vs 401 (A15)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.auth.accounts import add_user, execute, fetch_all, login, new_client
from tests.sites import Site

ANN = "ann@example.com"
WHO = "/api/method/frappe.auth.get_logged_user"


@pytest.fixture
async def ann_headers(site: Site) -> dict[str, str]:
    await add_user(site.config, ANN, password="secret")
    return await site.token_for(ANN)


def _pair(headers: dict[str, str]) -> tuple[str, str]:
    key, _, secret = headers["Authorization"].split(" ", 1)[1].partition(":")
    return key, secret


async def test_a7_token_and_basic(site: Site, ann_headers: dict[str, str]) -> None:
    key, secret = _pair(ann_headers)
    basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
    for header in (
        f"token {key}:{secret}",
        f"Token {key}:{secret}",
        f"TOKEN {key}:{secret}",
        f"Basic {basic}",
        f"basic {basic}",
    ):
        r = await site.client.get(WHO, headers={"Authorization": header})
        assert r.status_code == 200, header
        assert r.json() == {"message": ANN}
    r = await site.client.get("/api/method/maju.auth.get_logged_user", headers=ann_headers)
    assert r.json() == {"message": ANN}


async def test_a7_failures_are_401(site: Site, ann_headers: dict[str, str]) -> None:
    key, secret = _pair(ann_headers)
    bad = [
        f"token {key}:{secret}x",
        f"token nokey:{secret}",
        f"token {key}",
        "token",
        f"token :{secret}",
        f"Bearer{key}",
        f"Digest {key}:{secret}",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"\xff\xfe").decode(),
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "",
    ]
    for header in bad:
        r = await site.client.get(WHO, headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.json()["exc_type"] == "AuthenticationError"
    await execute(site.config, 'UPDATE "tabUser" SET "enabled" = 0 WHERE "name" = :n', {"n": ANN})
    r = await site.client.get(WHO, headers=ann_headers)
    assert r.status_code == 401


async def test_a7_secret_stored_as_sha256(site: Site, ann_headers: dict[str, str]) -> None:
    key, secret = _pair(ann_headers)
    [row] = await fetch_all(
        site.config, 'SELECT "api_key", "api_secret" FROM "tabUser" WHERE "name" = :n', {"n": ANN}
    )
    assert row["api_key"] == key
    assert row["api_secret"] == hashlib.sha256(secret.encode()).hexdigest()


async def test_a8_who_am_i_and_guest(site: Site) -> None:
    r = await site.client.get(WHO, headers=site.admin_headers)
    assert r.json() == {"message": "Administrator"}
    r = await site.client.get(WHO)
    assert r.status_code == 403


async def test_a9_header_wins_over_cookie(site: Site, ann_headers: dict[str, str]) -> None:
    await add_user(site.config, "bob@example.com", password="pw")
    await login(site.client, "bob@example.com", "pw")
    assert (await site.client.get(WHO)).json() == {"message": "bob@example.com"}
    r = await site.client.get(WHO, headers=ann_headers)
    assert r.json() == {"message": ANN}
    # A present but invalid header is 401 even beside a valid cookie.
    r = await site.client.get(WHO, headers={"Authorization": "token nope:nope"})
    assert r.status_code == 401
    r = await site.client.get(WHO, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


async def test_a11_generate_keys(site: Site) -> None:
    await add_user(site.config, ANN)
    r = await site.client.post(
        "/api/method/frappe.core.doctype.user.user.generate_keys",
        json={"user": ANN},
        headers=site.admin_headers,
    )
    assert r.status_code == 200, r.text
    first = r.json()["message"]
    assert set(first) == {"api_key", "api_secret"}
    assert re.fullmatch(r"[0-9a-f]{15}", first["api_key"])
    assert re.fullmatch(r"[0-9a-f]{32}", first["api_secret"])
    r = await site.client.post(
        "/api/method/maju.auth.generate_keys", data={"user": ANN}, headers=site.admin_headers
    )
    second = r.json()["message"]
    assert second["api_key"] == first["api_key"] and second["api_secret"] != first["api_secret"]
    old = {"Authorization": f"token {first['api_key']}:{first['api_secret']}"}
    new = {"Authorization": f"token {second['api_key']}:{second['api_secret']}"}
    assert (await site.client.get(WHO, headers=old)).status_code == 401
    assert (await site.client.get(WHO, headers=new)).json() == {"message": ANN}
    [row] = await fetch_all(
        site.config, 'SELECT "api_secret" FROM "tabUser" WHERE "name" = :n', {"n": ANN}
    )
    assert row["api_secret"] == hashlib.sha256(second["api_secret"].encode()).hexdigest()


async def test_a11_privileged_post_only(site: Site) -> None:
    await add_user(site.config, "sm@example.com", roles=("System Manager",))
    plain = await add_user(site.config, ANN)
    await add_user(site.config, "third@example.com")
    sm = await site.token_for("sm@example.com")
    ann = await site.token_for(plain)
    path = "/api/method/frappe.core.doctype.user.user.generate_keys"
    r = await site.client.post(path, json={"user": "third@example.com"}, headers=sm)
    assert r.status_code == 200
    for headers in (ann, {}):  # plain user, Guest
        r = await site.client.post(path, json={"user": "third@example.com"}, headers=headers)
        assert r.status_code == 403, headers
        assert r.json()["exc_type"] == "PermissionError"
    r = await site.client.get(path, params={"user": ANN}, headers=site.admin_headers)
    assert r.status_code == 403  # M4: POST only
    r = await site.client.post(
        path, json={"user": "nobody@example.com"}, headers=site.admin_headers
    )
    assert r.status_code == 404


async def test_a15_guest_denials_are_403_bad_credentials_401(site: Site) -> None:
    r = await site.client.post("/api/method/maju.auth.generate_keys", json={"user": ANN})
    assert r.status_code == 403
    r = await site.client.get(WHO, headers={"Authorization": "token a:b"})
    assert r.status_code == 401
    r = await site.client.get(WHO, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    r = await site.client.post("/api/method/login", json={"usr": ANN, "pwd": "x"})
    assert r.status_code == 401


async def test_a16_builtin_users_always_exist(site: Site) -> None:
    rows = await fetch_all(site.config, 'SELECT "name" FROM "tabUser" ORDER BY "name"')
    assert {"Administrator", "Guest"} <= {r["name"] for r in rows}


async def test_a9_cookie_session_then_guest(site: Site) -> None:
    await add_user(site.config, ANN, password="secret")
    async with new_client(site.client) as client:
        assert (await client.get(WHO)).status_code == 403
        await login(client, ANN, "secret")
        assert (await client.get(WHO)).json() == {"message": ANN}


async def test_a11_cli_uses_the_same_code(site: Site) -> None:
    """`maju generate-keys` runs bootstrap.issue_keys: same key kept, new secret, hashed."""
    from maju.bootstrap import issue_keys

    await add_user(site.config, ANN)
    first = await issue_keys(site.config, ANN)
    second = await issue_keys(site.config, ANN)
    assert second.api_key == first.api_key and second.api_secret != first.api_secret
    r = await site.client.get(
        WHO, headers={"Authorization": f"token {second.api_key}:{second.api_secret}"}
    )
    assert r.json() == {"message": ANN}


async def test_a11_no_keys_for_guest_unknown_or_disabled_users(site: Site) -> None:
    """Issue 10 item 14: Guest never gets a key pair (by the API or `maju generate-keys`), nor
    does a disabled user, whose keys could not authenticate (A7); an unknown user is 404."""
    from maju.bootstrap import issue_keys
    from maju.errors import DoesNotExistError, ValidationError

    await add_user(site.config, "off@example.com", enabled=False)
    path = "/api/method/frappe.core.doctype.user.user.generate_keys"
    cases = [
        ("Guest", 417, "Guest cannot have API keys"),
        ("off@example.com", 417, "User off@example.com is disabled"),
        ("nobody@example.com", 404, "User nobody@example.com not found"),
    ]
    for user, status, message in cases:
        r = await site.client.post(path, json={"user": user}, headers=site.admin_headers)
        assert r.status_code == status, (user, r.text)
        assert message in r.text
    with pytest.raises(ValidationError, match="Guest cannot have API keys"):
        await issue_keys(site.config, "Guest")
    with pytest.raises(ValidationError, match="is disabled"):
        await issue_keys(site.config, "off@example.com")
    with pytest.raises(DoesNotExistError):
        await issue_keys(site.config, "nobody@example.com")
    rows = await fetch_all(
        site.config,
        'SELECT "name" FROM "tabUser" WHERE "api_key" IS NOT NULL OR "api_secret" IS NOT NULL',
    )
    assert {r["name"] for r in rows} <= {"Administrator"}
