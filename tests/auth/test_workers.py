"""Two uvicorn workers on one PostgreSQL database share sessions (A3, A6) and lockout (A13).

Real processes, not two apps in one interpreter: nothing may live in one process's memory.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from maju.bootstrap import migrate_site
from maju.config import Config, load_config
from tests.auth.accounts import add_user
from tests.conftest import require_backend
from tests.servers import free_port
from tests.sites import REPO_ROOT, postgres_schema, postgres_url

ANN = "ann@example.com"
WHO = "/api/method/frappe.auth.get_logged_user"


def _write_site(tmp_path: Path) -> Path:
    """A config file beside an `apps` folder holding the example app (apps resolve from it)."""
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "todo").symlink_to(REPO_ROOT / "apps" / "todo")
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[site]\nsecret_key = "workers-test-secret"\ndir = "site"\napps = ["todo"]\n'
        "[auth]\nlogin_max_attempts = 3\n",
        encoding="utf-8",
    )
    return config_file


@contextmanager
def _workers(env: dict[str, str], count: int, logs: Path) -> Iterator[list[str]]:
    """Start `count` uvicorn processes (output in `logs`); stop exactly those afterwards."""
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for n in range(count):
            port = free_port()
            with open(logs / f"worker{n}.log", "wb") as log:
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "uvicorn",
                            "maju.app:asgi_app",
                            "--factory",
                            "--host",
                            "127.0.0.1",
                            "--port",
                            str(port),
                            "--log-level",
                            "warning",
                        ],
                        cwd=REPO_ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _wait_ready(url: str, log: Path) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(300):
            try:
                if (await client.get("/api/method/ping")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)  # polling a starting process, not timing behaviour
    raise AssertionError(f"worker at {url} did not start:\n{log.read_text()}")


@pytest.fixture
async def two_workers(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Config, list[str]]]:
    require_backend(request, "postgresql")
    config_file = _write_site(tmp_path)
    async with postgres_schema() as schema:
        env = {
            **os.environ,
            "MAJU_CONFIG": str(config_file),
            "MAJU_DATABASE__URL": postgres_url(),
            "MAJU_DATABASE__SCHEMA": schema,
        }
        config = load_config(config_file, environ=env)
        await migrate_site(config)
        await add_user(config, ANN, password="secret")
        with _workers(env, 2, tmp_path) as urls:
            await asyncio.gather(
                *(_wait_ready(url, tmp_path / f"worker{n}.log") for n, url in enumerate(urls))
            )
            yield config, urls


async def test_a3_a6_a13_sessions_and_lockout_across_workers(
    two_workers: tuple[Config, list[str]],
) -> None:
    _config, (one, two) = two_workers
    async with httpx.AsyncClient(base_url=one) as a, httpx.AsyncClient(base_url=two) as b:
        r = await a.post("/api/method/login", json={"usr": ANN, "pwd": "secret"})
        assert r.status_code == 200, r.text
        sid = r.cookies["sid"]
        # A3: the session made by worker one is valid on worker two.
        r = await b.get(WHO, headers={"Cookie": f"sid={sid}"})
        assert r.json() == {"message": ANN}
        # A6: a logout on worker two ends it on both.
        r = await b.post("/api/method/logout", headers={"Cookie": f"sid={sid}"})
        assert r.status_code == 200
        for client in (a, b):
            r = await client.get(WHO, headers={"Cookie": f"sid={sid}"})
            assert r.status_code == 403 and r.json()["session_expired"] == 1
        # A13: failures counted on both workers lock the account on both.
        for client in (a, b, a):
            r = await client.post("/api/method/login", json={"usr": ANN, "pwd": "wrong"})
            assert r.status_code == 401
        for client in (b, a):
            r = await client.post("/api/method/login", json={"usr": ANN, "pwd": "secret"})
            assert r.status_code == 429, r.text
            assert int(r.headers["retry-after"]) >= 1
