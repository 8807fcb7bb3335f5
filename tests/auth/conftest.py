"""Fixtures for auth tests: cheaper argon2id, and a site with the `authtest` app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from maju.auth import passwords
from tests.sites import REPO_ROOT, Site, open_site

AUTH_ROOT = REPO_ROOT / "tests" / "auth"
# Still argon2id, with the smallest cost: these tests log in hundreds of times, and the
# default cost (tuned for production) would dominate the suite's time budget.
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", _CHEAP)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _CHEAP.hash("maju-dummy-password"))


@pytest.fixture
async def auth_site(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    """A site whose only app is tests/auth/apps/authtest."""
    async with open_site(
        backend, tmp_path, site={"apps": ("authtest",)}, root=str(AUTH_ROOT)
    ) as running:
        yield running
