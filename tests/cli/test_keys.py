"""`maju generate-keys`: the pair it prints authenticates against `maju serve` (A11)."""

from __future__ import annotations

import re

import httpx

from tests.cli.clisite import CliSite, serving


def test_generate_keys_pair_authenticates_against_the_server(migrated_site: CliSite) -> None:
    out = migrated_site.ok("generate-keys", "Administrator")
    match = re.fullmatch(r"api_key: ([0-9a-f]{15})\napi_secret: ([0-9a-f]{32})\n", out)
    assert match, out
    key, secret = match.groups()
    with serving(migrated_site, "--no-access-log") as served:
        ping = f"{served.url}/api/method/ping"
        assert httpx.get(ping).json() == {"message": "pong"}
        r = httpx.get(
            f"{served.url}/api/method/frappe.auth.get_logged_user",
            headers={"Authorization": f"token {key}:{secret}"},
        )
        assert (r.status_code, r.json()) == (200, {"message": "Administrator"})
        r = httpx.get(ping, headers={"Authorization": f"token {key}:{secret[::-1]}"})
        assert r.status_code == 401 and r.json()["exc_type"] == "AuthenticationError"


def test_generate_keys_refuses_guest_and_unknown_users(migrated_site: CliSite) -> None:
    """Issue 10 item 14 (A11): Guest must never hold a key pair."""
    assert migrated_site.fails("generate-keys", "Guest") == "Error: Guest cannot have API keys"
    assert (
        migrated_site.fails("generate-keys", "nobody@example.com")
        == "Error: User nobody@example.com not found"
    )
