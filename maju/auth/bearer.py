"""A14: `Authorization: Bearer <access_token>` against the OAuth token table (hashes only)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from maju.db.connection import Connection

_TABLE = "__oauth_tokens"


def hash_token(token: str) -> str:
    """O7: tokens are stored only as SHA-256 hashes; the lookup is by hash, so no timing leak."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class BearerToken:
    user: str
    client: str
    scopes: tuple[str, ...]
    expires: float


async def user_for_bearer(conn: Connection, token: str) -> BearerToken | None:
    """The live token's grant when it exists, is neither revoked nor expired, and its user is
    enabled; else None."""
    q = conn.dialect.quote
    row = await conn.fetch_one(
        f"SELECT t.{q('user')}, t.{q('client')}, t.{q('scopes')}, t.{q('expires')}, "
        f"t.{q('revoked')}, u.{q('enabled')} FROM {q(_TABLE)} t "
        f"LEFT JOIN {q('tabUser')} u ON u.{q('name')} = t.{q('user')} "
        f"WHERE t.{q('token_hash')} = :hash",
        {"hash": hash_token(token)},
    )
    if row is None or row["revoked"] or not row["enabled"]:
        return None
    if float(row["expires"]) <= time.time():
        return None
    return BearerToken(
        str(row["user"]),
        str(row["client"] or ""),
        tuple(str(row["scopes"] or "").split()),
        float(row["expires"]),
    )


async def store_access_token(
    conn: Connection, token: str, user: str, client: str, scopes: tuple[str, ...], lifetime: int
) -> None:
    """Record an issued access token (the OAuth provider calls this; tests too)."""
    now = time.time()
    q = conn.dialect.quote
    await conn.execute(
        f"INSERT INTO {q(_TABLE)} ({q('token_hash')}, {q('user')}, {q('client')}, "
        f"{q('scopes')}, {q('created')}, {q('expires')}, {q('revoked')}) "
        f"VALUES (:hash, :user, :client, :scopes, :now, :expires, 0)",
        {
            "hash": hash_token(token),
            "user": user,
            "client": client,
            "scopes": " ".join(scopes),
            "now": now,
            "expires": now + lifetime,
        },
    )


async def revoke_access_token(conn: Connection, token: str) -> None:
    q = conn.dialect.quote
    await conn.execute(
        f"UPDATE {q(_TABLE)} SET {q('revoked')} = 1 WHERE {q('token_hash')} = :h",
        {"h": hash_token(token)},
    )
