"""Create or update a site: folders, secret key, schema sync, built-in users, admin chores.

These are the operations behind the `maju` CLI; each opens the site's database, runs one
transaction and closes it again, so they are safe to call beside running workers.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from maju import errors
from maju.auth.keys import KeyPair, generate_keys
from maju.auth.passwords import set_password
from maju.auth.users import check_user_email, create_user, ensure_builtins
from maju.config import Config, resolve_secret_key
from maju.db.connection import Connection
from maju.db.dialect import dialect_for_url
from maju.db.migrate import existing_columns, sync_schema
from maju.doctype import storage
from maju.doctype.fields import coerce
from maju.doctype.registry import Registry
from maju.doctype.tables import site_tables
from maju.site import build_registry, open_database

ADMINISTRATOR = "Administrator"
# A2 refuses longer passwords at login, so a longer one could never be used.
MAX_PASSWORD_LENGTH = 512


def ensure_site_dirs(config: Config) -> None:
    for folder in (config.site_dir, config.public_files_dir, config.private_files_dir):
        folder.mkdir(parents=True, exist_ok=True)


async def migrate_site(config: Config) -> list[str]:
    """Bring the site's database up to its DocTypes; returns one line per change (none: empty)."""
    ensure_site_dirs(config)
    resolve_secret_key(config, create=True)
    registry = build_registry(config)
    db = open_database(config, statement_timeout=0)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            changes = await sync_schema(conn, site_tables(registry))
            changes += await ensure_builtins(conn, registry, config.site.time_zone)
    finally:
        await db.disconnect()
    return changes


@dataclass(frozen=True, slots=True)
class SetupResult:
    """What `setup_site` did: schema changes, and whether the Administrator got a password."""

    changes: tuple[str, ...]
    password_set: bool = False
    # A password generated here: shown once to the operator, stored only as an argon2 hash.
    generated_password: str | None = None


async def setup_site(config: Config, admin_password: str | None = None) -> SetupResult:
    """Migrate, then give Administrator a password if it has none (never resets one).

    Args:
        config: the site configuration.
        admin_password: the password to set (e.g. from MAJU_ADMIN_PASSWORD); None or empty
            generates a random one, returned in `generated_password`.
    """
    changes = tuple(await migrate_site(config))
    async with site_transaction(config) as (conn, _registry):
        if await has_password(conn, ADMINISTRATOR):
            return SetupResult(changes)
        generated = None if admin_password else secrets.token_urlsafe(12)
        password = admin_password or generated
        assert password is not None
        check_password_rules(password)
        await set_password(conn, ADMINISTRATOR, password)
    return SetupResult(changes, password_set=True, generated_password=generated)


async def has_password(conn: Connection, user: str) -> bool:
    q = conn.dialect.quote
    stored = await conn.fetch_value(
        f"SELECT {q('password')} FROM {q('__auth')} WHERE {q('name')} = :name", {"name": user}
    )
    return bool(stored)


def check_password_rules(password: str) -> None:
    if not password:
        raise errors.ValidationError("The password must not be empty")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise errors.ValidationError(
            f"The password must not exceed {MAX_PASSWORD_LENGTH} characters"
        )


NOT_SET_UP = "The site's database is not set up yet; run `maju migrate` first"


def _missing_database_file(config: Config) -> bool:
    # Opening a missing SQLite file would create an empty database next to the real one.
    path = dialect_for_url(config.database_url).database_file(config.database_url)
    return path is not None and not path.is_file()


@asynccontextmanager
async def site_transaction(config: Config) -> AsyncIterator[tuple[Connection, Registry]]:
    """One write transaction on an existing site's database, with its registry."""
    if _missing_database_file(config):
        raise errors.ValidationError(NOT_SET_UP)
    registry = build_registry(config)
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            if await existing_columns(conn, registry["User"].table_name) is None:
                raise errors.ValidationError(NOT_SET_UP)
            yield conn, registry
    finally:
        await db.disconnect()


async def add_user(
    config: Config, email: str, roles: tuple[str, ...], password: str | None = None
) -> str:
    """Create a System User with `roles` (each must exist) and an optional password."""
    async with site_transaction(config) as (conn, registry):
        email_field = registry["User"].get_field("email")
        assert email_field is not None
        email = coerce(email_field, check_user_email(email))  # the user-name rule, first
        if await storage.exists(conn, registry["User"], email):
            raise errors.DuplicateEntryError(f"User {email} already exists")
        for role in roles:
            if not await storage.exists(conn, registry["Role"], role):
                raise errors.LinkValidationError(f"Could not find Role: {role}")
        if password is not None:
            check_password_rules(password)
        return await create_user(
            conn, registry, email, roles=roles, password=password, time_zone=config.site.time_zone
        )


async def change_password(config: Config, user: str, password: str) -> None:
    """Set `user`'s password (stored as an argon2id hash only)."""
    check_password_rules(password)
    async with site_transaction(config) as (conn, registry):
        if not await storage.exists(conn, registry["User"], user):
            raise errors.DoesNotExistError(f"User {user} not found")
        await set_password(conn, user, password)


async def issue_keys(config: Config, user: str) -> KeyPair:
    """A11 from the command line: keep the user's key, issue a new secret, return both."""
    async with site_transaction(config) as (conn, _registry):
        return await generate_keys(conn, user)
