"""`maju generate-keys`: an API key pair for a user, the secret shown only once (A11)."""

from __future__ import annotations

import asyncio

import click

from maju.cli.failures import clean_errors
from maju.config import load_config


@click.command("generate-keys")
@click.argument("user")
@clean_errors
def generate_keys(user: str) -> None:
    """Issue an API key pair for USER; the secret is shown only this once (A11).

    Prints `api_key: <key>` and `api_secret: <secret>`, for `Authorization: token key:secret`.
    """
    from maju.bootstrap import issue_keys

    pair = asyncio.run(issue_keys(load_config(), user))
    click.echo(f"api_key: {pair.api_key}")
    click.echo(f"api_secret: {pair.api_secret}")
