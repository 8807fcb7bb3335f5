"""Real maju servers for end-to-end tests: a migrated site served by a uvicorn subprocess.

Third-party clients (tests/e2e) talk HTTP over a socket, so they need a real server, not an ASGI
transport. Everything here is synchronous on purpose: pytest-asyncio's loop is per test, while one
server per backend per module keeps the end-to-end suites fast.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from maju.auth.keys import generate_keys
from maju.bootstrap import migrate_site
from maju.config import Config, load_config
from maju.site import open_database
from tests.auth.accounts import add_user
from tests.sites import REPO_ROOT, postgres_schema, postgres_url

START_SECONDS = 120  # a guard for a loaded CI machine, not a timing expectation


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class KeyPair:
    api_key: str
    api_secret: str


@dataclass(frozen=True, slots=True)
class ServedSite:
    """A running server: its base URL, the config it was started with, where it logs."""

    backend: str
    url: str
    config: Config
    log: Path

    def add_user(self, email: str, password: str, roles: tuple[str, ...] = ()) -> str:
        return asyncio.run(add_user(self.config, email, roles=roles, password=password))

    def keys_for(self, user: str) -> KeyPair:
        return asyncio.run(_keys_for(self.config, user))


async def _keys_for(config: Config, user: str) -> KeyPair:
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            pair = await generate_keys(conn, user)
    finally:
        await db.disconnect()
    return KeyPair(pair.api_key, pair.api_secret)


def _write_config(root: Path) -> Path:
    """A config file beside an `apps` folder linking the example app (apps resolve from it)."""
    (root / "apps").mkdir()
    (root / "apps" / "todo").symlink_to(REPO_ROOT / "apps" / "todo")
    config_file = root / "config.toml"
    config_file.write_text(
        '[site]\nsecret_key = "e2e-test-secret"\ndir = "site"\napps = ["todo"]\n',
        encoding="utf-8",
    )
    return config_file


@contextmanager
def _schema(backend: str) -> Iterator[str]:
    """A fresh PostgreSQL schema (tests.sites.postgres_schema) driven from sync code."""
    if backend != "postgresql":
        yield ""
        return
    loop = asyncio.new_event_loop()
    manager = postgres_schema()
    try:
        schema = loop.run_until_complete(manager.__aenter__())
        try:
            yield schema
        finally:
            loop.run_until_complete(manager.__aexit__(None, None, None))
    finally:
        loop.close()


@contextmanager
def served_site(backend: str, root: Path) -> Iterator[ServedSite]:
    """Migrate a site in `root` on `backend`, serve it with uvicorn, stop exactly that process."""
    config_file = _write_config(root)
    with _schema(backend) as schema:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAJU_")}
        env["MAJU_CONFIG"] = str(config_file)
        if backend == "postgresql":
            env["MAJU_DATABASE__URL"] = postgres_url()
            env["MAJU_DATABASE__SCHEMA"] = schema
        config = load_config(config_file, environ=env)
        asyncio.run(migrate_site(config))
        port = free_port()
        log = root / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
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
                cwd=root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(server, url, log)
            yield ServedSite(backend, url, config, log)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_ready(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if httpx.get(f"{url}/api/method/ping", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, f"server exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, (
            f"server not up in {START_SECONDS} s:\n{log.read_text()}"
        )
        time.sleep(0.05)  # polling a starting process, not timing behaviour
