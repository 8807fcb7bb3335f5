"""The user commands: add-user, set-password, set-admin-password, list-users, disable/enable."""

from __future__ import annotations

import asyncio

import pytest

from maju.auth.keys import generate_keys, key_owner
from maju.auth.sessions import create_session, load_session
from maju.auth.users import user_roles
from maju.bootstrap import migrate_site
from maju.config import Config
from tests.auth.accounts import add_user, site_conn
from tests.cli.clisite import CliSite, on_terminal
from tests.cli.dbcheck import password_ok, user_names, user_row
from tests.sites import Site

ANN = "ann@example.com"
BOB = "bob@example.com"


async def new_session(config: Config, user: str) -> str:
    async with site_conn(config) as conn:
        return (await create_session(conn, user, 3600)).sid


async def session_alive(config: Config, sid: str) -> bool:
    async with site_conn(config) as conn:
        return await load_session(conn, sid) is not None


def test_add_user(migrated_site: CliSite) -> None:
    out = migrated_site.ok(
        "add-user", ANN, "--roles", "System Manager, All", "--password-stdin", stdin="ann-pw\n"
    )
    assert out == f"Created user {ANN} with roles System Manager, All\n"
    config = migrated_site.config()
    assert asyncio.run(password_ok(config, ANN, "ann-pw"))
    assert migrated_site.fails("add-user", ANN) == f"Error: User {ANN} already exists"
    assert (
        migrated_site.fails("add-user", BOB, "--roles", "Nope")
        == "Error: Could not find Role: Nope"
    )

    async def roles() -> frozenset[str]:
        async with site_conn(config) as conn:
            return await user_roles(conn, ANN)

    assert {"System Manager", "All"} <= asyncio.run(roles())
    assert asyncio.run(user_names(config)) == ["Administrator", "Guest", ANN]


@pytest.mark.parametrize(
    "bad", ["", "   ", "ann", "a b@example.com", "<b>@example.com", "a\x01b@example.com"]
)
def test_add_user_refuses_empty_or_malformed_names(cli_site: CliSite, bad: str) -> None:
    """Issue 10 item 13: `maju add-user ""` created a user named "" (whose keys then listed
    Administrator's ToDos); a user name must be an email address. (Checked before any write:
    SQLite is enough.)"""
    asyncio.run(migrate_site(cli_site.config()))
    line = cli_site.fails("add-user", bad)
    assert "is not a valid user name: a user name is an email address" in line
    assert "\x01" not in line  # control characters are shown escaped, never raw
    assert asyncio.run(user_names(cli_site.config())) == ["Administrator", "Guest"]


def test_add_user_refuses_overlong_names(migrated_site: CliSite) -> None:
    long_name = "x" * 130 + "@example.com"
    assert "at most 140 characters" in migrated_site.fails("add-user", long_name)
    assert asyncio.run(user_names(migrated_site.config())) == ["Administrator", "Guest"]


def test_set_password_from_stdin_ends_the_users_sessions(migrated_site: CliSite) -> None:
    """As a password change through the API does (A12): a stolen session dies with it."""
    config = migrated_site.config()
    asyncio.run(add_user(config, ANN, password="old-pw"))
    sid = asyncio.run(new_session(config, ANN))
    admin_sid = asyncio.run(new_session(config, "Administrator"))
    out = migrated_site.ok("set-password", ANN, "--password-stdin", stdin="n3w pw with spaces\n")
    assert out == f"Password of {ANN} changed.\n"
    assert asyncio.run(password_ok(config, ANN, "n3w pw with spaces"))
    assert not asyncio.run(password_ok(config, ANN, "old-pw"))
    assert not asyncio.run(session_alive(config, sid))
    assert asyncio.run(session_alive(config, admin_sid))  # only that user's sessions


def test_set_password_refusals(migrated_site: CliSite) -> None:
    site = migrated_site
    assert site.fails("set-password", BOB, "--password-stdin", stdin="pw\n") == (
        f"Error: User {BOB} not found"
    )
    assert site.fails("set-password", "Guest", "--password-stdin", stdin="pw\n") == (
        "Error: Guest cannot have a password"
    )
    assert site.fails("set-password", "Administrator", "--password-stdin", stdin="\n") == (
        "Error: The password must not be empty"
    )


