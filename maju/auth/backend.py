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
from maju.context import ResponseEffects
from maju.db.connection import Connection


@dataclass(frozen=True, slots=True)
class Identity:
    user: str
    roles: frozenset[str]
    method: str  # "guest", "token", "session" or "bearer"
    session: Session | None = None


GUEST = Identity("Guest", frozenset({"Guest"}), "guest")
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
    request: Request, conn: Connection, config: Config, secret_key: str, effects: ResponseEffects
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
        _expire(request, config, effects, sid)
        return GUEST
    lifetime = config.auth.session_expiry_hours * 3600
    if session.needs_touch(time.time()):

        async def slide(side: Connection) -> None:
            await touch_session(side, session.sid, lifetime)

        effects.side_writes.append(slide)
        effects.cookies.append(
            cookies.sid_cookie(secret_key, session.sid, lifetime, cookie_options(request, config))
        )
    return Identity(session.user, await user_roles(conn, session.user), "session", session)


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


def _expire(request: Request, config: Config, effects: ResponseEffects, sid: str | None) -> None:
    """A5: flag the body, delete the five cookies, drop the dead row; the caller is Guest."""
    effects.body["session_expired"] = 1
    effects.cookies.extend(cookies.deleted_cookies(cookie_options(request, config)))
    if sid is not None:

        async def drop(side: Connection) -> None:
            await delete_session(side, sid)

        effects.side_writes.append(drop)
