"""Additive, idempotent schema sync: create tables, add columns and indexes, never drop."""

from __future__ import annotations

from collections.abc import Iterable

from maju.db.connection import Connection
from maju.db.schema import TableSpec


async def existing_columns(conn: Connection, table: str) -> set[str] | None:
    """The table's column names, or None when it does not exist."""
    rows = await conn.fetch_all(conn.dialect.columns_query(), {"table": table})
    return {r["name"] for r in rows} or None


async def existing_indexes(conn: Connection, table: str) -> set[str]:
    rows = await conn.fetch_all(conn.dialect.indexes_query(), {"table": table})
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
    for statement in conn.dialect.refresh_statistics([spec.name for spec in specs]):
        await conn.execute(statement)
    return changes