def test_set_password_prompts_twice_on_a_terminal(migrated_site: CliSite) -> None:
    """Without --password-stdin: a hidden prompt and a confirmation, on a real pseudo-terminal;
    a pipe instead of a terminal is refused, pointing at --password-stdin."""
    done = on_terminal(
        migrated_site, "set-password", "Administrator", typed="typed-pw-1\ntyped-pw-1\n"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.replace("\r\n", "\n") == (
        "New password for Administrator: \n"
        "Repeat for confirmation: \n"
        "Password of Administrator changed.\n"
    )  # nothing typed is shown
    assert asyncio.run(password_ok(migrated_site.config(), "Administrator", "typed-pw-1"))

    mismatch = on_terminal(
        migrated_site, "set-password", "Administrator", typed="one-pw\nother-pw\none-pw\none-pw\n"
    )
    assert mismatch.returncode == 0
    assert "Error: The two entered values do not match." in mismatch.stdout
    assert asyncio.run(password_ok(migrated_site.config(), "Administrator", "one-pw"))

    assert migrated_site.fails("set-password", "Administrator", stdin="pw\n") == (
        "Error: standard input is not a terminal: pass --password-stdin to read the password "
        "from it"
    )


def test_list_users(migrated_site: CliSite) -> None:
    config = migrated_site.config()
    asyncio.run(add_user(config, ANN, roles=("System Manager", "All"), full_name="Ann Smith"))
    # A full name set through the API may hold control characters: shown escaped.
    asyncio.run(add_user(config, BOB, full_name="Bob\x1b[31m Red", enabled=False))
    out = migrated_site.ok("list-users")
    assert out.splitlines() == [
        "name             full_name        enabled  user_type    roles",
        "Administrator    Administrator    yes      System User  Administrator",
        "Guest            Guest            yes      System User",
        "ann@example.com  Ann Smith        yes      System User  System Manager, All",
        "bob@example.com  Bob\\x1b[31m Red  no       System User",
    ]
    assert "\x1b" not in out


def test_disable_and_enable_user(migrated_site: CliSite) -> None:
    """A disabled user's sessions end and its API key stops authenticating; enabling brings
    the key back (sessions stay ended)."""
    site = migrated_site
    config = site.config()
    asyncio.run(add_user(config, ANN, password="pw"))
    sid = asyncio.run(new_session(config, ANN))

    async def keys() -> tuple[str, str]:
        async with site_conn(config) as conn:
            pair = await generate_keys(conn, ANN)
        return pair.api_key, pair.api_secret

    async def key_works(pair: tuple[str, str]) -> bool:
        async with site_conn(config) as conn:
            return await key_owner(conn, *pair) is not None

    pair = asyncio.run(keys())
    assert asyncio.run(key_works(pair))

    assert site.ok("disable-user", ANN) == f"User {ANN} disabled.\n"
    row = asyncio.run(user_row(config, ANN))
    assert row is not None and row["enabled"] == 0 and row["modified_by"] == "Administrator"
    assert not asyncio.run(session_alive(config, sid))
    assert not asyncio.run(key_works(pair))
    assert site.ok("disable-user", ANN) == f"User {ANN} was already disabled.\n"

    assert site.ok("enable-user", ANN) == f"User {ANN} enabled.\n"
    assert asyncio.run(key_works(pair))
    assert site.ok("enable-user", ANN) == f"User {ANN} was already enabled.\n"

    for builtin in ("Administrator", "Guest"):
        assert site.fails("disable-user", builtin) == f"Error: User {builtin} cannot be disabled"
    assert site.fails("disable-user", BOB) == f"Error: User {BOB} not found"
    assert site.fails("enable-user", BOB) == f"Error: User {BOB} not found"


async def test_api_cannot_disable_the_builtin_users(site: Site) -> None:
    """The rule behind `maju disable-user Administrator` holds for the REST API too."""
    for builtin in ("Administrator", "Guest"):
        r = await site.client.put(
            f"/api/resource/User/{builtin}", json={"enabled": 0}, headers=site.admin_headers
        )
        assert r.status_code == 417, r.text
        assert r.json()["exception"] == f"ValidationError: User {builtin} cannot be disabled"
        row = await user_row(site.config, builtin)
        assert row is not None and row["enabled"] == 1
