"""A13: failed-login counters per user and per client IP, in the database (shared by workers)."""

from __future__ import annotations

from maju import errors
from maju.auth import counters
from maju.config import AuthConfig
from maju.db.connection import Connection

_TABLE = "__login_failures"


def lockout_keys(user: str, ip: str) -> list[str]:
    return [f"user:{user}", f"ip:{ip}"]


async def check_lockout(conn: Connection, config: AuthConfig, keys: list[str]) -> None:
    """Raise 429 while any key has `login_max_attempts` failures in its current window.

    The window starts at the first failure (as Frappe's tracker) and lasts
    `login_lock_seconds`; while it is locked even a correct password is refused.
    """
    wait = await counters.seconds_blocked(conn, _TABLE, keys, config.login_max_attempts)
    if wait:
        raise errors.TooManyRequestsError(
            f"Your account has been locked and will resume after {wait} seconds",
            headers={"Retry-After": str(wait)},
        )


async def record_failure(conn: Connection, config: AuthConfig, keys: list[str]) -> None:
    for key in keys:
        await counters.add_hit(conn, _TABLE, key, config.login_lock_seconds)


async def clear_user(conn: Connection, user: str) -> None:
    """A13: a successful login clears the user's counter (the IP's keeps counting)."""
    await counters.clear(conn, _TABLE, lockout_keys(user, "")[0])
