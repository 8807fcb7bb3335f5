"""Row I/O for DocType tables: the SQL every document operation is built from.

Values reaching these functions are already coerced by field type; names of tables and
columns come from DocTypeMeta and are quoted by the dialect (S1).
"""

from __future__ import annotations

from typing import Any

from maju.db.connection import Connection
from maju.doctype.meta import DocTypeMeta


def _columns(meta: DocTypeMeta) -> list[str]:
    return [*meta.standard_columns, *(f.fieldname for f in meta.data_fields)]


def select_list(meta: DocTypeMeta, conn: Connection) -> str:
    return ", ".join(conn.dialect.quote(c) for c in _columns(meta))


async def insert_row(conn: Connection, meta: DocTypeMeta, values: dict[str, Any]) -> Any:
    """Insert one row; returns its name (the generated integer for autoincrement DocTypes)."""
    q = conn.dialect.quote
    known = set(_columns(meta))
    cols = [c for c in values if c in known]
    params = {f"v{i}": values[c] for i, c in enumerate(cols)}
    sql = (
        f"INSERT INTO {q(meta.table_name)} ({', '.join(q(c) for c in cols)}) "
        f"VALUES ({', '.join(f':v{i}' for i in range(len(cols)))}) RETURNING {q('name')}"
    )
    return await conn.fetch_value(sql, params)


async def update_row(conn: Connection, meta: DocTypeMeta, name: Any, values: dict[str, Any]) -> int:
    q = conn.dialect.quote
    known = set(_columns(meta))
    cols = [c for c in values if c in known and c != "name"]
    if not cols:
        return 0
    params: dict[str, Any] = {f"v{i}": values[c] for i, c in enumerate(cols)}
    params["name"] = name
    sets = ", ".join(f"{q(c)} = :v{i}" for i, c in enumerate(cols))
    return await conn.execute(
        f"UPDATE {q(meta.table_name)} SET {sets} WHERE {q('name')} = :name", params
    )


async def load_row(
    conn: Connection, meta: DocTypeMeta, name: Any, for_update: bool = False
) -> dict[str, Any] | None:
    q = conn.dialect.quote
    lock = conn.dialect.for_update() if for_update else ""
    return await conn.fetch_one(
        f"SELECT {select_list(meta, conn)} FROM {q(meta.table_name)} "
        f"WHERE {q('name')} = :name{lock}",
        {"name": name},
    )


async def load_children(
    conn: Connection, child: DocTypeMeta, parent: Any, parenttype: str, parentfield: str
) -> list[dict[str, Any]]:
    q = conn.dialect.quote
    return await conn.fetch_all(
        f"SELECT {select_list(child, conn)} FROM {q(child.table_name)} "
        f"WHERE {q('parent')} = :parent AND {q('parenttype')} = :parenttype "
        f"AND {q('parentfield')} = :parentfield ORDER BY {q('idx')}",
        {"parent": str(parent), "parenttype": parenttype, "parentfield": parentfield},
    )


async def delete_row(conn: Connection, meta: DocTypeMeta, name: Any) -> int:
    q = conn.dialect.quote
    return await conn.execute(
        f"DELETE FROM {q(meta.table_name)} WHERE {q('name')} = :name", {"name": name}
    )


async def delete_children(
    conn: Connection,
    child: DocTypeMeta,
    parent: Any,
    parenttype: str,
    parentfield: str | None = None,
) -> int:
    q = conn.dialect.quote
    params: dict[str, Any] = {"parent": str(parent), "parenttype": parenttype}
    sql = (
        f"DELETE FROM {q(child.table_name)} WHERE {q('parent')} = :parent "
        f"AND {q('parenttype')} = :parenttype"
    )
    if parentfield is not None:
        sql += f" AND {q('parentfield')} = :parentfield"
        params["parentfield"] = parentfield
    return await conn.execute(sql, params)


async def exists(conn: Connection, meta: DocTypeMeta, name: Any) -> bool:
    q = conn.dialect.quote
    found = await conn.fetch_value(
        f"SELECT 1 FROM {q(meta.table_name)} WHERE {q('name')} = :name", {"name": name}
    )
    return found is not None


async def value_taken(
    conn: Connection, meta: DocTypeMeta, column: str, value: Any, exclude_name: Any = None
) -> bool:
    """Whether another row holds `value` in `column` (D4 unique)."""
    q = conn.dialect.quote
    params: dict[str, Any] = {"value": value}
    sql = f"SELECT 1 FROM {q(meta.table_name)} WHERE {q(column)} = :value"
    if exclude_name is not None:
        sql += f" AND {q('name')} <> :name"
        params["name"] = exclude_name
    return await conn.fetch_value(sql + " LIMIT 1", params) is not None


async def first_referrer(
    conn: Connection,
    meta: DocTypeMeta,
    column: str,
    value: str,
    *,
    type_column: str | None = None,
    doctype: str = "",
    exclude_name: Any = None,
) -> dict[str, Any] | None:
    """The first row of `meta` whose `column` holds `value` (D17's LinkExistsError).

    `type_column` narrows a Dynamic Link to rows naming `doctype`. `exclude_name` leaves out the
    document itself (a row of `meta` named so, or a child row of it).
    """
    q = conn.dialect.quote
    params: dict[str, Any] = {"value": value}
    columns = [q("name")] + ([q("parent"), q("parenttype")] if meta.istable else [])
    sql = f"SELECT {', '.join(columns)} FROM {q(meta.table_name)} WHERE {q(column)} = :value"
    if type_column is not None:
        sql += f" AND {q(type_column)} = :doctype"
        params["doctype"] = doctype
    if exclude_name is not None and meta.istable:
        params.update({"self": str(exclude_name), "self_type": doctype})
        sql += f" AND NOT ({q('parent')} = :self AND {q('parenttype')} = :self_type)"
    elif exclude_name is not None and meta.name == doctype:
        params["self"] = exclude_name
        sql += f" AND {q('name')} <> :self"
    return await conn.fetch_one(sql + " LIMIT 1", params)


async def replace_value(
    conn: Connection,
    meta: DocTypeMeta,
    column: str,
    old: Any,
    new: Any,
    *,
    type_column: str | None = None,
    doctype: str = "",
) -> int:
    """Point every `column` holding `old` at `new` (renaming, M10's rename_doc)."""
    q = conn.dialect.quote
    params: dict[str, Any] = {"old": old, "new": new}
    sql = f"UPDATE {q(meta.table_name)} SET {q(column)} = :new WHERE {q(column)} = :old"
    if type_column is not None:
        sql += f" AND {q(type_column)} = :doctype"
        params["doctype"] = doctype
    return await conn.execute(sql, params)


async def update_children(
    conn: Connection, child: DocTypeMeta, parent: Any, parenttype: str, values: dict[str, Any]
) -> int:
    """Set the same `values` on every child row of one parent (docstatus follows the parent)."""
    q = conn.dialect.quote
    params: dict[str, Any] = {f"v{i}": v for i, v in enumerate(values.values())}
    params.update({"parent": str(parent), "parenttype": parenttype})
    sets = ", ".join(f"{q(c)} = :v{i}" for i, c in enumerate(values))
    return await conn.execute(
        f"UPDATE {q(child.table_name)} SET {sets} WHERE {q('parent')} = :parent "
        f"AND {q('parenttype')} = :parenttype",
        params,
    )
