"""`maju migrate` and `maju setup`: create the site and bring its schema up to the DocTypes."""

from __future__ import annotations

import asyncio
import os

import click

from maju.cli.failures import clean_errors
from maju.cli.passwords import ADMIN_PASSWORD_ENV
from maju.config import load_config


def _print_changes(changes: tuple[str, ...] | list[str]) -> None:
    for change in changes:
        click.echo(change)
    if not changes:
        click.echo("Schema is up to date: nothing to change.")


@click.command()
@clean_errors
def migrate() -> None:
    """Create the site if missing and bring its tables up to the DocTypes (additive only).

    Prints one line per change, or that the schema is up to date. Safe to run again.
    """
    from maju.bootstrap import migrate_site

    _print_changes(asyncio.run(migrate_site(load_config())))


@click.command()
@clean_errors
def setup() -> None:
    """Migrate, then give Administrator a password if it has none (what `make run` calls).

    The password comes from MAJU_ADMIN_PASSWORD, else a random one is generated and printed
    once; only its argon2 hash is stored. An existing password is never changed.
    """
    from maju.bootstrap import setup_site

    result = asyncio.run(setup_site(load_config(), os.environ.get(ADMIN_PASSWORD_ENV) or None))
    _print_changes(result.changes)
    if result.generated_password is not None:
        click.echo(f"Administrator password: {result.generated_password}")
        click.echo("(shown only this once; change it with `maju set-admin-password`)")
    elif result.password_set:
        click.echo(f"Administrator password set from {ADMIN_PASSWORD_ENV}.")
