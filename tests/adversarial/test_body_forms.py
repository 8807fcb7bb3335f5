"""E6/E7/E15: malformed request bodies are the client's mistake, never a 500."""

from __future__ import annotations

from tests.sites import Site


async def test_e15_multipart_without_boundary_is_400(site: Site) -> None:
    """Starlette's own parser error must not escape as a 500 HTTPException."""
    for content_type in ("multipart/form-data", "multipart/form-data; boundary="):
        r = await site.client.post(
            "/api/resource/ToDo",
            content=b"--x\r\nbad",
            headers={**site.admin_headers, "Content-Type": content_type},
        )
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["exc_type"] == "BadRequestError"
        assert "Traceback" not in body["exc"] and "HTTPException" not in r.text
