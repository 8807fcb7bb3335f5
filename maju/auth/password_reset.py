"""A12: password reset by a single-use emailed key, and password change (S10: no enumeration)."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from maju import errors
from maju.auth.lockout import clear_user, count_attempt, forgive, lockout_keys
from maju.auth.login import MAX_PASSWORD_LENGTH, find_user
from maju.auth.passwords import (
    hash_password,
    hashing_slots,
    store_hash,
    stored_hash,
    verify_password,
)
from maju.auth.public_origin import public_origin
from maju.auth.sessions import delete_user_sessions
from maju.context import Context
from maju.db.connection import Connection
from maju.site import Site
from maju.whitelisting import whitelist

log = logging.getLogger(__name__)

KEY_LIFETIME = 24 * 3600
SENT = "Password reset instructions have been sent"
HOOK = "send_password_reset"
_TABLE = "__reset_keys"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@whitelist(methods=("POST",), allow_guest=True, rate_limit=(5, 3600))
async def reset_password(ctx: Context, request: Request, user: str = "") -> str:
    """A12: always the same answer; an enabled user gets a 24-hour single-use key by the
    installed apps' `send_password_reset(ctx, user, url)` hook."""
    found = await find_user(ctx.db, user) if user else None
    if found is None or not found["enabled"] or found["name"] in ("Guest", "Administrator"):
        return SENT
    name = str(found["name"])
    origin = public_origin(request.scope, ctx.config)
    if origin is None:
        # S13: a link built from an unlisted Host would hand the key to whoever chose that
        # Host; and the user's current link, if any, stays valid.
        log.warning("no password reset link was sent to %s: no trusted public origin", name)
        return SENT
    key = secrets.token_urlsafe(32)
    q = ctx.db.dialect.quote
    # One live key per user: a new request voids the older link.
    await ctx.db.execute(f"DELETE FROM {q(_TABLE)} WHERE {q('user')} = :user", {"user": name})
    await ctx.db.execute(
        f"INSERT INTO {q(_TABLE)} ({q('key_hash')}, {q('user')}, {q('expires')}) "
        f"VALUES (:hash, :user, :expires)",
        {"hash": _hash(key), "user": name, "expires": time.time() + KEY_LIFETIME},
    )
    await _send(ctx, name, f"{origin}/update-password?key={key}")
    return SENT


def reset_hooks(apps: tuple[str, ...]) -> list[Callable[..., Any]]:
    """Each installed app's `hooks.send_password_reset`, in app order."""
    found: list[Callable[..., Any]] = []
    for app in apps:
        if (
            importlib.util.find_spec(app) is None
            or importlib.util.find_spec(f"{app}.hooks") is None
        ):
            continue
        hook = getattr(importlib.import_module(f"{app}.hooks"), HOOK, None)
        if callable(hook):
            found.append(hook)
    return found


async def _send(ctx: Context, user: str, url: str) -> None:
    hooks = reset_hooks(ctx.registry.apps)
    if not hooks:
        # The link is a secret (S3): never logged, only handed to a hook.
        log.warning("no installed app defines %s; no reset link was sent to %s", HOOK, user)
    for hook in hooks:
        if inspect.iscoroutinefunction(hook):
            await hook(ctx, user, url)
        else:
            await run_in_threadpool(hook, ctx, user, url)


@whitelist(methods=("POST",), allow_guest=True)
async def update_password(
    ctx: Context,
    site: Site,
    new_password: str,
    key: str | None = None,
    old_password: str | None = None,
) -> str:
    """A12: set a new password by reset `key` or, signed in, by `old_password`; the user's
    other sessions end.

    S12: the old password is verified and the new one hashed holding no transaction; the key
    is checked before (a bad key costs no hash) and used up after, atomically.
    """
    if not new_password or len(new_password) > MAX_PASSWORD_LENGTH:
        raise errors.ValidationError(
            f"The new password must be 1 to {MAX_PASSWORD_LENGTH} characters long"
        )
    if key:
        await _key_user(ctx.db, key)
    elif not ctx.is_guest and old_password is not None:
        await _check_old_password(ctx, site, old_password)
    else:
        raise errors.ValidationError("The reset key is missing or invalid")
    await ctx.db.commit()
    new_hash = await hash_password(new_password, hashing_slots(site))
    user = await _use_key(ctx.db, key) if key else ctx.user
    await store_hash(ctx.db, user, new_hash)
    keep = ctx.session.sid if ctx.session is not None and ctx.session.user == user else None
    await delete_user_sessions(ctx.db, user, keep_sid=keep)
    await clear_user(ctx.db, user)
    return "/app"


async def _key_user(conn: Connection, key: str) -> str:
    """The user of a live key; 417 when unknown or expired."""
    q = conn.dialect.quote
    user = await conn.fetch_value(
        f"SELECT {q('user')} FROM {q(_TABLE)} WHERE {q('key_hash')} = :hash "
        f"AND {q('expires')} > :now",
        {"hash": _hash(key), "now": time.time()},
    )
    if user is None:
        raise errors.ValidationError("The reset key is missing or invalid")
    return str(user)


async def _use_key(conn: Connection, key: str) -> str:
    """Delete a live key and return its user in one statement, so it serves one request only
    (two parallel uses: the second gets 417)."""
    q = conn.dialect.quote
    user = await conn.fetch_value(
        f"DELETE FROM {q(_TABLE)} WHERE {q('key_hash')} = :hash AND {q('expires')} > :now "
        f"RETURNING {q('user')}",
        {"hash": _hash(key), "now": time.time()},
    )
    if user is None:
        raise errors.ValidationError("The reset key is missing or invalid")
    return str(user)


async def _check_old_password(ctx: Context, site: Site, old_password: str) -> None:
    """401 on a wrong old password, counted as a failed login (A13) so it cannot be guessed;
    counted before the check (S14) and verified holding no transaction (S12)."""
    password_hash = await stored_hash(ctx.db, ctx.user)
    await ctx.db.commit()
    keys = lockout_keys(ctx.user, ctx.client_ip)
    await count_attempt(site.db, ctx.config.auth, keys)
    if not await verify_password(password_hash, old_password, hashing_slots(site)):
        raise errors.AuthenticationError("Incorrect password")
    await forgive(ctx.db, keys)
