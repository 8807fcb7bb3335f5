"""Where the commands read passwords from: the environment, standard input or a hidden prompt.

Never the command line, where `ps` and the shell history would show it.
"""

from __future__ import annotations

import sys

import click

ADMIN_PASSWORD_ENV = "MAJU_ADMIN_PASSWORD"


def password_from_stdin() -> str:
    """The first line of standard input, without its line break (`--password-stdin`)."""
    if sys.stdin is None:
        raise click.ClickException("no password given on standard input")
    return sys.stdin.readline().rstrip("\r\n")


def prompted_password(prompt: str) -> str:
    """A password typed twice at a hidden prompt; standard input must be a terminal."""
    if sys.stdin is None or not sys.stdin.isatty():
        raise click.ClickException(
            "standard input is not a terminal: pass --password-stdin to read the password from it"
        )
    value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return value


def password_from_stdin_or_prompt(prompt: str) -> str:
    """Prompted (hidden) on a terminal, else the first line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        return prompted_password(prompt)
    return password_from_stdin()
