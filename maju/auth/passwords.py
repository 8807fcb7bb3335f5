"""argon2id password hashing, run in a worker thread: one hash costs ~100 ms of CPU.

S12: a request hashes or verifies only while it holds no database transaction (read the hash,
`commit()`, verify, then write), so a burst of logins neither blocks the event loop nor holds a
pooled connection or SQLite's write lock while argon2 runs.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool

from maju.db.connection import Connection

if TYPE_CHECKING:
    from maju.site import Site

_hasher = PasswordHasher()  # stateless: parameters only
_SLOTS = "password_hashing_slots"


def hashing_slots(site: Site) -> asyncio.Semaphore:
    """The worker's argon2 slots, one per CPU (made on first use, in the serving loop).

    A burst of logins then queues here rather than running 30 hashes at once, which crowded
    the event loop and the database threads off the CPUs (and took 64 MiB each): the logins
    finish no later in total, and every other request keeps its share of the machine (S12).
    """
    slots = site.extensions.get(_SLOTS)
    if not isinstance(slots, asyncio.Semaphore):
        slots = site.extensions[_SLOTS] = asyncio.Semaphore(os.cpu_count() or 1)
    return slots


def _slot(slots: asyncio.Semaphore | None) -> AbstractAsyncContextManager[object]:
    return slots if slots is not None else nullcontext()


async def hash_password(password: str, slots: asyncio.Semaphore | None = None) -> str:
    async with _slot(slots):
        return await run_in_threadpool(_hasher.hash, password)


async def verify_password(
    password_hash: str | None, password: str, slots: asyncio.Semaphore | None = None
) -> bool:
    """Whether `password` matches; a missing hash costs one verify too, so timing does not
    tell unknown users or users without a password apart (S10)."""

    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    async with _slot(slots):
        return await run_in_threadpool(verify)


async def stored_hash(conn: Connection, user: str) -> str | None:
    stored = await conn.fetch_value(
        'SELECT "password" FROM "__auth" WHERE "name" = :name', {"name": user}
    )
    return str(stored) if stored else None


async def store_hash(conn: Connection, user: str, password_hash: str) -> None:
    await conn.execute(
        conn.dialect.upsert("__auth", ["name", "password"], ["name"], ["password"]),
        {"name": user, "password": password_hash},
    )


async def set_password(conn: Connection, user: str, password: str) -> None:
    """Hash and store in one go: for the command line, which holds no one else up. Requests
    hash first and store in a short transaction (S12)."""
    await store_hash(conn, user, await hash_password(password))


async def check_password(conn: Connection, user: str, password: str) -> bool:
    """Read and verify in one go: for the command line and tests (see set_password)."""
    return await verify_password(await stored_hash(conn, user), password)


_DUMMY_HASH = _hasher.hash("maju-dummy-password")
