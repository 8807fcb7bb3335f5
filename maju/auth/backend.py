"""Decide who is calling (A9): the Authorization header, else the session cookie, else Guest."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from starlette.requests import Request

from maju import errors
from maju.auth.keys import user_for_key
from maju.auth.users import user_roles
from maju.db.connection import Connection


@dataclass(frozen=True, slots=True)
class Identity:
    user: str
    roles: frozenset[str]
    method: str  # "guest", "token", "session" or "bearer"


GUEST = Identity("Guest", frozenset({"Guest"}), "guest")


def parse_key_pair(header: str) -> tuple[str, str]:
    """`token key:secret` or `Basic base64(key:secret)` (scheme case-insensitive), else 401."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    scheme = scheme.lower()
    if scheme == "basic":
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise errors.AuthenticationError("Invalid authorization header") from exc
    elif scheme != "token":
        raise errors.AuthenticationError("Invalid authorization header")
    key, sep, secret = value.partition(":")
    if not sep or not key or not secret:
        raise errors.AuthenticationError("Invalid authorization header")
    return key, secret


async def authenticate(request: Request, conn: Connection) -> Identity:
    header = request.headers.get("authorization")
    if header is None:
        return GUEST
    key, secret = parse_key_pair(header)
    user = await user_for_key(conn, key, secret)
    if user is None:
        raise errors.AuthenticationError("Invalid API key or secret")
    return Identity(user, await user_roles(conn, user), "token")
