"""One clean `Error: ...` line and exit status 1 for every failure an operator can cause."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import click

from maju import errors

F = TypeVar("F", bound=Callable[..., Any])


def _failure(exc: BaseException) -> str:
    from maju.db.mismatch import SchemaMismatchError

    if isinstance(exc, errors.MajuError):
        return exc.message or exc.exc_type
    if isinstance(exc, errors.ConfigError | SchemaMismatchError):
        return str(exc)
    if isinstance(exc, OSError | ValueError | sqlite3.Error):
        return f"{type(exc).__name__}: {exc}"
    return f"database error: {type(exc).__name__}: {exc}"


def _database_errors() -> tuple[type[BaseException], ...]:
    # Imported on first use: `maju --help` need not load the PostgreSQL driver.
    import asyncpg

    from maju.db.mismatch import SchemaMismatchError

    return (asyncpg.PostgresError, asyncpg.InterfaceError, SchemaMismatchError)


def clean_errors(fn: F) -> F:
    """Turn the failures an operator can cause into one `Error: ...` line and exit status 1."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:  # Any: click passes the options through
        handled: tuple[type[BaseException], ...] = (
            errors.ConfigError,
            errors.MajuError,
            OSError,
            ValueError,
            sqlite3.Error,
            *_database_errors(),
        )
        try:
            return fn(*args, **kwargs)
        except handled as exc:
            raise click.ClickException(_failure(exc)) from exc

    return run  # type: ignore[return-value]
