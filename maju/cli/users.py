"""The user commands: add-user, set-password, set-admin-password, list-users, disable/enable."""

from __future__ import annotations

import asyncio
import os

import click

from maju.cli.failures import clean_errors
from maju.cli.passwords import (
    ADMIN_PASSWORD_ENV,
    password_from_stdin_or_prompt,
    prompted_password,
)
from maju.config import load_config

PASSWORD_STDIN_HELP = "Read the password from standard input (never from the command line)."


@click.command("add-user")
@click.argument("email")
@click.option("--roles", default="", help="Comma-separated role names, e.g. 'System Manager'.")
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
@clean_errors
def add_user(email: str, roles: str, password_stdin: bool) -> None:
    """Create a user with roles; without --password-stdin it can only use API keys.

    Args:
        email: the user's email, which is also its name (login id).
    """
    from maju.bootstrap import add_user as create

    role_names = tuple(r.strip() for r in roles.split(",") if r.strip())
    password = password_from_stdin_or_prompt("Password") if password_stdin else None
    name = asyncio.run(create(load_config(), email, role_names, password))
    click.echo(
        f"Created user {name}" + (f" with roles {', '.join(role_names)}" if role_names else "")
    )


@click.command("set-password")
@click.argument("user")
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
@clean_errors
def set_password(user: str, password_stdin: bool) -> None:
    """Set USER's password, typed twice at a hidden prompt or read with --password-stdin.

    Prints `Password of USER changed.`; the user's sessions and API keys stay valid.
    """
    from maju.bootstrap import change_password

    prompt = f"New password for {user}"
    password = (
        password_from_stdin_or_prompt(prompt) if password_stdin else prompted_password(prompt)
    )
    asyncio.run(change_password(load_config(), user, password))
    click.echo(f"Password of {user} changed.")


@click.command("set-admin-password")
@clean_errors
def set_admin_password() -> None:
    """Set Administrator's password from MAJU_ADMIN_PASSWORD, else from standard input."""
    from maju.bootstrap import ADMINISTRATOR, change_password

    password = os.environ.get(ADMIN_PASSWORD_ENV) or password_from_stdin_or_prompt("New password")
    asyncio.run(change_password(load_config(), ADMINISTRATOR, password))
    click.echo("Administrator password changed.")


def printable(text: str) -> str:
    """`text` with control characters escaped: a name set through the API cannot move the
    operator's cursor or colour their terminal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)


@click.command("list-users")
@clean_errors
def list_users() -> None:
    """List every user: name, full name, enabled, user type and roles (explicit ones).

    One aligned row per user under a header line, sorted by name.
    """
    from maju.bootstrap import list_users as fetch

    header = ("name", "full_name", "enabled", "user_type", "roles")
    rows = [
        (
            printable(user.name),
            printable(user.full_name),
            "yes" if user.enabled else "no",
            printable(user.user_type),
            printable(", ".join(user.roles)),
        )
        for user in asyncio.run(fetch(load_config()))
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def _set_enabled(user: str, enabled: bool) -> None:
    from maju.bootstrap import set_user_enabled

    state = "enabled" if enabled else "disabled"
    if asyncio.run(set_user_enabled(load_config(), user, enabled)):
        click.echo(f"User {user} {state}.")
    else:
        click.echo(f"User {user} was already {state}.")


@click.command("disable-user")
@click.argument("user")
@clean_errors
def disable_user(user: str) -> None:
    """Disable USER: its sessions end, its API keys and OAuth tokens stop working and it
    cannot log in. Administrator and Guest cannot be disabled."""
    _set_enabled(user, False)


@click.command("enable-user")
@click.argument("user")
@clean_errors
def enable_user(user: str) -> None:
    """Enable USER again: its API keys and unexpired OAuth tokens work again."""
    _set_enabled(user, True)
