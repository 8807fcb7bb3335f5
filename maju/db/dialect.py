"""What differs between SQLite and PostgreSQL: quoting, types, LIKE, paging, upsert, transactions.

No other module tests the backend's name or rewrites generated SQL; it asks the dialect instead.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, ClassVar, Literal, Protocol

Fragment = tuple[str, dict[str, Any]]

# A storage kind is what fields.py says a field holds; each dialect maps it to a column type.
StorageKind = Literal[
    "varchar", "text", "int", "bigint", "decimal", "float", "date", "datetime", "time", "json"
]

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


class Dialect(Protocol):
    name: ClassVar[Literal["sqlite", "postgresql"]]

    def quote(self, identifier: str) -> str: ...
    def column_type(self, kind: StorageKind, length: int = 140) -> str: ...
    def autoincrement_primary_key(self) -> str: ...
    def like(self, negated: bool) -> str: ...
    def lower(self, sql: str) -> str: ...
    def limit_offset(self, limit: int | None, offset: int, params: dict[str, Any]) -> str: ...
    def upsert(self, table: str, columns: list[str], key: list[str], update: list[str]) -> str: ...
    def begin(self, read_only: bool) -> list[str]: ...
    def end_read_only(self) -> list[str]: ...
    def to_driver(self, sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]: ...
    def analyze(self, table: str) -> str: ...
    def ilike(self, sql: str, pattern: str, negated: bool) -> str: ...
    def as_text(self, sql: str, kind: StorageKind) -> str: ...
    def explain(self, sql: str, analyze: bool = False) -> str: ...


class _BaseDialect:
    name: ClassVar[Literal["sqlite", "postgresql"]]

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def lower(self, sql: str) -> str:
        return f"LOWER({sql})"

    def limit_offset(self, limit: int | None, offset: int, params: dict[str, Any]) -> str:
        """Bind LIMIT/OFFSET as parameters; `limit=None` means no limit."""
        parts = []
        if limit is not None:
            params["limit"] = limit
            parts.append("LIMIT :limit")
        elif offset:
            parts.append(self._no_limit())
        if offset:
            params["offset"] = offset
            parts.append("OFFSET :offset")
        return " ".join(parts)

    def _no_limit(self) -> str:
        return "LIMIT ALL"

    def as_text(self, sql: str, kind: StorageKind) -> str:
        """A non-text column rendered as the text D6 sends (for LIKE on dates and numbers)."""
        return f"CAST({sql} AS TEXT)" if kind in ("int", "bigint") else sql

    def upsert(self, table: str, columns: list[str], key: list[str], update: list[str]) -> str:
        q = self.quote
        cols = ", ".join(q(c) for c in columns)
        values = ", ".join(f":{c}" for c in columns)
        conflict = ", ".join(q(c) for c in key)
        sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in update)
        action = f"DO UPDATE SET {sets}" if update else "DO NOTHING"
        return (
            f"INSERT INTO {q(table)} ({cols}) VALUES ({values}) ON CONFLICT ({conflict}) {action}"
        )


class SQLiteDialect(_BaseDialect):
    name: ClassVar[Literal["sqlite", "postgresql"]] = "sqlite"

    _types: ClassVar[dict[str, str]] = {
        "text": "TEXT",
        "int": "INTEGER",
        "bigint": "INTEGER",
        "decimal": "NUMERIC",
        "float": "REAL",
        "date": "TEXT",
        "datetime": "TEXT",
        "time": "TEXT",
        "json": "TEXT",
    }

    def column_type(self, kind: StorageKind, length: int = 140) -> str:
        return f"VARCHAR({length})" if kind == "varchar" else self._types[kind]

    def autoincrement_primary_key(self) -> str:
        return "INTEGER PRIMARY KEY AUTOINCREMENT"

    def like(self, negated: bool) -> str:
        # SQLite's LIKE ignores ASCII case already; callers lower both sides for the rest.
        return "NOT LIKE" if negated else "LIKE"

    def ilike(self, sql: str, pattern: str, negated: bool) -> str:
        """Case-insensitive LIKE of `sql` against the bound `pattern`, backslash as escape.

        Both sides fold through `lower()` here and through ILIKE's own folding on PostgreSQL,
        so non-ASCII text matches alike; callers double backslashes to make them literal.
        """
        return f"{self.lower(sql)} {self.like(negated)} {self.lower(pattern)} ESCAPE '\\'"

    def lower(self, sql: str) -> str:
        # maju_lower is registered on every pooled connection: Python's str.lower, so that
        # non-ASCII text folds as it does on PostgreSQL (SQLite's lower() is ASCII-only).
        return f"maju_lower({sql})"

    def _no_limit(self) -> str:
        return "LIMIT -1"

    def begin(self, read_only: bool) -> list[str]:
        # query_only makes any write fail loudly (M5); IMMEDIATE takes the write lock up front
        # so two writers never deadlock upgrading a shared lock.
        if read_only:
            return ["PRAGMA query_only = ON", "BEGIN"]
        return ["BEGIN IMMEDIATE"]

    def end_read_only(self) -> list[str]:
        return ["PRAGMA query_only = OFF"]

    def to_driver(self, sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
        args: list[Any] = []

        def replace(match: re.Match[str]) -> str:
            args.append(_sqlite_value(params[match.group(1)]))
            return "?"

        return _PARAM.sub(replace, sql), args

    def analyze(self, table: str) -> str:
        return f"ANALYZE {self.quote(table)}"

    def explain(self, sql: str, analyze: bool = False) -> str:
        """The statement answering `sql`'s plan (SQLite has no ANALYZE form: plan only)."""
        return f"EXPLAIN QUERY PLAN {sql}"


