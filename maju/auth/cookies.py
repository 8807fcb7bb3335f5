"""A4/A5: the signed `sid` cookie and the four informational cookies, set and deleted."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote

from itsdangerous import BadSignature, Signer

SID = "sid"
COOKIE_NAMES = ("sid", "system_user", "full_name", "user_id", "user_image")
_SALT = "maju.session"


def sign_sid(secret_key: str, sid: str) -> str:
    """S5: the cookie carries the id signed with `site.secret_key`; a forged id fails A5."""
    return Signer(secret_key, salt=_SALT).sign(sid).decode("ascii")


def unsign_sid(secret_key: str, value: str) -> str | None:
    """The session id inside a cookie value, or None when the signature does not hold."""
    try:
        return Signer(secret_key, salt=_SALT).unsign(value).decode("ascii")
    except (BadSignature, UnicodeError):
        return None


@dataclass(frozen=True, slots=True)
class CookieOptions:
    secure: bool  # A4: `Secure` when the client reached us over https (C5)


# Werkzeug's (so Frappe's) set of characters sent unquoted; `ann@example.com` stays bare.
_NO_QUOTE = re.compile(r"[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]*", re.ASCII)


def _cookie_value(value: str) -> str:
    if _NO_QUOTE.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if 32 <= ord(c) < 127 else quote(c) for c in escaped) + '"'


def set_cookie_header(
    name: str, value: str, max_age: int, options: CookieOptions, httponly: bool = False
) -> str:
    """One `Set-Cookie` value with A4's attributes; `max_age=0` deletes the cookie (A5)."""
    expires = formatdate(time.time() + max_age if max_age else 0, usegmt=True)
    parts = [
        f"{name}={_cookie_value(value)}",
        f"Max-Age={max_age}",
        f"Expires={expires}",
        "Path=/",
        "SameSite=Lax",
    ]
    if options.secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class UserCookies:
    """What A4's informational cookies say about the signed-in user."""

    user: str
    full_name: str
    system_user: bool
    user_image: str


def session_cookies(
    secret_key: str, sid: str, lifetime: int, who: UserCookies, options: CookieOptions
) -> list[str]:
    """A4: the five cookies a login sets; all live as long as the session."""
    return [
        sid_cookie(secret_key, sid, lifetime, options),
        set_cookie_header("system_user", "yes" if who.system_user else "no", lifetime, options),
        set_cookie_header("full_name", who.full_name, lifetime, options),
        set_cookie_header("user_id", who.user, lifetime, options),
        set_cookie_header("user_image", quote(who.user_image or "", safe=""), lifetime, options),
    ]


def sid_cookie(secret_key: str, sid: str, lifetime: int, options: CookieOptions) -> str:
    """A3: the `sid` cookie alone, re-sent with a fresh lifetime when the expiry slides."""
    return set_cookie_header(SID, sign_sid(secret_key, sid), lifetime, options, httponly=True)


def deleted_cookies(options: CookieOptions) -> list[str]:
    """A5/A6: expire all five cookies (empty value, `Max-Age=0`)."""
    return [set_cookie_header(name, "", 0, options, httponly=name == SID) for name in COOKIE_NAMES]
