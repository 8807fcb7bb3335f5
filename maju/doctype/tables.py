"""The table each DocType needs (D1, D6): standard columns, one per data field, and indexes.

Built from the DocType metadata beside it; maju.db.migrate only compares specs with the
database and adds what is missing.
"""

from __future__ import annotations

from maju.db.schema import ColumnSpec, IndexSpec, TableSpec
from maju.db.system_tables import SYSTEM_TABLES
from maju.doctype.fields import NUMERIC_TYPES, storage_kind
from maju.doctype.meta import DocTypeMeta
from maju.doctype.registry import Registry


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


def site_tables(registry: Registry) -> list[TableSpec]:
    """Every table the site needs: maju's own, then one per DocType (Single ones have none)."""
    return [*SYSTEM_TABLES, *(doctype_table(m) for m in registry if not m.issingle)]
