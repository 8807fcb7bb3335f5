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
from contextlib import contextmanager
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
from tests.servers import START_SECONDS, _schema, free_port
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


@contextmanager
def maju_serve(cli_site: CliSite, uds: Path | None = None) -> Iterator[str]:
    """`maju serve` on a free port (or on the UNIX socket `uds`) for the migrated site; yields
    its base URL (for a socket, the URL to send through `httpx.HTTPTransport(uds=...)`)."""
    port = free_port()
    where = ["--uds", str(uds)] if uds else ["--port", str(port)]
    log = (cli_site.root / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "maju.cli", "serve", *where, "--no-access-log"],
        cwd=cli_site.root,
        env=cli_site.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = "http://maju" if uds else f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                # httpcore leaks the socket of a refused UNIX connection: wait for the file.
                if uds is None or uds.exists():
                    transport = httpx.HTTPTransport(uds=str(uds) if uds else None)
                    with httpx.Client(transport=transport) as client:
                        client.get(f"{base}/api/method/ping", timeout=1)
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (cli_site.root / "serve.log").read_text()
            assert time.monotonic() < deadline, f"maju serve not up in {START_SECONDS} s"
            time.sleep(0.1)  # polling a starting process, not timing behaviour
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


@pytest.fixture
def served(cli_site: CliSite) -> Iterator[str]:
    migrated(cli_site)
    with maju_serve(cli_site) as base:
        yield base


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


@pytest.mark.parametrize(
    "bad", ["", "   ", "ann", "a b@example.com", "<b>@example.com", "a\x01b@example.com"]
)
def test_add_user_refuses_empty_or_malformed_names(cli_site: CliSite, bad: str) -> None:
    """Issue 10 item 13: `maju add-user ""` created a user named "" (whose keys then listed
    Administrator's ToDos); a user name must be an email address."""
    migrated(cli_site)
    line = cli_site.fails("add-user", bad)
    assert "is not a valid user name: a user name is an email address" in line
    assert "\x01" not in line  # control characters are shown escaped, never raw
    long_name = "x" * 130 + "@example.com"
    assert "at most 140 characters" in cli_site.fails("add-user", long_name)

    async def names() -> list[str]:
        db = open_database(cli_site.config())
        await db.connect()
        try:
            async with db.transaction(read_only=True) as conn:
                rows = await conn.fetch_all('SELECT "name" FROM "tabUser" ORDER BY "name"')
                return [str(r["name"]) for r in rows]
        finally:
            await db.disconnect()

    assert asyncio.run(names()) == ["Administrator", "Guest"]


def test_generate_keys_refuses_guest_and_unknown_users(cli_site: CliSite) -> None:
    """Issue 10 item 14 (A11): Guest must never hold a key pair."""
    migrated(cli_site)
    assert cli_site.fails("generate-keys", "Guest") == "Error: Guest cannot have API keys"
    assert (
        cli_site.fails("generate-keys", "nobody@example.com")
        == "Error: User nobody@example.com not found"
    )


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


# ---------------------------------------------------------------------------------- C5, A13


def _fail_login(base: str, user: str, forwarded_for: str, uds: Path | None = None) -> int:
    with httpx.Client(transport=httpx.HTTPTransport(uds=str(uds) if uds else None)) as client:
        r = client.post(
            f"{base}/api/method/login",
            json={"usr": user, "pwd": "wrong"},
            headers={"X-Forwarded-For": forwarded_for},
        )
    return r.status_code


def _lock_after_three(cli_site: CliSite) -> None:
    with cli_site.config_path.open("a", encoding="utf-8") as config:
        config.write("[auth]\nlogin_max_attempts = 3\nlogin_lock_seconds = 600\n")


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "trusted_proxies"])
def test_c5_a13_serve_reads_x_forwarded_for_only_from_trusted_proxies(
    cli_site: CliSite, backend: str, trusted: bool
) -> None:
    """Issue 10 item 12: with the default `proxy.trusted_proxies = []`, a client on 127.0.0.1
    cannot dodge per-IP lockout by sending a new X-Forwarded-For each time (uvicorn's own proxy
    headers used to trust 127.0.0.1); listing 127.0.0.1 makes the forwarded address the client."""
    _lock_after_three(cli_site)
    if trusted:
        with cli_site.config_path.open("a", encoding="utf-8") as config:
            config.write('[proxy]\ntrusted_proxies = ["127.0.0.1"]\n')
    with _schema(backend) as schema:
        if backend == "postgresql":
            cli_site.env["MAJU_DATABASE__URL"] = postgres_url()
            cli_site.env["MAJU_DATABASE__SCHEMA"] = schema
        asyncio.run(migrate_site(load_config(cli_site.config_path, environ=cli_site.env)))
        with maju_serve(cli_site) as base:
            # Three wrong passwords, for three unknown users, each "from" another address.
            for n in range(3):
                assert _fail_login(base, f"u{n}@example.com", f"198.51.100.{n}") == 401
            # A fourth user and address: the peer 127.0.0.1 is locked unless it is a proxy.
            fourth = _fail_login(base, "u3@example.com", "198.51.100.3")
            if not trusted:
                assert fourth == 429
                return
            assert fourth == 401
            for n in range(3):
                assert _fail_login(base, f"v{n}@example.com", "198.51.100.9") == 401
            # 198.51.100.9 has its three failures now; any user from it is locked ...
            assert _fail_login(base, "u5@example.com", "198.51.100.9") == 429
            # ... and the right-most untrusted hop is the client, whatever is on its left.
            assert _fail_login(base, "u6@example.com", "198.51.100.9, 198.51.100.7") == 401
            assert _fail_login(base, "u7@example.com", "198.51.100.7, 198.51.100.9") == 429


def test_c5_a13_serve_on_a_unix_socket_trusts_only_the_last_forwarded_hop(
    cli_site: CliSite, tmp_path: Path
) -> None:
    """Behind nginx on `--uds` the socket peer is trusted (C5): the right-most X-Forwarded-For
    entry (the one nginx appends) is the client, never a left-hand one the client wrote."""
    _lock_after_three(cli_site)
    migrated(cli_site)
    socket = tmp_path / "maju.sock"
    with maju_serve(cli_site, uds=socket) as base:
        for n in range(3):  # the client forges a new left-hand address each time
            forged = f"203.0.113.{n}, 198.51.100.1"
            assert _fail_login(base, f"u{n}@example.com", forged, socket) == 401
        assert _fail_login(base, "u3@example.com", "203.0.113.9, 198.51.100.1", socket) == 429
        assert _fail_login(base, "u4@example.com", "198.51.100.1, 198.51.100.2", socket) == 401


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_serve_refuses_fewer_than_one_worker(cli_site: CliSite, workers: str) -> None:
    """Issue 10 item 14: uvicorn would start with no worker and serve nothing."""
    migrated(cli_site)
    line = cli_site.fails("serve", "--port", str(free_port()), "--workers", workers)
    assert line == f"Error: the number of workers must be at least 1, got {workers}"
    line = cli_site.fails("serve", "--port", str(free_port()), env={"MAJU_SERVER__WORKERS": "0"})
    assert line == "Error: the number of workers must be at least 1, got 0"
