"""Bearer tokens (A14), with tokens inserted directly as the OAuth provider will store them."""

from __future__ import annotations

import hashlib
import time

from tests.auth.accounts import add_user, execute
from tests.sites import Site

ANN = "ann@example.com"
WHO = "/api/method/frappe.auth.get_logged_user"


async def _insert(
    site: Site, token: str, user: str, *, expires_in: float = 3600, revoked: int = 0
) -> None:
    now = time.time()
    await execute(
        site.config,
        'INSERT INTO "__oauth_tokens" ("token_hash", "user", "client", "scopes", '
        '"created", "expires", "revoked") VALUES (:h, :u, :c, :s, :now, :e, :r)',
        {
            "h": hashlib.sha256(token.encode()).hexdigest(),
            "u": user,
            "c": "client-1",
            "s": "all openid",
            "now": now,
            "e": now + expires_in,
            "r": revoked,
        },
    )


async def test_a14_bearer_token(site: Site) -> None:
    await add_user(site.config, ANN)
    token = "a" * 40
    await _insert(site, token, ANN)
    for scheme in ("Bearer", "bearer"):
        r = await site.client.get(WHO, headers={"Authorization": f"{scheme} {token}"})
        assert r.status_code == 200, r.text
        assert r.json() == {"message": ANN}


async def test_a14_bad_tokens_are_401(site: Site) -> None:
    await add_user(site.config, ANN)
    await add_user(site.config, "off@example.com", enabled=False)
    await _insert(site, "expired-token-0000000000000000000000", ANN, expires_in=-1)
    await _insert(site, "revoked-token-0000000000000000000000", ANN, revoked=1)
    await _insert(site, "disabled-user-0000000000000000000000", "off@example.com")
    await _insert(site, "ghost-user-00000000000000000000000000", "ghost@example.com")
    for token in (
        "expired-token-0000000000000000000000",
        "revoked-token-0000000000000000000000",
        "disabled-user-0000000000000000000000",
        "ghost-user-00000000000000000000000000",
        "unknown-token",
        "",
    ):
        r = await site.client.get(WHO, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token
        assert r.json()["exc_type"] == "AuthenticationError"


async def test_a14_plain_token_is_not_stored(site: Site) -> None:
    """O7/S3: only the hash is in the table, so the hash itself is not a token."""
    await add_user(site.config, ANN)
    token = "b" * 40
    await _insert(site, token, ANN)
    hashed = hashlib.sha256(token.encode()).hexdigest()
    r = await site.client.get(WHO, headers={"Authorization": f"Bearer {hashed}"})
    assert r.status_code == 401
