"""A13: failed-login counters per user and per client IP, in the database (shared by workers).

S14: each attempt is counted before its password is checked, in one atomic step of its own
(`counters.admit`), and a right password takes its count back; so a burst of parallel attempts
gets at most `login_max_attempts` password checks, and only failures stay counted.
"""

from __future__ import annotations

from maju import errors
from maju.auth import counters
from maju.config import AuthConfig
from maju.db.connection import Connection, Database

_TABLE = "__login_failures"


def lockout_keys(user: str, ip: str) -> list[str]:
    return [f"user:{user}", f"ip:{ip}"]


async def count_attempt(db: Database, config: AuthConfig, keys: list[str]) -> None:
    """Count one attempt on each key in its own committed write; 429 (not counted) while any
    key already has `login_max_attempts` in its window.

    The window starts at the first failure (as Frappe's tracker) and lasts
    `login_lock_seconds`; while it is locked even a correct password is refused. Call it
    holding no transaction of this task's own (SQLite has one writer).
    """
    async with db.transaction(read_only=False) as conn:
        wait = await counters.admit(
            conn, _TABLE, keys, config.login_max_attempts, config.login_lock_seconds
        )
    if wait:
        raise errors.TooManyRequestsError(
            f"Your account has been locked and will resume after {wait} seconds",
            headers={"Retry-After": str(wait)},
        )


async def forgive(conn: Connection, keys: list[str]) -> None:
    """A13 after a right password: the user's counter is cleared, and the attempt no longer
    counts against the client IP (whose earlier failures keep counting)."""
    user_key, ip_key = keys
    await counters.settle(conn, _TABLE, {user_key: None, ip_key: 1})


async def clear_user(conn: Connection, user: str) -> None:
    """A13: a new password clears the user's counter (the IP's keeps counting)."""
    await counters.settle(conn, _TABLE, {lockout_keys(user, "")[0]: None})
