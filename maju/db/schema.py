"""Table specs: what a DocType (or one of maju's own system tables) needs in the database."""

from __future__ import annotations

from dataclasses import dataclass

from maju.db.dialect import Dialect, StorageKind
from maju.doctype.fields import NUMERIC_TYPES, storage_kind
from maju.doctype.meta import DocTypeMeta


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


def _index_name(table: str, columns: tuple[str, ...], unique: bool = False) -> str:
    # Index names are schema-wide on PostgreSQL, so they carry the table name.
    slug = table.lower().replace(" ", "_")
    return f"{'uq' if unique else 'ix'}_{slug}_{'_'.join(columns)}"[:63]


def doctype_table(meta: DocTypeMeta) -> TableSpec:
    """The table of a DocType: D1's standard columns, then one column per data field."""
    auto = meta.autoname == "autoincrement"
    columns: list[ColumnSpec] = [
        ColumnSpec("name", "bigint", autoincrement=True)
        if auto
        else ColumnSpec("name", "varchar", length=140, primary_key=True),
        ColumnSpec("owner", "varchar", 140),
        ColumnSpec("creation", "datetime"),
        ColumnSpec("modified", "datetime"),
        ColumnSpec("modified_by", "varchar", 140),
        ColumnSpec("docstatus", "int", not_null_zero=True),
        ColumnSpec("idx", "int", not_null_zero=True),
    ]
    if meta.istable:
        columns += [
            ColumnSpec("parent", "varchar", 140),
            ColumnSpec("parentfield", "varchar", 140),
            ColumnSpec("parenttype", "varchar", 140),
        ]
    for f in meta.data_fields:
        columns.append(
            ColumnSpec(
                f.fieldname,
                storage_kind(f),
                max(f.length, 1),
                not_null_zero=f.fieldtype in NUMERIC_TYPES,
            )
        )
    table = meta.table_name
    wanted: list[tuple[tuple[str, ...], bool]] = [(("modified",), False), (("creation",), False)]
    if meta.sort_field not in ("modified", "creation", "name"):
        wanted.append(((meta.sort_field,), False))
    if meta.istable:
        wanted.append((("parent",), False))
    for f in meta.data_fields:
        if f.unique:
            wanted.append(((f.fieldname,), True))
        if f.search_index:
            # Serves "filter on this field, default sort" from the index alone.
            wanted.append(((f.fieldname, meta.sort_field), False))
    indexes = tuple(
        IndexSpec(_index_name(table, cols, unique), cols, unique)
        for cols, unique in dict.fromkeys(wanted)
    )
    return TableSpec(table, tuple(columns), indexes)
