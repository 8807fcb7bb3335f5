"""Logins under concurrency: S14's atomic counters (A13, C4) and S12's password hashing that
holds neither a pooled connection nor SQLite's write lock (issue 10 item 7).

The argon2 calls are counted, and held in their worker threads until the test lets them go,
so "at most 10 checks" and "a write goes through meanwhile" are facts, not timings.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from argon2 import PasswordHasher

from maju.auth import passwords
from tests.auth.accounts import add_user, fetch_all, login, new_client
from tests.auth.apps.authtest.hooks import OUTBOX
from tests.auth.conftest import _CHEAP, AUTH_ROOT
from tests.sites import Site, open_site

ANN = "ann@example.com"
LOGIN = "/api/method/login"
UPDATE = "/api/method/frappe.core.doctype.user.user.update_password"
# A guard against a hang, not a timing expectation.
GUARD_SECONDS = 60


class GatedHasher:
    """The tests' cheap argon2id hasher, counting calls; while `hold()` is in force each call
    waits in its worker thread until `release()`, and `arrived` is set once `expected` wait."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._gate: threading.Event | None = None
        self._waiting = 0
        self._expected = 0
        self._loop = asyncio.get_running_loop()
        self.arrived = asyncio.Event()

    def hold(self, expected: int) -> None:
        with self._lock:
            self._gate, self._waiting, self._expected = threading.Event(), 0, expected
            self.arrived = asyncio.Event()

    def release(self) -> None:
        with self._lock:
            gate, self._gate = self._gate, None
        if gate is not None:
            gate.set()

    def hash(self, password: str) -> str:
        self._count_and_wait("hash")
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self._count_and_wait("verify")
        return self.inner.verify(password_hash, password)

    def _count_and_wait(self, operation: str) -> None:
        with self._lock:
            self.calls[operation] += 1
            gate = self._gate
            if gate is not None:
                self._waiting += 1
                if self._waiting == self._expected:
                    self._loop.call_soon_threadsafe(self.arrived.set)
        if gate is not None:
            gate.wait(GUARD_SECONDS)


