"""Additive, idempotent schema sync: create tables, add columns and indexes, never drop."""

from __future__ import annotations

from collections.abc import Iterable

from maju.db.connection import Connection
from maju.db.schema import TableSpec


async def existing_columns(conn: Connection, table: str) -> set[str] | None:
    """The table's column names, or None when it does not exist."""
    if conn.dialect.name == "sqlite":
        rows = await conn.fetch_all("SELECT name FROM pragma_table_info(:table)", {"table": table})
    else:
        rows = await conn.fetch_all(
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :table",
            {"table": table},
        )
    return {r["name"] for r in rows} or None


async def existing_indexes(conn: Connection, table: str) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = await conn.fetch_all("SELECT name FROM pragma_index_list(:table)", {"table": table})
    else:
        rows = await conn.fetch_all(
            "SELECT indexname AS name FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = :table",
            {"table": table},
        )
    return {r["name"] for r in rows}


async def sync_table(conn: Connection, spec: TableSpec) -> list[str]:
    """Bring one table up to its spec; returns a line per change made."""
    dialect = conn.dialect
    changes: list[str] = []
    columns = await existing_columns(conn, spec.name)
    if columns is None:
        await conn.execute(spec.create_sql(dialect))
        changes.append(f"created table {spec.name}")
    else:
        for column in spec.columns:
            if column.name not in columns:
                await conn.execute(spec.add_column_sql(column, dialect))
                changes.append(f"added column {spec.name}.{column.name}")
    indexes = await existing_indexes(conn, spec.name)
    for index in spec.indexes:
        if index.name not in indexes:
            await conn.execute(spec.index_sql(index, dialect))
            changes.append(f"added index {index.name} on {spec.name}")
    return changes


async def sync_schema(conn: Connection, tables: Iterable[TableSpec]) -> list[str]:
    """Sync every table, then refresh the planner's statistics (indexes go unused without)."""
    changes: list[str] = []
    specs = list(tables)
    for spec in specs:
        changes += await sync_table(conn, spec)
    if conn.dialect.name == "sqlite":
        # analysis_limit bounds ANALYZE's cost on big tables; the sampled stats are enough.
        await conn.execute("PRAGMA analysis_limit = 1000")
        await conn.execute("ANALYZE")
    else:
        for spec in specs:
            await conn.execute(conn.dialect.analyze(spec.name))
    return changes
