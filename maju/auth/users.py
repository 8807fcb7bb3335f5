"""Users and roles at the storage level: the site's built-in users and roles, role lookup."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Any

from maju import errors
from maju.auth.passwords import set_password
from maju.db.connection import Connection
from maju.doctype import storage
from maju.doctype.fields import now
from maju.doctype.registry import Registry

BUILTIN_ROLES = ("Administrator", "System Manager", "All", "Guest")
BUILTIN_USERS = {"Administrator": "admin@example.com", "Guest": "guest@example.com"}
# The longest user name: a Data field (and Frappe's name column) holds 140 characters.
MAX_USER_NAME = 140
# Frappe's rule for User emails, which are user names: dot-separated atoms of letters, digits
# and !#$%&'*+/=?^_`{|}~- ; "@"; dot-separated labels of letters, digits and inner hyphens, at
# least two. No blank, control character, quote, "<", ">" or non-ASCII letter can appear.
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+{_LABEL}", re.ASCII | re.IGNORECASE)


def check_user_email(email: Any) -> str:
    """A new user's email, which becomes its name: stripped, else 417 naming the rule.

    Only Administrator and Guest (built in) have other names. An empty or malformed name
    would make an identity that row conditions could confuse with "unset" (P4, P5).
    """
    text = email.strip() if isinstance(email, str) else ""
    if len(text) <= MAX_USER_NAME and _EMAIL.fullmatch(text):
        return text
    shown = repr(text[:60]) + ("..." if len(text) > 60 else "")
    raise errors.ValidationError(
        f"{shown} is not a valid user name: a user name is an email address such as "
        f"ann@example.com, at most {MAX_USER_NAME} characters"
    )


def _standard(name: str, by: str, time_zone: str) -> dict[str, Any]:
    stamp = now(time_zone)
    return {
        "name": name,
        "owner": by,
        "creation": stamp,
        "modified": stamp,
        "modified_by": by,
        "docstatus": 0,
        "idx": 0,
    }


async def ensure_builtins(
    conn: Connection, registry: Registry, time_zone: str = "UTC"
) -> list[str]:
    """Create the four built-in roles and the Administrator and Guest users when missing."""
    made: list[str] = []
    role_meta = registry["Role"]
    for role in BUILTIN_ROLES:
        if not await storage.exists(conn, role_meta, role):
            await storage.insert_row(
                conn,
                role_meta,
                {
                    **_standard(role, "Administrator", time_zone),
                    "role_name": role,
                    "desk_access": 1,
                    "disabled": 0,
                },
            )
            made.append(f"created role {role}")
    for user, email in BUILTIN_USERS.items():
        if not await storage.exists(conn, registry["User"], user):
            roles = ("Administrator",) if user == "Administrator" else ()
            await create_user(
                conn, registry, email, roles=roles, name=user, first_name=user, time_zone=time_zone
            )
            made.append(f"created user {user}")
    return made


async def create_user(
    conn: Connection,
    registry: Registry,
    email: str,
    *,
    roles: tuple[str, ...] = (),
    password: str | None = None,
    name: str | None = None,
    first_name: str = "",
    time_zone: str = "UTC",
) -> str:
    """Insert a User with roles (the roles must exist); returns the user's name."""
    user_meta = registry["User"]
    email = check_user_email(email)
    user = name or email
    await storage.insert_row(
        conn,
        user_meta,
        {
            **_standard(user, "Administrator", time_zone),
            "email": email,
            "first_name": first_name or email.split("@")[0],
            "full_name": first_name or user,
            "enabled": 1,
            "user_type": "System User",
        },
    )
    await set_roles(conn, registry, user, roles, time_zone)
    if password is not None:
        await set_password(conn, user, password)
    return user


async def set_roles(
    conn: Connection, registry: Registry, user: str, roles: tuple[str, ...], time_zone: str = "UTC"
) -> None:
    has_role = registry["Has Role"]
    await storage.delete_children(conn, has_role, user, "User", "roles")
    for idx, role in enumerate(dict.fromkeys(roles), start=1):
        await storage.insert_row(
            conn,
            has_role,
            {
                **_standard(secrets.token_hex(5), "Administrator", time_zone),
                "idx": idx,
                "parent": user,
                "parentfield": "roles",
                "parenttype": "User",
                "role": role,
            },
        )


async def user_roles(conn: Connection, user: str) -> frozenset[str]:
    """Every role of `user`, including the implicit ones (P2)."""
    if user == "Guest":
        return frozenset({"Guest"})
    q = conn.dialect.quote
    rows = await conn.fetch_all(
        f"SELECT {q('role')} FROM {q('tabHas Role')} WHERE {q('parent')} = :user "
        f"AND {q('parenttype')} = 'User'",
        {"user": user},
    )
    return with_implicit_roles(str(r["role"]) for r in rows if r["role"])


def with_implicit_roles(roles: Iterable[str]) -> frozenset[str]:
    """P2: every signed-in user also has `All` and `Guest`."""
    return frozenset({"All", "Guest", *roles})
