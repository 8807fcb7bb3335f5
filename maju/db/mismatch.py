"""Recognise a statement that names a table or column the database does not have.

That is what a request hits when a DocType gained a field (or a new DocType was added) and
`maju migrate` has not run yet. The driver's error becomes `SchemaMismatchError`, whose text
names the missing object and `maju migrate`. It is not a client error: outside developer mode it
answers E15's bare 500 like any unexpected error (its text only reaches the log); in developer
mode the text is the `exception` line.
"""

from __future__ import annotations

import re
import sqlite3

import asyncpg

# SQLite: "no such column: x", "no such column: t.x", "table t has no column named x",
# "no such table: t", "no such table: main.t".
_SQLITE = (
    (re.compile(r"^no such column: (.+)$"), "column"),
    (re.compile(r"^table (.+) has no column named (.+)$"), "column"),
    (re.compile(r"^no such table: (.+)$"), "table"),
)


class SchemaMismatchError(Exception):
    """A statement names a table or column the database lacks (see the module docstring)."""

    def __init__(self, kind: str, name: str, detail: str) -> None:
        super().__init__(
            f"The database has no {kind} {name} ({detail}). If a DocType defines it, the "
            "database schema is behind the DocTypes: run `maju migrate`."
        )
        self.kind = kind
        self.name = name


def schema_mismatch(exc: BaseException) -> SchemaMismatchError | None:
    """The SchemaMismatchError for a driver error about a missing table or column, else None."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        for pattern, kind in _SQLITE:
            if match := pattern.match(text):
                return SchemaMismatchError(kind, ".".join(match.groups()), text)
        return None
    if isinstance(exc, asyncpg.exceptions.UndefinedColumnError):
        return SchemaMismatchError("column", _quoted_names(str(exc)), str(exc))
    if isinstance(exc, asyncpg.exceptions.UndefinedTableError):
        return SchemaMismatchError("table", _quoted_names(str(exc)), str(exc))
    return None


def _quoted_names(text: str) -> str:
    """`column "x" of relation "t" does not exist` -> `t.x`; `relation "t" ...` -> `t`."""
    names = re.findall(r'"([^"]*)"', text)
    if not names:  # `column t.x does not exist`: unquoted
        return text.split(" ")[1] if " " in text else text
    return ".".join(reversed(names))
