"""Additive, idempotent schema sync: create tables, add columns and indexes, never drop."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from maju.db.connection import Connection
from maju.db.schema import TableSpec


async def existing_columns(conn: Connection, table: str) -> set[str] | None:
    """The table's column names, or None when it does not exist."""
    rows = await conn.fetch_all(conn.dialect.columns_query(), {"table": table})
    return {r["name"] for r in rows} or None


async def existing_indexes(conn: Connection, table: str) -> set[str]:
    rows = await conn.fetch_all(conn.dialect.indexes_query(), {"table": table})
    return {r["name"] for r in rows}


_PAST = {"create": "created", "add": "added"}


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One step `maju migrate` would take: "create table tabToDo", "add column tabToDo.x"."""

    verb: Literal["create", "add"]
    what: str
    sql: str

    @property
    def pending(self) -> str:
        return f"{self.verb} {self.what}"

    @property
    def done(self) -> str:
        return f"{_PAST[self.verb]} {self.what}"


async def plan_table(conn: Connection, spec: TableSpec) -> list[SchemaChange]:
    """What bringing one table up to its spec takes, read from the live schema; changes
    nothing (`maju serve` uses it to warn that the schema is behind)."""
    dialect = conn.dialect
    columns = await existing_columns(conn, spec.name)
    if columns is None:
        plan = [SchemaChange("create", f"table {spec.name}", spec.create_sql(dialect))]
        indexes: set[str] = set()
    else:
        plan = [
            SchemaChange(
                "add", f"column {spec.name}.{column.name}", spec.add_column_sql(column, dialect)
            )
            for column in spec.columns
            if column.name not in columns
        ]
        indexes = await existing_indexes(conn, spec.name)
    plan += [
        SchemaChange("add", f"index {index.name} on {spec.name}", spec.index_sql(index, dialect))
        for index in spec.indexes
        if index.name not in indexes
    ]
    return plan


async def pending_changes(conn: Connection, tables: Iterable[TableSpec]) -> list[SchemaChange]:
    """Every change `sync_schema` would make, without making any."""
    return [change for spec in tables for change in await plan_table(conn, spec)]


async def sync_table(conn: Connection, spec: TableSpec) -> list[str]:
    """Bring one table up to its spec; returns a line per change made."""
    changes = await plan_table(conn, spec)
    for change in changes:
        await conn.execute(change.sql)
    return [change.done for change in changes]


async def sync_schema(conn: Connection, tables: Iterable[TableSpec]) -> list[str]:
    """Sync every table, then refresh the planner's statistics (indexes go unused without)."""
    changes: list[str] = []
    specs = list(tables)
    for spec in specs:
        changes += await sync_table(conn, spec)
    for statement in conn.dialect.refresh_statistics([spec.name for spec in specs]):
        await conn.execute(statement)
    return changes
