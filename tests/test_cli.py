"""The `maju` command, run as a real subprocess against a throw-away site in tmp_path."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from maju.auth.passwords import check_password
from maju.auth.users import user_roles
from maju.bootstrap import SetupResult, migrate_site, setup_site
from maju.config import Config, load_config
from maju.site import open_database
from tests.conftest import require_backend
from tests.servers import free_port
from tests.sites import REPO_ROOT, postgres_schema, postgres_url

UP_TO_DATE = "Schema is up to date: nothing to change."


@dataclass
class CliSite:
    root: Path
    env: dict[str, str]

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    def config(self) -> Config:
        return load_config(self.config_path, environ={})

    def run(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "maju.cli", *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            input=stdin if stdin else "",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def ok(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        done = self.run(*args, stdin=stdin, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def fails(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        """Run a command that must fail with exactly one clean `Error: ...` line."""
        done = self.run(*args, stdin=stdin, env=env)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
        return lines[0]


@pytest.fixture
def cli_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliSite:
    """A config.toml in tmp_path (SQLite site in tmp_path/site) with a copy of the todo app."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # in-process checks import nothing here
    shutil.copytree(
        REPO_ROOT / "apps" / "todo",
        tmp_path / "apps" / "todo",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (tmp_path / "config.toml").write_text(
        '[site]\ndir = "site"\napps = ["todo"]\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAJU_")}
    env["MAJU_CONFIG"] = str(tmp_path / "config.toml")
    return CliSite(tmp_path, env)


async def password_ok(config: Config, user: str, password: str) -> bool:
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=True) as conn:
            return await check_password(conn, user, password)
    finally:
        await db.disconnect()


async def stored_hash(config: Config, user: str) -> str:
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=True) as conn:
            value = await conn.fetch_value(
                'SELECT "password" FROM "__auth" WHERE "name" = :n', {"n": user}
            )
            return str(value)
    finally:
        await db.disconnect()


def test_setup_prints_a_password_once_and_migrate_is_idempotent(cli_site: CliSite) -> None:
    first = cli_site.ok("setup")
    assert "created table tabToDo" in first and "created user Administrator" in first
    (password,) = re.findall(r"^Administrator password: (\S+)$", first, re.MULTILINE)
    config = cli_site.config()
    assert (config.site_dir / "secret_key").is_file() and config.public_files_dir.is_dir()
    stored = asyncio.run(stored_hash(config, "Administrator"))
    assert stored.startswith("$argon2id$") and password not in stored
    assert password not in (config.site_dir / "secret_key").read_text()

    # Second run: nothing changes, nothing about the password, even with one in the env.
    again = cli_site.ok("setup", env={"MAJU_ADMIN_PASSWORD": "something-else"})
    assert again.strip() == UP_TO_DATE
    assert cli_site.ok("migrate").strip() == UP_TO_DATE
    assert asyncio.run(stored_hash(config, "Administrator")) == stored
    assert asyncio.run(password_ok(config, "Administrator", password))

    out = cli_site.ok("set-admin-password", stdin="n3w-Passw0rd\n")
    assert "n3w-Passw0rd" not in out
    assert asyncio.run(password_ok(config, "Administrator", "n3w-Passw0rd"))
    assert not asyncio.run(password_ok(config, "Administrator", password))


async def test_setup_takes_the_admin_password_from_the_caller(cli_site: CliSite) -> None:
    """What `make run` does with MAJU_ADMIN_PASSWORD: set, not printed, never reset."""
    config = cli_site.config()
    result = await setup_site(config, "from-env-pw")
    assert result.password_set and result.generated_password is None
    assert await password_ok(config, "Administrator", "from-env-pw")
    again = await setup_site(config, "other-pw")
    assert again == SetupResult(changes=(), password_set=False, generated_password=None)
    assert await password_ok(config, "Administrator", "from-env-pw")


def migrated(cli_site: CliSite) -> CliSite:
    """The site migrated in-process: cheaper than one more subprocess."""
    asyncio.run(migrate_site(cli_site.config()))
    return cli_site


