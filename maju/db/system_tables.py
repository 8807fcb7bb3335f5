"""maju's own tables that are not DocTypes: counters and bookkeeping shared by all workers."""

from __future__ import annotations

from maju.db.schema import ColumnSpec, IndexSpec, TableSpec

# D2: one counter per naming-series prefix, so concurrent workers never hand out the same name.
SERIES = TableSpec(
    "__series",
    (ColumnSpec("name", "varchar", 140, primary_key=True),
     ColumnSpec("current", "bigint", not_null_zero=True)),
)

# Password hashes live apart from the User row, so no listing or document read can reach them.
AUTH = TableSpec(
    "__auth",
    (ColumnSpec("name", "varchar", 140, primary_key=True),
     ColumnSpec("password", "text")),
)

SYSTEM_TABLES: tuple[TableSpec, ...] = (SERIES, AUTH)

__all__ = ["SYSTEM_TABLES", "IndexSpec"]