def _sqlite_value(value: Any) -> Any:  # Any: driver values
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class PostgresDialect(_BaseDialect):
    name: ClassVar[Literal["sqlite", "postgresql"]] = "postgresql"

    _types: ClassVar[dict[str, str]] = {
        "text": "TEXT",
        "int": "INTEGER",
        "bigint": "BIGINT",
        "decimal": "NUMERIC(21, 9)",
        "float": "DOUBLE PRECISION",
        "date": "DATE",
        "datetime": "TIMESTAMP(6)",
        "time": "TIME(6)",
        "json": "TEXT",
    }

    def column_type(self, kind: StorageKind, length: int = 140) -> str:
        return f"VARCHAR({length})" if kind == "varchar" else self._types[kind]

    def autoincrement_primary_key(self) -> str:
        return "BIGSERIAL PRIMARY KEY"

    def like(self, negated: bool) -> str:
        return "NOT ILIKE" if negated else "ILIKE"

    def ilike(self, sql: str, pattern: str, negated: bool) -> str:
        return f"{sql} {self.like(negated)} {pattern} ESCAPE '\\'"

    def as_text(self, sql: str, kind: StorageKind) -> str:
        # SQLite stores these as the same text (D7), so LIKE patterns match alike.
        formats = {
            "date": "YYYY-MM-DD",
            "datetime": "YYYY-MM-DD HH24:MI:SS.US",
            "time": "HH24:MI:SS.US",
        }
        if kind in formats:
            return f"to_char({sql}, '{formats[kind]}')"
        return f"CAST({sql} AS TEXT)" if kind in ("int", "bigint") else sql

    def begin(self, read_only: bool) -> list[str]:
        return ["BEGIN READ ONLY"] if read_only else ["BEGIN"]

    def end_read_only(self) -> list[str]:
        return []

    def to_driver(self, sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
        positions: dict[str, int] = {}
        args: list[Any] = []

        def replace(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in positions:
                args.append(params[key])
                positions[key] = len(args)
            return f"${positions[key]}"

        return _PARAM.sub(replace, sql), args

    def analyze(self, table: str) -> str:
        return f"ANALYZE {self.quote(table)}"

    def explain(self, sql: str, analyze: bool = False) -> str:
        """`analyze` runs the statement too and adds actual row counts to the plan."""
        return f"EXPLAIN ({'ANALYZE, ' if analyze else ''}FORMAT JSON) {sql}"


SQLITE = SQLiteDialect()
POSTGRES = PostgresDialect()


def dialect_for_url(url: str) -> Dialect:
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme == "sqlite":
        return SQLITE
    if scheme in ("postgresql", "postgres"):
        return POSTGRES
    raise ValueError(f"unsupported database URL scheme: {scheme}")
