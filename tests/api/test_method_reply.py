"""A whitelisted function may return a `maju.reply.Reply`: its body is the whole answer, with
its status and headers, and A5's `session_expired` is still added (M8, A5), on both
databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.auth.accounts import new_client
from tests.sites import REPO_ROOT, Site, open_site


@pytest.fixture
async def msite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_site(
        backend, tmp_path, site={"apps": ("methodtest",)}, root=str(REPO_ROOT / "tests")
    ) as running:
        yield running


async def test_m8_a_reply_is_the_whole_answer(msite: Site) -> None:
    r = await msite.client.post("/api/method/methodtest.api.created", json={"label": "a1"})
    assert r.status_code == 201 and r.json() == {"created": "a1"}
    assert r.headers["location"] == "/items/a1"
    assert r.headers["content-type"] == "application/json"


async def test_a5_a_reply_still_carries_session_expired(msite: Site) -> None:
    async with new_client(msite.client) as client:
        client.cookies.set("sid", "tampered")
        r = await client.post("/api/method/methodtest.api.created")
        assert r.status_code == 201
        assert r.json() == {"created": "x", "session_expired": 1}
        assert len(r.headers.get_list("set-cookie")) == 5  # A5's deletions
