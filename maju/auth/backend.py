"""Decide who is calling (A9): the Authorization header, else the session cookie, else Guest."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

from starlette.requests import Request

from maju import errors
from maju.auth import cookies
from maju.auth.bearer import user_for_bearer
from maju.auth.client_ip import resolve_peer
from maju.auth.keys import key_owner
from maju.auth.sessions import Session, delete_session, load_session, touch_session
from maju.auth.users import user_roles, with_implicit_roles
from maju.config import Config
from maju.db.connection import Connection
from maju.reply import SideWrite


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling, and what authenticating them adds to whatever answer the request gets.

    The cookie and the bookkeeping belong to every answer, success or error: a stale cookie is
    deleted (A5) and a sliding session refreshed (A3) even when the handler then fails.
    """

    user: str
    roles: frozenset[str]
    method: str  # "guest", "token", "session" or "bearer"
    session: Session | None = None
    # Complete `Set-Cookie` values: A3's refreshed `sid`, or A5's five deletions.
    cookies: tuple[str, ...] = ()
    # A5: `"session_expired": 1` goes into the body of the answer.
    session_expired: bool = False
    # A3's expiry slide, A5's removal of the dead row (maju.reply.SideWrite).
    side_writes: tuple[SideWrite, ...] = ()


_GUEST_FIELDS = ("Guest", frozenset({"Guest"}), "guest")
GUEST = Identity(*_GUEST_FIELDS)
_INVALID = "Invalid authorization header"


def parse_key_pair(header: str) -> tuple[str, str]:
    """`token key:secret` or `Basic base64(key:secret)` (scheme case-insensitive), else 401."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    scheme = scheme.lower()
    if scheme == "basic":
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise errors.AuthenticationError(_INVALID) from exc
    elif scheme != "token":
        raise errors.AuthenticationError(_INVALID)
    key, sep, secret = value.partition(":")
    if not sep or not key or not secret or "\x00" in value:  # A7; NUL never reaches SQL
        raise errors.AuthenticationError(_INVALID)
    return key, secret


def cookie_options(request: Request, config: Config) -> cookies.CookieOptions:
    """A4: cookies are `Secure` when the client reached us over https (C5)."""
    peer = resolve_peer(request.scope, config.proxy.trusted_proxies)
    return cookies.CookieOptions(secure=peer.scheme == "https")


async def authenticate(
    request: Request, conn: Connection, config: Config, secret_key: str
) -> Identity:
    """A9: a present Authorization header decides alone (invalid: 401, even beside a valid
    cookie); else the `sid` cookie; else Guest. A `sid` parameter is never a session."""
    header = request.headers.get("authorization")
    if header is not None:
        return await _from_header(header, conn)
    value = request.cookies.get(cookies.SID)
    if value is None:
        return GUEST
    sid = cookies.unsign_sid(secret_key, value)
    session = await load_session(conn, sid) if sid else None
    if session is None:
        return _expired(request, config, sid)
    roles = await user_roles(conn, session.user)
    lifetime = config.auth.session_expiry_hours * 3600
    if not session.needs_touch(time.time()):
        return Identity(session.user, roles, "session", session)

    async def slide(side: Connection) -> None:
        await touch_session(side, session.sid, lifetime)

    refreshed = cookies.sid_cookie(
        secret_key, session.sid, lifetime, cookie_options(request, config)
    )
    return Identity(
        session.user, roles, "session", session, cookies=(refreshed,), side_writes=(slide,)
    )


async def _from_header(header: str, conn: Connection) -> Identity:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        token = await user_for_bearer(conn, value.strip()) if value.strip() else None
        if token is None:
            raise errors.AuthenticationError("Invalid or expired access token")
        return Identity(token.user, await user_roles(conn, token.user), "bearer")
    key, secret = parse_key_pair(header)
    owner = await key_owner(conn, key, secret)
    if owner is None:
        raise errors.AuthenticationError("Invalid API key or secret")
    user, roles = owner
    return Identity(user, with_implicit_roles(roles), "token")


def _expired(request: Request, config: Config, sid: str | None) -> Identity:
    """A5: a Guest whose answer is flagged, deletes the five cookies and drops the dead row."""
    deleted = tuple(cookies.deleted_cookies(cookie_options(request, config)))
    if sid is None:
        return Identity(*_GUEST_FIELDS, cookies=deleted, session_expired=True)

    async def drop(side: Connection) -> None:
        await delete_session(side, sid)

    return Identity(*_GUEST_FIELDS, cookies=deleted, session_expired=True, side_writes=(drop,))
