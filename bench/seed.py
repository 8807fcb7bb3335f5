"""Create a throw-away benchmark site: maju's own migration, then ToDo rows by bulk insert."""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import asyncpg

from maju.auth.keys import generate_keys
from maju.bootstrap import migrate_site
from maju.config import Config, load_config
from maju.db.dialect import POSTGRES, SQLITE, Dialect
from maju.site import build_registry, open_database

Backend = Literal["sqlite", "postgresql"]

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# The bench site installs the example app and a bench-only app with one whitelisted SELECT.
APP_SOURCES = {"todo": REPO_ROOT / "apps" / "todo", "benchapp": BENCH_DIR / "apps" / "benchapp"}
HASH_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
# ~1 row in 10 mentions it: the `like` scenario scans a few hundred index entries for a page.
LIKE_WORD = "invoice"
WORDS = (
    "call",
    "client",
    "review",
    "draft",
    "report",
    "email",
    "meeting",
    "update",
    "plan",
    "budget",
    "deploy",
    "fix",
    "order",
    "ship",
    "check",
    "notes",
    "team",
    "design",
)
STATUSES = ("Open", "Closed", "Cancelled")
PRIORITIES = ("Low", "Medium", "High")
INSERT_BATCH = 5000


@dataclass(frozen=True, slots=True)
class BenchSite:
    """One seeded site: its config file (and folder), database and an Administrator token."""

    backend: Backend
    rows: int
    root: Path
    config_path: Path
    database_url: str
    schema: str
    authorization: str  # "token key:secret"
    sample_name: str  # an existing ToDo, for the read and method scenarios


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string is a JSON string for this text


def write_config(root: Path, sections: dict[str, dict[str, object]]) -> Path:
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    path = root / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def link_apps(root: Path) -> None:
    """maju finds apps in `<config folder>/apps` (maju.site.apps_dir): link ours there."""
    apps = root / "apps"
    apps.mkdir(exist_ok=True)
    for name, source in APP_SOURCES.items():
        (apps / name).symlink_to(source, target_is_directory=True)


def todo_rows(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Deterministic ToDo rows; `modified` strictly decreasing so the default sort has no ties."""
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, 9, 0, 0, 123456)
    names: set[str] = set()
    for i in range(count):
        name = "".join(rng.choices(HASH_ALPHABET, k=10))
        while name in names:
            name = "".join(rng.choices(HASH_ALPHABET, k=10))
        names.add(name)
        stamp = start - dt.timedelta(seconds=37 * i)
        words = rng.choices(WORDS, k=6)
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words)), LIKE_WORD)
        yield {
            "name": name,
            "owner": "Administrator",
            "creation": stamp,
            "modified": stamp,
            "modified_by": "Administrator",
            "docstatus": 0,
            "idx": 0,
            "status": rng.choices(STATUSES, weights=(4, 4, 2))[0],
            "priority": rng.choice(PRIORITIES),
            "date": (stamp + dt.timedelta(days=rng.randrange(30))).date()
            if rng.random() < 0.7
            else None,
            "allocated_to": "Administrator" if rng.random() < 0.5 else None,
            "description": f"Task {i}: " + " ".join(words),
        }


def _sqlite_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _insert_sql(dialect: Dialect, table: str, columns: list[str], placeholders: list[str]) -> str:
    q = dialect.quote
    return (
        f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(placeholders)})"
    )


def _batches(
    rows: Iterator[dict[str, Any]], columns: list[str], convert: bool
) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(tuple(_sqlite_value(row[c]) if convert else row[c] for c in columns))
        if len(batch) == INSERT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def seed_sqlite(path: Path, table: str, columns: list[str], count: int) -> str:
    """Bulk-insert `count` rows in one transaction; returns one row's name."""
    sql = _insert_sql(SQLITE, table, columns, ["?"] * len(columns))
    first = ""
    with sqlite3.connect(path, isolation_level=None) as db:
        db.execute("BEGIN")
        for batch in _batches(todo_rows(count), columns, convert=True):
            db.executemany(sql, batch)
            first = first or str(batch[len(batch) // 2][0])
        db.execute("COMMIT")
        # The stats from `maju migrate` describe empty tables; refresh them as after a load.
        db.execute("ANALYZE")
    db.close()
    return first


async def seed_postgres(url: str, schema: str, table: str, columns: list[str], count: int) -> str:
    sql = _insert_sql(POSTGRES, table, columns, [f"${i + 1}" for i in range(len(columns))])
    first = ""
    conn = await asyncpg.connect(url, server_settings={"search_path": schema}, timeout=10)
    try:
        async with conn.transaction():
            for batch in _batches(todo_rows(count), columns, convert=False):
                await conn.executemany(sql, batch)
                first = first or str(batch[len(batch) // 2][0])
        await conn.execute(f"ANALYZE {POSTGRES.quote(table)}")
    finally:
        await conn.close()
    return first


async def admin_token(config: Config) -> str:
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            pair = await generate_keys(conn, "Administrator")
    finally:
        await db.disconnect()
    return f"token {pair.api_key}:{pair.api_secret}"


async def create_site(
    backend: Backend, rows: int, root: Path, postgres_url: str, server_port: int, pool_size: int
) -> BenchSite:
    """Migrate a fresh site in `root` (PostgreSQL: in a new schema) and load `rows` ToDos."""
    schema = f"bench_{secrets.token_hex(4)}" if backend == "postgresql" else ""
    url = postgres_url if backend == "postgresql" else ""
    if schema:
        await _schema_statement(url, f'CREATE SCHEMA "{schema}"')
    try:
        return await _fill_site(backend, rows, root, url, schema, server_port, pool_size)
    except BaseException:
        if schema:
            await _schema_statement(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        raise


async def _fill_site(
    backend: Backend, rows: int, root: Path, url: str, schema: str, server_port: int, pool_size: int
) -> BenchSite:
    link_apps(root)
    config_path = write_config(
        root,
        {
            "site": {"dir": "site", "apps": list(APP_SOURCES), "secret_key": secrets.token_hex(32)},
            "server": {"host": "127.0.0.1", "port": server_port, "workers": 2},
            "database": {"url": url, "schema": schema, "pool_size": pool_size},
        },
    )
    config = load_config(config_path, environ={})
    await migrate_site(config)
    meta = build_registry(config)["ToDo"]
    columns = list(next(todo_rows(1)))
    missing = set(columns) - {*meta.standard_columns, *(f.fieldname for f in meta.data_fields)}
    if missing:
        raise RuntimeError(f"ToDo lost columns the seed writes: {sorted(missing)}")
    if backend == "sqlite":
        sample = seed_sqlite(config.site_dir / "maju.db", meta.table_name, columns, rows)
    else:
        sample = await seed_postgres(url, schema, meta.table_name, columns, rows)
    return BenchSite(
        backend,
        rows,
        root,
        config_path,
        config.database_url,
        schema,
        await admin_token(config),
        sample,
    )


async def drop_site(site: BenchSite) -> None:
    """PostgreSQL: drop the site's schema (the folder is the caller's temporary directory)."""
    if site.schema:
        await _schema_statement(site.database_url, f'DROP SCHEMA IF EXISTS "{site.schema}" CASCADE')


async def _schema_statement(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def postgres_error(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be used, or None when it answers."""
    try:
        conn = await asyncpg.connect(url, timeout=5)
        await conn.close()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
