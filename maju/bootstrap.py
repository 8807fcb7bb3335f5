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
from maju.auth.sessions import delete_user_sessions
from maju.auth.users import check_user_email, create_user, ensure_builtins, user_roles
from maju.config import Config, resolve_secret_key
from maju.context import Context
from maju.db.connection import Connection, Database
from maju.db.dialect import dialect_for_url
from maju.db.migrate import existing_columns, sync_schema
from maju.doctype import storage
from maju.doctype.document import Document
from maju.doctype.fields import coerce
from maju.doctype.registry import Registry
from maju.doctype.tables import site_tables
from maju.site import build_registry, open_database

ADMINISTRATOR = "Administrator"
GUEST = "Guest"
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
async def site_database(config: Config) -> AsyncIterator[tuple[Database, Registry]]:
    """An existing site's database, connected, with its registry; a site never migrated is
    refused (NOT_SET_UP) rather than half-created."""
    if _missing_database_file(config):
        raise errors.ValidationError(NOT_SET_UP)
    registry = build_registry(config)
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=True) as conn:
            if await existing_columns(conn, registry["User"].table_name) is None:
                raise errors.ValidationError(NOT_SET_UP)
        yield db, registry
    finally:
        await db.disconnect()


@asynccontextmanager
async def site_transaction(
    config: Config, *, read_only: bool = False
) -> AsyncIterator[tuple[Connection, Registry]]:
    """One transaction on an existing site's database, with its registry."""
    async with site_database(config) as (db, registry):
        async with db.transaction(read_only=read_only) as conn:
            yield conn, registry


async def administrator_context(conn: Connection, registry: Registry, config: Config) -> Context:
    """A Context acting as Administrator on `conn`, for server-side chores and `maju console`:
    the Document API then runs every check and hook a request would."""
    return Context(
        user=ADMINISTRATOR,
        roles=await user_roles(conn, ADMINISTRATOR),
        db=conn,
        read_only=conn.read_only,
        registry=registry,
        config=config,
    )


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
    """Set `user`'s password (stored as an argon2id hash only) and end their sessions, as a
    password change through the API does (A12); API keys stay valid."""
    if user == GUEST:
        raise errors.ValidationError("Guest cannot have a password")
    check_password_rules(password)
    async with site_transaction(config) as (conn, registry):
        if not await storage.exists(conn, registry["User"], user):
            raise errors.DoesNotExistError(f"User {user} not found")
        await set_password(conn, user, password)
        await delete_user_sessions(conn, user)


@dataclass(frozen=True, slots=True)
class UserSummary:
    """One line of `maju list-users`."""

    name: str
    full_name: str
    enabled: bool
    user_type: str
    # The roles given to the user (Has Role rows), without the implicit All and Guest.
    roles: tuple[str, ...]


async def list_users(config: Config) -> list[UserSummary]:
    """Every user of the site, sorted by name, with their roles in the order given."""
    async with site_transaction(config, read_only=True) as (conn, _registry):
        q = conn.dialect.quote
        users = await conn.fetch_all(
            f"SELECT {q('name')}, {q('full_name')}, {q('enabled')}, {q('user_type')} "
            f"FROM {q('tabUser')}"
        )
        links = await conn.fetch_all(
            f"SELECT {q('parent')}, {q('role')} FROM {q('tabHas Role')} "
            f"WHERE {q('parenttype')} = 'User' ORDER BY {q('parent')}, {q('idx')}"
        )
    roles: dict[str, list[str]] = {}
    for link in links:
        if link["role"]:
            roles.setdefault(str(link["parent"]), []).append(str(link["role"]))
    return sorted(
        (
            UserSummary(
                name=str(user["name"]),
                full_name=str(user["full_name"] or ""),
                enabled=bool(user["enabled"]),
                user_type=str(user["user_type"] or ""),
                roles=tuple(roles.get(str(user["name"]), ())),
            )
            for user in users
        ),
        key=lambda user: user.name,
    )


async def set_user_enabled(config: Config, user: str, enabled: bool) -> bool:
    """Enable or disable `user` through the Document API (the User controller's rules apply:
    Administrator and Guest stay enabled); disabling also ends their sessions. Returns whether
    anything changed."""
    async with site_transaction(config) as (conn, registry):
        ctx = await administrator_context(conn, registry, config)
        doc = await Document.load(ctx, "User", user, for_update=True, right="write")
        if bool(doc.enabled) == enabled:
            return False
        doc.enabled = int(enabled)
        await doc.save()
        if not enabled:
            await delete_user_sessions(conn, user)
        return True


async def issue_keys(config: Config, user: str) -> KeyPair:
    """A11 from the command line: keep the user's key, issue a new secret, return both."""
    async with site_transaction(config) as (conn, _registry):
        return await generate_keys(conn, user)