def test_add_user(cli_site: CliSite) -> None:
    migrated(cli_site)
    out = cli_site.ok(
        "add-user",
        "ann@example.com",
        "--roles",
        "System Manager, All",
        "--password-stdin",
        stdin="ann-secret\n",
    )
    assert out.strip() == "Created user ann@example.com with roles System Manager, All"
    config = cli_site.config()
    assert asyncio.run(password_ok(config, "ann@example.com", "ann-secret"))

    assert (
        cli_site.fails("add-user", "ann@example.com")
        == "Error: User ann@example.com already exists"
    )
    assert (
        cli_site.fails("add-user", "bob@example.com", "--roles", "Nope")
        == "Error: Could not find Role: Nope"
    )

    async def roles() -> tuple[frozenset[str], frozenset[str]]:
        db = open_database(config)
        await db.connect()
        try:
            async with db.transaction(read_only=True) as conn:
                return (
                    await user_roles(conn, "ann@example.com"),
                    frozenset(
                        r["name"] for r in await conn.fetch_all('SELECT "name" FROM "tabUser"')
                    ),
                )
        finally:
            await db.disconnect()

    ann_roles, users = asyncio.run(roles())
    assert {"System Manager", "All"} <= ann_roles
    assert "bob@example.com" not in users


@pytest.fixture
def served(cli_site: CliSite) -> Iterator[str]:
    """`maju serve` on a free port for the migrated site; yields its base URL."""
    migrated(cli_site)
    port = free_port()
    log = (cli_site.root / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "maju.cli", "serve", "--port", str(port), "--no-access-log"],
        cwd=cli_site.root,
        env=cli_site.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/method/ping", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, (cli_site.root / "serve.log").read_text()
                assert time.monotonic() < deadline, "maju serve did not start in 30 s"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


def test_generate_keys_pair_authenticates_against_the_server(
    cli_site: CliSite, served: str
) -> None:
    out = cli_site.ok("generate-keys", "Administrator")
    match = re.fullmatch(r"api_key: ([0-9a-f]{15})\napi_secret: ([0-9a-f]{32})\n", out)
    assert match, out
    key, secret = match.groups()
    ping = f"{served}/api/method/ping"
    assert httpx.get(ping).json() == {"message": "pong"}
    r = httpx.get(ping, headers={"Authorization": f"token {key}:{secret}"})
    assert (r.status_code, r.json()) == (200, {"message": "pong"})
    r = httpx.get(ping, headers={"Authorization": f"token {key}:{secret[::-1]}"})
    assert r.status_code == 401 and r.json()["exc_type"] == "AuthenticationError"


def test_serve_refuses_to_start_without_a_secret_key(cli_site: CliSite) -> None:
    # Production mode (the default) and a site never migrated: no generated key yet.
    line = cli_site.fails("serve", "--port", str(free_port()))
    assert "site.secret_key is empty" in line


def test_new_app_and_routes(cli_site: CliSite) -> None:
    out = cli_site.ok("new-app", "shop")
    app = cli_site.root / "apps" / "shop"
    assert f"Created {app}" in out
    for name in ("__init__.py", "hooks.py", "api.py", "doctype/__init__.py"):
        assert (app / name).is_file(), name
    compile((app / "api.py").read_text(), "api.py", "exec")

    routes = cli_site.ok("routes", env={"MAJU_SITE__APPS": '["todo", "shop"]'})
    assert re.search(r"^  \S*GET\S*\s+/api/method/\{method\}$", routes, re.MULTILINE)
    assert re.search(r"^  GET\s+shop\.api\.hello$", routes, re.MULTILINE), routes

    assert cli_site.fails("new-app", "shop") == f"Error: {app} already exists"
    assert "must be a Python identifier" in cli_site.fails("new-app", "my-app")


def test_failing_command_gives_one_clean_line(cli_site: CliSite) -> None:
    missing = cli_site.root / "missing.toml"
    assert (
        cli_site.fails("migrate", env={"MAJU_CONFIG": str(missing)})
        == f"Error: config file not found: {missing}"
    )
    assert "run `maju migrate` first" in cli_site.fails("set-admin-password", stdin="pw\n")


def test_migrate_on_postgresql(cli_site: CliSite, request: pytest.FixtureRequest) -> None:
    require_backend(request, "postgresql")

    async def with_schema() -> None:
        async with postgres_schema() as schema:
            env = {"MAJU_DATABASE__URL": postgres_url(), "MAJU_DATABASE__SCHEMA": schema}
            first = await asyncio.to_thread(cli_site.ok, "migrate", env=env)
            assert "created table tabToDo" in first and "created user Guest" in first
            assert (await asyncio.to_thread(cli_site.ok, "migrate", env=env)).strip() == UP_TO_DATE
            assert not (cli_site.root / "site" / "maju.db").exists()

    asyncio.run(with_schema())
