"""The `maju` command: serve the site, migrate it, manage users and keys, scaffold apps.

Every command reads the same configuration as the server (`MAJU_CONFIG`, else `config.toml`
in the working directory, plus `MAJU_<SECTION>__<KEY>` overrides), fails with one clean line
and a non-zero exit, and never takes a password on the command line. One module per group of
commands; this one assembles them into the `maju` group (the console script's entry point).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from maju import __version__
from maju.cli.apps import new_app, routes
from maju.cli.console import console
from maju.cli.keys import generate_keys
from maju.cli.log import configure_command_logging
from maju.cli.serve import serve
from maju.cli.site_setup import migrate, setup
from maju.cli.users import (
    add_user,
    disable_user,
    enable_user,
    list_users,
    set_admin_password,
    set_password,
)

COMMANDS = (
    serve,
    migrate,
    setup,
    add_user,
    set_password,
    set_admin_password,
    list_users,
    disable_user,
    enable_user,
    generate_keys,
    console,
    routes,
    new_app,
)


@click.group(commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="The site's config file (default: $MAJU_CONFIG, else ./config.toml).",
)
@click.version_option(__version__, prog_name="maju")
def main(config_path: str | None) -> None:
    """Run and administer a maju site."""
    configure_command_logging()
    if config_path:
        # Through the environment, so uvicorn's worker processes read the same file.
        os.environ["MAJU_CONFIG"] = str(Path(config_path).resolve())


__all__ = ["main"]
