"""A1, A2, A6: password login and logout, answering alike for every kind of failure (S10)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from maju import errors
from maju.auth import cookies
from maju.auth.backend import cookie_options
from maju.auth.lockout import count_attempt, forgive, lockout_keys
from maju.auth.passwords import hashing_slots, stored_hash, verify_password
from maju.auth.sessions import create_session, delete_session
from maju.context import Context
from maju.db.connection import Connection
from maju.reply import Reply
from maju.site import Site
from maju.whitelisting import whitelist

MAX_PASSWORD_LENGTH = 512
INVALID = "Invalid login credentials"


def login_failure(message: str) -> errors.AuthenticationError:
    """A2: 401 with the text also under `message`."""
    return errors.AuthenticationError(message, extra={"message": message})


async def find_user(conn: Connection, usr: str) -> dict[str, Any] | None:
    """The User row whose name is `usr`, else whose email matches it ignoring case."""
    q = conn.dialect.quote
    columns = ", ".join(
        q(c) for c in ("name", "enabled", "full_name", "first_name", "user_type", "user_image")
    )
    row = await conn.fetch_one(
        f"SELECT {columns} FROM {q('tabUser')} WHERE {q('name')} = :usr", {"usr": usr}
    )
    if row is None:
        row = await conn.fetch_one(
            f"SELECT {columns} FROM {q('tabUser')} "
            f"WHERE {conn.dialect.lower(q('email'))} = :email ORDER BY {q('name')}",
            {"email": usr.strip().lower()},
        )
    return row


@whitelist(methods=("POST",), allow_guest=True)
async def login(
    ctx: Context, site: Site, request: Request, usr: str | None = None, pwd: str | None = None
) -> Reply:
    """A1: sign in with a password; sets the session cookies (A4). Other fields are ignored.

    S12/S14 in order: read the user and hash, hand the connection back, count the attempt in
    its own committed write (429 past the limit), verify in a worker thread holding no
    transaction, then write the session in a short one.
    """
    if not usr or not pwd:
        raise login_failure("Incomplete login details")
    if len(pwd) > MAX_PASSWORD_LENGTH:
        raise login_failure("Password size exceeded the maximum allowed size")
    database = site.db
    # A POST's own transaction would read under SQLite's write lock: read in a read-only one.
    await ctx.db.commit()
    async with database.transaction(read_only=True) as conn:
        user = await find_user(conn, usr)
        # An unknown name is counted under its own spelling, so lockout looks the same (S10).
        name = str(user["name"]) if user is not None else usr.strip().lower()
        password_hash = await stored_hash(conn, name)  # asked for unknown names too (S10)
    keys = lockout_keys(name, ctx.client_ip)
    await count_attempt(database, ctx.config.auth, keys)
    # Unknown users still pay for one argon2 verify: timing does not tell them apart (S10).
    valid = await verify_password(password_hash, pwd, hashing_slots(site))
    if not valid or user is None or not user["enabled"] or name == "Guest":
        raise login_failure(INVALID)  # the attempt stays counted (A13)
    await forgive(ctx.db, keys)
    if ctx.session is not None:
        await delete_session(ctx.db, ctx.session.sid)
    return await start_session(ctx, site.secret_key, cookie_options(request, ctx.config), user)


async def start_session(
    ctx: Context, secret_key: str, options: cookies.CookieOptions, user: dict[str, Any]
) -> Reply:
    """A3/A4: a new session row, the five cookies, and A1's body."""
    lifetime = ctx.config.auth.session_expiry_hours * 3600
    session = await create_session(ctx.db, str(user["name"]), lifetime)
    full_name = str(user["full_name"] or user["first_name"] or user["name"])
    system_user = (user["user_type"] or "System User") == "System User"
    who = cookies.UserCookies(
        str(user["name"]), full_name, system_user, str(user["user_image"] or "")
    )
    if system_user:
        body = {"message": "Logged In", "home_page": "/app", "full_name": full_name}
    else:
        body = {"message": "No App", "home_page": "/me", "full_name": full_name}
    # A fresh login replaces whatever a stale cookie asked for (A5): its cookies and its flag.
    new_cookies = cookies.session_cookies(secret_key, session.sid, lifetime, who, options)
    return Reply(body, cookies=tuple(new_cookies), signed_in=True)


@whitelist(methods=("GET", "POST"), allow_guest=True)
async def logout(ctx: Context, request: Request) -> Reply:
    """A6: end the server-side session and delete the five cookies; safe for Guest."""
    body = {"message": "No App", "home_page": "/", "full_name": "Guest"}
    deleted = tuple(cookies.deleted_cookies(cookie_options(request, ctx.config)))
    session = ctx.session
    if session is None:
        return Reply(body, cookies=deleted)

    async def end(conn: Connection) -> None:
        await delete_session(conn, session.sid)

    # Its own transaction: a GET's is read-only, and the session must end either way.
    return Reply(body, cookies=deleted, side_writes=(end,))
