"""Table specs: the columns and indexes a table needs, and the DDL each dialect writes for them.

What goes into a DocType's spec is the DocType's business (maju.doctype.tables); maju's own
tables are declared in maju.db.system_tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from maju.db.dialect import Dialect, StorageKind


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    kind: StorageKind
    length: int = 140
    not_null_zero: bool = False  # numeric and Check columns are NOT NULL DEFAULT 0 (D6)
    primary_key: bool = False
    autoincrement: bool = False

    def ddl(self, dialect: Dialect) -> str:
        q = dialect.quote(self.name)
        if self.autoincrement:
            return f"{q} {dialect.autoincrement_primary_key()}"
        sql = f"{q} {dialect.column_type(self.kind, self.length)}"
        if self.primary_key:
            sql += " NOT NULL PRIMARY KEY"
        elif self.not_null_zero:
            sql += " NOT NULL DEFAULT 0"
        return sql


@dataclass(frozen=True, slots=True)
class IndexSpec:
    name: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    indexes: tuple[IndexSpec, ...] = ()

    def create_sql(self, dialect: Dialect) -> str:
        cols = ",\n  ".join(c.ddl(dialect) for c in self.columns)
        return f"CREATE TABLE {dialect.quote(self.name)} (\n  {cols}\n)"

    def add_column_sql(self, column: ColumnSpec, dialect: Dialect) -> str:
        return f"ALTER TABLE {dialect.quote(self.name)} ADD COLUMN {column.ddl(dialect)}"

    def index_sql(self, index: IndexSpec, dialect: Dialect) -> str:
        unique = "UNIQUE " if index.unique else ""
        cols = ", ".join(dialect.quote(c) for c in index.columns)
        return (
            f"CREATE {unique}INDEX IF NOT EXISTS {dialect.quote(index.name)} "
            f"ON {dialect.quote(self.name)} ({cols})"
        )
