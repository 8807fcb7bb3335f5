"""A3: server-side sessions in the database, shared by every worker, with a sliding expiry."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from maju.db.connection import Connection

# A3: the expiry slides on use, but is written at most once per this many seconds.
TOUCH_INTERVAL = 600.0
_TABLE = "__sessions"


@dataclass(frozen=True, slots=True)
class Session:
    """A live session row; `sid` is the raw id the signed cookie carries (never stored)."""

    sid: str
    user: str
    csrf_token: str
    touched: float
    expires: float

    def needs_touch(self, now: float) -> bool:
        return now - self.touched >= TOUCH_INTERVAL


def _key(sid: str) -> str:
    # The table holds a hash, so reading it (a backup, a stray SELECT) yields no usable cookie.
    return hashlib.sha256(sid.encode("ascii")).hexdigest()


def new_csrf_token() -> str:
    """X3: 56 hex characters."""
    return secrets.token_hex(28)


async def create_session(conn: Connection, user: str, lifetime: int) -> Session:
    """Insert a session for `user`; S5: 256 random bits, and a fresh CSRF token."""
    now = time.time()
    session = Session(secrets.token_urlsafe(32), user, new_csrf_token(), now, now + lifetime)
    q = conn.dialect.quote
    await conn.execute(
        f"INSERT INTO {q(_TABLE)} ({q('id')}, {q('user')}, {q('csrf_token')}, {q('created')}, "
        f"{q('touched')}, {q('expires')}) VALUES (:id, :user, :csrf, :now, :now, :expires)",
        {
            "id": _key(session.sid),
            "user": user,
            "csrf": session.csrf_token,
            "now": now,
            "expires": session.expires,
        },
    )
    # Expired sessions are unreachable: sweep them (indexed by expiry) while writing anyway.
    await conn.execute(f"DELETE FROM {q(_TABLE)} WHERE {q('expires')} <= :now", {"now": now})
    return session


async def load_session(conn: Connection, sid: str) -> Session | None:
    """The live session with this id whose user is enabled, else None (A5)."""
    q = conn.dialect.quote
    row = await conn.fetch_one(
        f"SELECT s.{q('user')}, s.{q('csrf_token')}, s.{q('touched')}, s.{q('expires')}, "
        f"u.{q('enabled')} FROM {q(_TABLE)} s "
        f"LEFT JOIN {q('tabUser')} u ON u.{q('name')} = s.{q('user')} WHERE s.{q('id')} = :id",
        {"id": _key(sid)},
    )
    if row is None or not row["enabled"] or float(row["expires"]) <= time.time():
        return None
    return Session(
        sid, str(row["user"]), str(row["csrf_token"]), float(row["touched"]), float(row["expires"])
    )


async def touch_session(conn: Connection, sid: str, lifetime: int) -> None:
    """A3: slide the expiry to `lifetime` seconds from now."""
    now = time.time()
    q = conn.dialect.quote
    await conn.execute(
        f"UPDATE {q(_TABLE)} SET {q('touched')} = :now, {q('expires')} = :expires "
        f"WHERE {q('id')} = :id",
        {"now": now, "expires": now + lifetime, "id": _key(sid)},
    )


async def delete_session(conn: Connection, sid: str) -> None:
    q = conn.dialect.quote
    await conn.execute(f"DELETE FROM {q(_TABLE)} WHERE {q('id')} = :id", {"id": _key(sid)})


async def delete_user_sessions(conn: Connection, user: str, keep_sid: str | None = None) -> None:
    """End every session of `user` (A12's password change), except `keep_sid` if given."""
    q = conn.dialect.quote
    await conn.execute(
        f"DELETE FROM {q(_TABLE)} WHERE {q('user')} = :user AND {q('id')} != :keep",
        {"user": user, "keep": _key(keep_sid) if keep_sid else ""},
    )
