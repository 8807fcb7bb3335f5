"""Lookups on File rows the file rules need: duplicates (F4), users of a URL (F10, F12).

Column names are checked against the File DocType and quoted by the dialect; every value is
a bound parameter (S1).
"""

from __future__ import annotations

from typing import Any

from maju.db.connection import Connection
from maju.doctype.meta import DocTypeMeta
from maju.files.paths import PRIVATE_PREFIX, PUBLIC_PREFIX

FILE = "File"
# Enough rows to find a duplicate whose bytes are still on disk, without reading them all.
_DUPLICATE_ROWS = 5


def _column(conn: Connection, meta: DocTypeMeta, column: str) -> str:
    if meta.fieldtype_of(column) is None:
        raise KeyError(f"{meta.name} has no column {column}")
    return conn.dialect.quote(column)


async def duplicate_urls(
    conn: Connection, meta: DocTypeMeta, content_hash: str, is_private: bool
) -> list[str]:
    """F4: local URLs of stored files with this content and privacy, oldest first."""

    def c(column: str) -> str:
        return _column(conn, meta, column)

    rows = await conn.fetch_all(
        f"SELECT {c('file_url')} AS url FROM {conn.dialect.quote(meta.table_name)} "
        f"WHERE {c('content_hash')} = :hash AND {c('is_private')} = :private "
        f"AND {c('is_folder')} = 0 AND {c('file_url')} LIKE :prefix "
        f"ORDER BY {c('creation')} LIMIT {_DUPLICATE_ROWS}",
        {
            "hash": content_hash,
            "private": int(is_private),
            "prefix": (PRIVATE_PREFIX if is_private else PUBLIC_PREFIX) + "%",
        },
    )
    return [str(row["url"]) for row in rows]


async def url_in_use(conn: Connection, meta: DocTypeMeta, url: str) -> bool:
    """F10: whether any File row still points at `url`."""
    found = await conn.fetch_value(
        f"SELECT 1 FROM {conn.dialect.quote(meta.table_name)} "
        f"WHERE {_column(conn, meta, 'file_url')} = :url LIMIT 1",
        {"url": url},
    )
    return found is not None


async def rows_for_url(conn: Connection, meta: DocTypeMeta, url: str) -> list[dict[str, Any]]:
    """F12: every File row serving `url`, with what a read check needs."""
    columns = (
        "name",
        "owner",
        "file_size",
        "content_hash",
        "attached_to_doctype",
        "attached_to_name",
    )
    select = ", ".join(_column(conn, meta, column) for column in columns)
    return await conn.fetch_all(
        f"SELECT {select} FROM {conn.dialect.quote(meta.table_name)} "
        f"WHERE {_column(conn, meta, 'file_url')} = :url ORDER BY "
        f"{_column(conn, meta, 'creation')}",
        {"url": url},
    )
