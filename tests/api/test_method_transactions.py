"""M5: one transaction per call; GET is read-only, other verbs commit, any error rolls back all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.test_method_dispatch import assert_error
from tests.sites import REPO_ROOT, Site, open_site

API = "/api/method/methodtest.api."
READ_ONLY = "GET requests are read-only; use POST to change data"


@pytest.fixture
async def msite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_site(
        backend, tmp_path, site={"apps": ("methodtest",)}, root=str(REPO_ROOT / "tests")
    ) as running:
        yield running


async def count(site: Site) -> int:
    r = await site.client.get(API + "count_logs", headers=site.admin_headers)
    assert r.status_code == 200, r.text
    value: int = r.json()["message"]
    return value


async def test_m5_get_is_read_only(msite: Site) -> None:
    r = await msite.client.get(
        API + "write_any_verb", params={"label": "x"}, headers=msite.admin_headers
    )
    assert_error(r, 417, "ReadOnlyRequestError", READ_ONLY)
    r = await msite.client.head(
        API + "write_any_verb", params={"label": "x"}, headers=msite.admin_headers
    )
    assert r.status_code == 417
    assert await count(msite) == 0


async def test_m5_unsafe_verbs_commit(msite: Site) -> None:
    for verb in ("POST", "PUT", "DELETE"):
        r = await msite.client.request(
            verb, API + "write_any_verb", params={"label": verb}, headers=msite.admin_headers
        )
        assert r.status_code == 200, r.text
        assert len(r.json()["message"]) == 10
    assert await count(msite) == 3


@pytest.mark.parametrize(
    ("method", "status"),
    [("insert_then_fail", 417), ("insert_then_crash", 500), ("insert_then_unserialisable", 500)],
)
async def test_m5_error_rolls_back_every_write(msite: Site, method: str, status: int) -> None:
    r = await msite.client.post(API + method, json={"label": "doomed"}, headers=msite.admin_headers)
    assert r.status_code == status, r.text
    assert await count(msite) == 0


async def test_m5_rollback_on_every_unsafe_verb(msite: Site) -> None:
    for verb in ("POST", "PUT", "DELETE"):
        r = await msite.client.request(
            verb, API + "insert_then_fail", params={"label": verb}, headers=msite.admin_headers
        )
        assert_error(r, 417, "ValidationError", f"Refusing {verb}")
    assert await count(msite) == 0


async def test_m5_concurrent_commits_and_rollbacks(msite: Site) -> None:
    """200 inserting POSTs and 200 insert-then-fail POSTs at once: exactly 200 rows remain."""
    h = msite.admin_headers

    async def good(i: int) -> str:
        r = await msite.client.post(API + "insert_log", json={"label": f"ok {i}"}, headers=h)
        assert r.status_code == 200, r.text
        name: str = r.json()["message"]
        return name

    async def bad(i: int) -> int:
        r = await msite.client.post(API + "insert_then_fail", json={"label": f"bad {i}"}, headers=h)
        return r.status_code

    results = await asyncio.gather(*(good(i) for i in range(200)), *(bad(i) for i in range(200)))
    names = results[:200]
    assert results[200:] == [417] * 200
    assert len(set(names)) == 200
    assert await count(msite) == 200
    r = await msite.client.get(API + "list_logs", headers=h)
    assert r.json()["message"] == {name: f"ok {i}" for i, name in enumerate(names)}
