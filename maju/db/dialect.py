"""What differs between SQLite and PostgreSQL: quoting, types, LIKE, paging, upsert, transactions,
catalog queries, pool settings and the driver calls (aiosqlite and asyncpg differ there too).

No other module tests the backend's name or rewrites generated SQL; it asks the dialect instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

Fragment = tuple[str, dict[str, Any]]

# A storage kind is what fields.py says a field holds; each dialect maps it to a column type.
StorageKind = Literal[
    "varchar", "text", "int", "bigint", "decimal", "float", "date", "datetime", "time", "json"
]

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


class Dialect(Protocol):
    name: ClassVar[Literal["sqlite", "postgresql"]]
    # One writer at a time (SQLite): each worker queues its own writers instead of letting
    # them spin on the database's busy handler.
    single_writer: ClassVar[bool]

    def quote(self, identifier: str) -> str: ...
    def column_type(self, kind: StorageKind, length: int = 140) -> str: ...
    def autoincrement_primary_key(self) -> str: ...
    def like(self, negated: bool) -> str: ...
    def lower(self, sql: str) -> str: ...
    def limit_offset(self, limit: int | None, offset: int, params: dict[str, Any]) -> str: ...
    def upsert(self, table: str, columns: list[str], key: list[str], update: list[str]) -> str: ...
    def begin(self, read_only: bool) -> list[str]: ...
    def session_read_only(self, on: bool) -> list[str]: ...
    def skip_locked(self) -> str: ...
    def to_driver(self, sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]: ...
    def analyze(self, table: str) -> str: ...
    def ilike(self, sql: str, pattern: str, negated: bool, ascii_pattern: bool = False) -> str: ...
    def as_text(self, sql: str, kind: StorageKind) -> str: ...
    def explain(self, sql: str, analyze: bool = False) -> str: ...
    def for_update(self) -> str: ...
    def columns_query(self) -> str: ...
    def indexes_query(self) -> str: ...
    def refresh_statistics(self, tables: Sequence[str]) -> list[str]: ...
    def database_file(self, url: str) -> Path | None: ...
    def pool_options(
        self, *, pool_size: int, schema: str, statement_timeout: float
    ) -> dict[str, Any]: ...
    # The driver calls on a raw connection: aiosqlite and asyncpg differ there too.
    async def fetch_rows(
        self, raw: Any, text: str, args: list[Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]: ...
    async def run(self, raw: Any, text: str, args: list[Any]) -> int: ...
    def may_be_in_transaction(self, raw: Any) -> bool: ...


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
    single_writer: ClassVar[bool] = True

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

    def ilike(self, sql: str, pattern: str, negated: bool, ascii_pattern: bool = False) -> str:
        """Case-insensitive LIKE of `sql` against the bound `pattern`, backslash as escape.

        Both sides fold through `lower()` here and through ILIKE's own folding on PostgreSQL,
        so non-ASCII text matches alike; callers double backslashes to make them literal.
        `ascii_pattern` says the pattern's value is pure ASCII: SQLite's own LIKE (which folds
        ASCII case) then gives the same answer without a Python call per row, except on
        text holding one of the only two characters whose str.lower() is ASCII or longer
        than one character (U+0130 and U+212A), which takes the folding path.
        """
        like = self.like(negated)
        folded = f"{self.lower(sql)} {like} {self.lower(pattern)} ESCAPE '\\'"
        if not ascii_pattern:
            return folded
        return (
            f"(CASE WHEN instr({sql}, char(304)) > 0 OR instr({sql}, char(8490)) > 0 "
            f"THEN {folded} ELSE {sql} {like} {pattern} ESCAPE '\\' END)"
        )

    def lower(self, sql: str) -> str:
        # maju_lower is registered on every pooled connection: Python's str.lower, so that
        # non-ASCII text folds as it does on PostgreSQL (SQLite's lower() is ASCII-only).
        return f"maju_lower({sql})"

    def _no_limit(self) -> str:
        return "LIMIT -1"

    def begin(self, read_only: bool) -> list[str]:
        # IMMEDIATE takes the write lock up front so two writers never deadlock upgrading a
        # shared lock; a read's deferred BEGIN takes its WAL snapshot at the first SELECT.
        return ["BEGIN"] if read_only else ["BEGIN IMMEDIATE"]

    def skip_locked(self) -> str:
        return ""  # one writer at a time: nothing is ever locked by another transaction

    def session_read_only(self, on: bool) -> list[str]:
        # query_only makes any write fail loudly (M5). It is a connection setting, so the
        # Database flips it only when a connection changes between reading and writing.
        return [f"PRAGMA query_only = {'ON' if on else 'OFF'}"]

    def to_driver(self, sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
        text, names = _positional(sql)
        return text, [_sqlite_value(params[name]) for name in names]

    def analyze(self, table: str) -> str:
        return f"ANALYZE {self.quote(table)}"

    def explain(self, sql: str, analyze: bool = False) -> str:
        """The statement answering `sql`'s plan (SQLite has no ANALYZE form: plan only)."""
        return f"EXPLAIN QUERY PLAN {sql}"

    def for_update(self) -> str:
        return ""  # BEGIN IMMEDIATE already holds the only write lock

    def columns_query(self) -> str:
        return "SELECT name FROM pragma_table_info(:table)"

    def indexes_query(self) -> str:
        return "SELECT name FROM pragma_index_list(:table)"

    def refresh_statistics(self, tables: Sequence[str]) -> list[str]:
        # One ANALYZE covers every table; analysis_limit bounds its cost on big tables (the
        # sampled statistics are enough for the planner).
        return ["PRAGMA analysis_limit = 1000", "ANALYZE"]

    def database_file(self, url: str) -> Path | None:
        """The file a `sqlite:///path` URL names (opening a missing one would create it)."""
        prefix = "sqlite:///"
        return Path(url[len(prefix) :].split("?", 1)[0]) if url.startswith(prefix) else None

    def pool_options(
        self, *, pool_size: int, schema: str, statement_timeout: float
    ) -> dict[str, Any]:
        # maju.db.sqlite_pool's options; SQLite has no schemas to put on a path.
        return {"pool_size": pool_size, "statement_timeout": statement_timeout}

    async def fetch_rows(
        self, raw: Any, text: str, args: list[Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        async with raw.execute(text, args) as cursor:
            rows = await cursor.fetchall()
            columns = [d[0] for d in cursor.description or ()]
        return columns, [tuple(r) for r in rows]

    async def run(self, raw: Any, text: str, args: list[Any]) -> int:
        async with raw.execute(text, args) as cursor:
            return int(cursor.rowcount)

    def may_be_in_transaction(self, raw: Any) -> bool:
        # SQLite has already rolled back a write that a timeout interrupted.
        return bool(raw.in_transaction)


# SQLite reads a double-quoted name that matches no column as a string literal (its "DQS"
# misfeature, on in Python's build): `SELECT "effort" FROM "tabToDo"` run before `maju migrate`
# added the column would answer the text "effort" in every row, and a filter on it would
# compare with that text. A backquoted name has no such fallback, so the driver gets those and
# a missing column is an error (maju.db.mismatch). Single-quoted literals are left alone.
_SQLITE_QUOTED = re.compile(r"'(?:[^']|'')*'" r'|"((?:[^"]|"")*)"')


def _backquoted(match: re.Match[str]) -> str:
    name = match.group(1)
    if name is None:
        return match.group(0)
    return "`" + name.replace('""', '"').replace("`", "``") + "`"


@lru_cache(maxsize=2048)
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` placeholders as `?` plus the names in order, and names backquoted (see
    _SQLITE_QUOTED); cached, as the same SQL recurs on every request and the regex pass showed
    in profiles."""
    names: list[str] = []

    def replace(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return "?"

    return _PARAM.sub(replace, _SQLITE_QUOTED.sub(_backquoted, sql)), tuple(names)


@lru_cache(maxsize=2048)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` placeholders as `$n` (a repeated name reuses its number) plus the names."""
    positions: dict[str, int] = {}

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in positions:
            positions[key] = len(positions) + 1
        return f"${positions[key]}"

    return _PARAM.sub(replace, sql), tuple(positions)


def _sqlite_value(value: Any) -> Any:  # Any: driver values
    if value is None or type(value) in (str, int, float):
        return value
    if isinstance(value, dt.datetime):
        # Not strftime: its %Y drops the zero padding of years before 1000.
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class PostgresDialect(_BaseDialect):
    name: ClassVar[Literal["sqlite", "postgresql"]] = "postgresql"
    single_writer: ClassVar[bool] = False

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

    def ilike(self, sql: str, pattern: str, negated: bool, ascii_pattern: bool = False) -> str:
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

    def session_read_only(self, on: bool) -> list[str]:
        return []  # BEGIN READ ONLY already enforces it per transaction

    def skip_locked(self) -> str:
        """Appended to a SELECT: lock its rows, passing over rows another transaction holds."""
        return " FOR UPDATE SKIP LOCKED"

    def to_driver(self, sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
        text, names = _numbered(sql)
        return text, [params[name] for name in names]

    def analyze(self, table: str) -> str:
        return f"ANALYZE {self.quote(table)}"

    def explain(self, sql: str, analyze: bool = False) -> str:
        """`analyze` runs the statement too and adds actual row counts to the plan."""
        return f"EXPLAIN ({'ANALYZE, ' if analyze else ''}FORMAT JSON) {sql}"

    def for_update(self) -> str:
        """Appended to a SELECT: hold its row until the transaction ends (D15)."""
        return " FOR UPDATE"

    def columns_query(self) -> str:
        return (
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :table"
        )

    def indexes_query(self) -> str:
        return (
            "SELECT indexname AS name FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = :table"
        )

    def refresh_statistics(self, tables: Sequence[str]) -> list[str]:
        return [self.analyze(table) for table in tables]

    def database_file(self, url: str) -> Path | None:
        return None  # a server: nothing to create by accident

    def pool_options(
        self, *, pool_size: int, schema: str, statement_timeout: float
    ) -> dict[str, Any]:
        # asyncpg pool arguments. The settings are startup parameters: set once per pooled
        # connection, no round trip per request, and what asyncpg's RESET ALL on release goes
        # back to.
        settings: dict[str, str] = {}
        if schema:
            settings["search_path"] = schema
        if statement_timeout:
            settings["statement_timeout"] = f"{max(1, round(statement_timeout * 1000))}ms"
        options: dict[str, Any] = {"min_size": 1, "max_size": pool_size}
        if settings:
            options["server_settings"] = settings
        return options

    async def fetch_rows(
        self, raw: Any, text: str, args: list[Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        records = await raw.fetch(text, *args)
        columns = list(records[0].keys()) if records else []
        return columns, [tuple(r) for r in records]

    async def run(self, raw: Any, text: str, args: list[Any]) -> int:
        status: str = await raw.execute(text, *args)  # "UPDATE 3", "INSERT 0 1", "BEGIN"
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    def may_be_in_transaction(self, raw: Any) -> bool:
        return True  # a ROLLBACK outside a transaction only draws a warning from PostgreSQL


SQLITE = SQLiteDialect()
POSTGRES = PostgresDialect()


def dialect_for_url(url: str) -> Dialect:
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme == "sqlite":
        return SQLITE
    if scheme in ("postgresql", "postgres"):
        return POSTGRES
    raise ValueError(f"unsupported database URL scheme: {scheme}")
