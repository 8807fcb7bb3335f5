"""argon2id password hashing, run in a worker thread: one hash costs ~100 ms of CPU."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool

from maju.db.connection import Connection

_hasher = PasswordHasher()  # stateless: parameters only


async def hash_password(password: str) -> str:
    return await run_in_threadpool(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await run_in_threadpool(verify)


async def set_password(conn: Connection, user: str, password: str) -> None:
    hashed = await hash_password(password)
    await conn.execute(
        conn.dialect.upsert("__auth", ["name", "password"], ["name"], ["password"]),
        {"name": user, "password": hashed},
    )


async def check_password(conn: Connection, user: str, password: str) -> bool:
    stored = await conn.fetch_value(
        'SELECT "password" FROM "__auth" WHERE "name" = :name', {"name": user}
    )
    if not stored:
        # Same cost as a real check, so timing does not reveal unknown users (S10).
        await verify_password(_DUMMY_HASH, password)
        return False
    return await verify_password(str(stored), password)


_DUMMY_HASH = _hasher.hash("maju-dummy-password")
