"""API key pairs (A7, A11): generate them, store the secret as SHA-256, verify in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from maju import errors
from maju.db.connection import Connection


@dataclass(frozen=True, slots=True)
class KeyPair:
    api_key: str
    api_secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def generate_keys(conn: Connection, user: str) -> KeyPair:
    """Keep the user's key once set, issue a new secret; only this return value shows it.

    The API method and `maju generate-keys` both come here, so both refuse Guest (keys would
    make an anonymous identity that authenticates), an unknown user (404) and a disabled one
    (its keys could never authenticate, A7).
    """
    if user == "Guest":
        raise errors.ValidationError("Guest cannot have API keys")
    q = conn.dialect.quote
    row = await conn.fetch_one(
        f"SELECT {q('api_key')}, {q('enabled')} FROM {q('tabUser')} WHERE {q('name')} = :name",
        {"name": user},
    )
    if row is None:
        raise errors.DoesNotExistError(f"User {user} not found")
    if not row["enabled"]:
        raise errors.ValidationError(f"User {user} is disabled: enable it before issuing API keys")
    api_key = row["api_key"] or secrets.token_hex(8)[:15]
    api_secret = secrets.token_hex(16)
    await conn.execute(
        f"UPDATE {q('tabUser')} SET {q('api_key')} = :key, {q('api_secret')} = :secret "
        f"WHERE {q('name')} = :name",
        {"key": api_key, "secret": hash_secret(api_secret), "name": user},
    )
    return KeyPair(api_key, api_secret)


async def key_owner(
    conn: Connection, api_key: str, api_secret: str
) -> tuple[str, list[str]] | None:
    """The enabled user owning this key pair and their Has Role rows, or None.

    One statement (User LEFT JOIN Has Role) instead of two: authentication runs on every
    request, and each statement is a round trip.
    """
    q = conn.dialect.quote
    rows = await conn.fetch_all(
        f"SELECT u.{q('name')}, u.{q('api_secret')}, u.{q('enabled')}, r.{q('role')} "
        f"FROM {q('tabUser')} u LEFT JOIN {q('tabHas Role')} r "
        f"ON r.{q('parent')} = u.{q('name')} AND r.{q('parenttype')} = 'User' "
        f"WHERE u.{q('api_key')} = :key",
        {"key": api_key},
    )
    row = rows[0] if rows else None
    if row is None or not row["api_secret"]:
        hmac.compare_digest(hash_secret(api_secret), "0" * 64)
        return None
    if not hmac.compare_digest(hash_secret(api_secret), str(row["api_secret"])):
        return None
    if not row["enabled"]:
        return None
    name = row["name"]
    return str(name), [str(r["role"]) for r in rows if r["role"] and r["name"] == name]
