"""D6: option-validated Data values are checked whole (a regex `$` also matches before a
trailing newline, which let `x@example.com\\n` through as an Email)."""

from __future__ import annotations

from tests.sites import Site


async def test_d6_email_with_trailing_newline_is_417(site: Site) -> None:
    for email in ("x@example.com\n", "x@example.com\nBcc: y@example.com"):
        r = await site.client.post(
            "/api/resource/User", json={"email": email}, headers=site.admin_headers
        )
        assert r.status_code == 417, r.text
        assert r.json()["exc_type"] == "ValidationError"
        assert "Email" in r.json()["exception"]
    r = await site.client.post(
        "/api/resource/User", json={"email": "x@example.com"}, headers=site.admin_headers
    )
    assert r.status_code == 200, r.text