@pytest.fixture
async def hasher(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[GatedHasher]:
    gated = GatedHasher(_CHEAP)
    monkeypatch.setattr(passwords, "_hasher", gated)
    yield gated
    gated.release()  # never leave a worker thread waiting


async def test_s14_a13_forty_parallel_wrong_passwords_get_ten_checks(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 item 7: with login_max_attempts = 10, 40 parallel wrong passwords for one user
    get exactly 10 password checks (401); the other 30 are locked out (429) unchecked."""
    async with open_site(backend, tmp_path, auth={"login_max_attempts": 10}) as site:
        await add_user(site.config, ANN, password="secret")
        gated = GatedHasher(_CHEAP)
        monkeypatch.setattr(passwords, "_hasher", gated)
        answers = await asyncio.gather(
            *(site.client.post(LOGIN, json={"usr": ANN, "pwd": f"wrong-{i}"}) for i in range(40))
        )
        assert gated.calls["verify"] == 10
        assert Counter(r.status_code for r in answers) == {401: 10, 429: 30}
        for r in answers:
            if r.status_code == 429:
                assert r.json()["exc_type"] == "TooManyRequestsError"
                assert 1 <= int(r.headers["retry-after"]) <= 60
        # The lock holds for the right password too, and the counts are the failures only.
        assert (
            await site.client.post(LOGIN, json={"usr": ANN, "pwd": "secret"})
        ).status_code == 429
        assert gated.calls["verify"] == 10
        rows = await fetch_all(
            site.config, 'SELECT "key", "hits" FROM "__login_failures" ORDER BY "key"'
        )
        assert rows == [{"key": "ip:127.0.0.1", "hits": 10}, {"key": f"user:{ANN}", "hits": 10}]


async def test_s14_a13_right_passwords_do_not_count_against_the_ip(
    backend: str, tmp_path: Path, hasher: GatedHasher
) -> None:
    """Each attempt is counted before its check; a right one takes its count back, so many
    people signing in from one address (an office) never lock it."""
    async with open_site(backend, tmp_path, auth={"login_max_attempts": 3}) as site:
        await add_user(site.config, ANN, password="secret")
        answers = await asyncio.gather(
            *(site.client.post(LOGIN, json={"usr": ANN, "pwd": "secret"}) for _ in range(3))
        )
        assert [r.status_code for r in answers] == [200, 200, 200]
        for _ in range(3):
            assert (await login(new_client(site.client), ANN, "secret")).status_code == 200
        rows = await fetch_all(site.config, 'SELECT "key", "hits" FROM "__login_failures"')
        assert rows == [{"key": "ip:127.0.0.1", "hits": 0}]


async def test_s14_c4_parallel_calls_run_at_most_the_limit(backend: str, tmp_path: Path) -> None:
    """C4's two calls a minute: of 20 parallel calls exactly two run."""
    async with open_site(
        backend, tmp_path, site={"apps": ("authtest",)}, root=str(AUTH_ROOT)
    ) as site:
        answers = await asyncio.gather(
            *(site.client.get("/api/method/authtest.api.limited") for _ in range(20))
        )
        assert Counter(r.status_code for r in answers) == {200: 2, 429: 18}
        rows = await fetch_all(site.config, 'SELECT "hits" FROM "__rate_limits"')
        assert rows == [{"hits": 2}]


async def assert_writes_go_through(site: Site, label: str) -> None:
    """An authenticated write and read answer while the password work is held."""
    r = await site.client.post(
        "/api/resource/ToDo", json={"description": label}, headers=site.admin_headers
    )
    assert r.status_code == 200, r.text
    r = await site.client.get("/api/resource/ToDo", headers=site.admin_headers)
    assert r.status_code == 200, r.text


async def test_s12_login_checks_hold_no_connection_and_no_write_lock(
    backend: str, tmp_path: Path, hasher: GatedHasher
) -> None:
    """Issue 10 item 7: 12 logins (more than the 4 pooled connections) are inside argon2 or
    queued for one of its per-CPU slots, and meanwhile an authenticated write commits: no
    login holds a connection or SQLite's write lock while it waits or hashes. A waiting write
    would answer 503 after the (10 s) pool wait instead."""
    slots = min(12, os.cpu_count() or 1)
    async with open_site(
        backend,
        tmp_path,
        auth={"login_max_attempts": 100},
        database={"statement_timeout": 10},
    ) as site:
        await add_user(site.config, ANN, password="secret")
        hasher.calls.clear()
        hasher.hold(expected=slots)
        logins = [
            asyncio.create_task(
                new_client(site.client).post(
                    LOGIN, json={"usr": ANN if i == 0 else f"guest{i}@example.com", "pwd": "x"}
                )
            )
            for i in range(11)
        ]
        logins.append(
            asyncio.create_task(site.client.post(LOGIN, json={"usr": ANN, "pwd": "secret"}))
        )
        await asyncio.wait_for(hasher.arrived.wait(), GUARD_SECONDS)
        await assert_writes_go_through(site, "written during 12 password checks")
        assert not any(task.done() for task in logins)
        assert hasher.calls["verify"] == slots  # S12: one argon2 at a time per CPU
        hasher.release()
        answers: list[httpx.Response] = [await task for task in logins]
        assert [r.status_code for r in answers] == [401] * 11 + [200]
        assert hasher.calls["verify"] == 12


async def test_s12_password_change_hashes_holding_nothing(
    backend: str, tmp_path: Path, hasher: GatedHasher
) -> None:
    """update_password by old password: the old one's verify and the new one's hash each wait
    while a write commits; then the change is made."""
    async with open_site(backend, tmp_path, database={"statement_timeout": 10}) as site:
        await add_user(site.config, ANN, password="old-password")
        ann = new_client(site.client)
        await login(ann, ANN, "old-password")
        csrf = (await ann.get("/api/method/maju.auth.get_csrf_token")).json()["message"]
        hasher.calls.clear()
        hasher.hold(expected=1)
        change = asyncio.create_task(
            ann.post(
                UPDATE,
                json={"old_password": "old-password", "new_password": "new-password"},
                headers={"X-Frappe-CSRF-Token": csrf},
            )
        )
        await asyncio.wait_for(hasher.arrived.wait(), GUARD_SECONDS)  # verifying the old one
        await assert_writes_go_through(site, "during the verify")
        first_gate = hasher._gate
        hasher.hold(expected=1)
        assert first_gate is not None
        first_gate.set()
        await asyncio.wait_for(hasher.arrived.wait(), GUARD_SECONDS)  # hashing the new one
        await assert_writes_go_through(site, "during the hash")
        assert hasher.calls == {"verify": 1, "hash": 1}
        hasher.release()
        r = await change
        assert r.status_code == 200 and r.json() == {"message": "/app"}, r.text
        await login(new_client(site.client), ANN, "new-password")


async def test_a12_a_reset_key_serves_one_of_two_parallel_uses(
    backend: str, tmp_path: Path, hasher: GatedHasher
) -> None:
    """Both uses pass the key check and hash their password side by side; using the key up is
    one statement, so one of them wins and the other answers 417."""
    async with open_site(
        backend, tmp_path, site={"apps": ("authtest",)}, root=str(AUTH_ROOT)
    ) as site:
        await add_user(site.config, ANN, password="old-password")
        r = await site.client.post(
            "/api/method/maju.auth.reset_password",
            json={"user": ANN},
            headers={"Host": "localhost:8000"},  # S13: a link only for an allowed host
        )
        assert r.status_code == 200, r.text
        [line] = (site.config.site_dir / OUTBOX).read_text().splitlines()
        key = parse_qs(urlsplit(line.split(" ", 1)[1]).query)["key"][0]
        hasher.hold(expected=min(2, os.cpu_count() or 1))
        uses = [
            asyncio.create_task(
                new_client(site.client).post(
                    UPDATE, json={"new_password": f"new-password-{i}", "key": key}
                )
            )
            for i in range(2)
        ]
        await asyncio.wait_for(hasher.arrived.wait(), GUARD_SECONDS)
        hasher.release()
        answers = [await task for task in uses]
        assert sorted(r.status_code for r in answers) == [200, 417]
        winner = next(i for i, r in enumerate(answers) if r.status_code == 200)
        await login(new_client(site.client), ANN, f"new-password-{winner}")
