"""Naming (D2) and name checks (D3): hash, field, series, format, autoincrement and prompt.

Series counters live in the `__series` table, one row per prefix, advanced by one atomic
upsert inside the request's transaction: PostgreSQL's row lock (and SQLite's single writer)
make a concurrent insert wait for the first to commit, so no two documents get one number,
and a rolled-back insert gives its number back.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import TYPE_CHECKING, Any

from maju import errors
from maju.db.connection import Connection
from maju.doctype import storage
from maju.doctype.meta import DocTypeMeta

if TYPE_CHECKING:
    from maju.doctype.document import Document

HASH_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
HASH_LENGTH = 10
NAME_LENGTH = 140
_HASH_TRIES = 10
_BRACED = re.compile(r"\{([^{}]*)\}")
_DATE_PARTS = {"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d"}


def random_hash() -> str:
    """D2/D11: 10 characters of 0-9a-v (Frappe's alphabet)."""
    return "".join(secrets.choice(HASH_ALPHABET) for _ in range(HASH_LENGTH))


async def set_new_name(doc: Document, requested: Any, created: dt.datetime) -> bool:
    """Give a new top-level document its name by the DocType's `autoname` (D2), checked (D3).

    `requested` is the client's `name` / `__newname`, used only under `prompt`. Autoincrement
    leaves the name to the database. Unknown strategies fall back to `hash`, as Frappe does.
    Returns True when the name was already checked unused (a hash), so insert need not ask again.
    """
    meta = doc.meta
    autoname = meta.autoname
    if autoname == "autoincrement":
        doc.values["name"] = None
        return False
    name: str
    if autoname.lower() == "prompt":
        text = "" if requested is None else str(requested).strip()
        if not text:
            raise errors.ValidationError("Please set the document name")
        name = text
    elif autoname.startswith("field:"):
        name = _from_field(doc, autoname[len("field:") :].strip())
    elif autoname.startswith("naming_series:"):
        name = await from_series(doc.ctx.db, doc, _naming_series(doc), created)
    elif autoname.startswith("format:"):
        name = await from_format(doc.ctx.db, doc, autoname[len("format:") :], created)
    elif "#" in autoname:
        name = await from_series(doc.ctx.db, doc, autoname, created)
    else:
        doc.values["name"] = check_name(meta, await unused_hash(doc.ctx.db, meta))
        return True
    doc.values["name"] = check_name(meta, name)
    return False


def _from_field(doc: Document, fieldname: str) -> str:
    value = doc.values.get(fieldname)
    text = "" if value is None else str(value).strip()
    if not text:
        message = f"Value missing for {doc.meta.name}: {doc.meta.label_of(fieldname)}"
        raise errors.MandatoryError(message)
    return text


def _naming_series(doc: Document) -> str:
    field = doc.meta.get_field("naming_series")
    value = doc.values.get("naming_series")
    if not value and field is not None:
        value = field.default or (field.select_options[0] if field.select_options else None)
        doc.values["naming_series"] = value
    if not value:
        raise errors.MandatoryError(f"Value missing for {doc.meta.name}: Naming Series")
    series = str(value)
    # Frappe appends a five-digit counter to a series that has none.
    return series if "#" in series else series + ".#####"


async def unused_hash(conn: Connection, meta: DocTypeMeta) -> str:
    """A random hash name not yet taken (a clash is retried, D2)."""
    for _ in range(_HASH_TRIES):
        name = random_hash()
        if not await storage.exists(conn, meta, name):
            return name
    raise errors.NameError(f"Could not find a free name for {meta.name}")


async def next_counter(conn: Connection, prefix: str) -> int:
    """Advance the prefix's counter by one and return it, atomically (D2)."""
    q = conn.dialect.quote
    table, current = q("__series"), q("current")
    value = await conn.fetch_value(
        f"INSERT INTO {table} ({q('name')}, {current}) VALUES (:prefix, 1) "
        f"ON CONFLICT ({q('name')}) DO UPDATE SET {current} = {table}.{current} + 1 "
        f"RETURNING {current}",
        {"prefix": prefix},
    )
    return int(value)


def _part(doc: Document, part: str, created: dt.datetime) -> str:
    if part in _DATE_PARTS:
        return created.strftime(_DATE_PARTS[part])
    if doc.meta.get_field(part) is not None:
        value = doc.values.get(part)
        return "" if value is None else str(value)
    return part


async def from_series(conn: Connection, doc: Document, pattern: str, created: dt.datetime) -> str:
    """`PREFIX-.YYYY.-.####`: dot-separated parts; the first `#` run is the counter, keyed by
    everything before it (so each year gets its own sequence)."""
    name = ""
    counted = False
    for piece in pattern.split("."):
        # `TD-####` (no dot before the hashes) is read as `TD-.####`.
        literal, hashes, rest = re.match(r"^([^#]*)(#*)(.*)$", piece).groups()  # type: ignore[union-attr]
        if literal:
            name += _part(doc, literal, created)
        if hashes and not counted:
            counted = True
            name += str(await next_counter(conn, name)).zfill(len(hashes))
        if rest:
            name += _part(doc, rest, created)
    return name


async def from_format(conn: Connection, doc: Document, template: str, created: dt.datetime) -> str:
    """`format:TD-{YYYY}-{####}`: `{fieldname}`, date parts and one counter keyed by the text
    before it (the DocType's name when nothing comes before)."""
    name = ""
    position = 0
    counted = False
    for match in _BRACED.finditer(template):
        name += template[position : match.start()]
        position = match.end()
        param = match.group(1).strip()
        if param and set(param) == {"#"}:
            if not counted:
                counted = True
                key = name or doc.meta.name
                name += str(await next_counter(conn, key)).zfill(len(param))
            continue
        name += _part(doc, param, created)
    return name + template[position:]


def check_name(meta: DocTypeMeta, name: str) -> str:
    """D3: strip; refuse `<`/`>`, the DocType's own name and over-long names."""
    name = name.strip()
    if not name:
        raise errors.ValidationError("Please set the document name")
    if "<" in name or ">" in name:
        raise errors.NameError(f"Name cannot contain special characters like < or >: {name}")
    if name == meta.name and not meta.issingle:
        raise errors.NameError(f"Name of {meta.name} cannot be {name}")
    if len(name) > NAME_LENGTH:
        raise errors.NameError(
            f"Name is too long for {meta.name}: {len(name)} characters, the limit is {NAME_LENGTH}"
        )
    return name


async def check_unused(conn: Connection, meta: DocTypeMeta, name: Any) -> None:
    """D3's 409 for a name that exists (exact, case-sensitive match)."""
    if name is not None and await storage.exists(conn, meta, name):
        raise duplicate(meta, name)


def duplicate(meta: DocTypeMeta, name: Any) -> errors.DuplicateEntryError:
    return errors.DuplicateEntryError(f"{meta.name} {name} already exists", title="Duplicate Name")
