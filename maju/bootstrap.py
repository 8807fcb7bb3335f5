"""Create or update a site: folders, secret key, schema sync, built-in roles and users."""

from __future__ import annotations

from maju.auth.users import ensure_builtins
from maju.config import Config, resolve_secret_key
from maju.db.migrate import site_tables, sync_schema
from maju.site import build_registry, open_database


def ensure_site_dirs(config: Config) -> None:
    for folder in (config.site_dir, config.public_files_dir, config.private_files_dir):
        folder.mkdir(parents=True, exist_ok=True)


async def migrate_site(config: Config) -> list[str]:
    """Bring the site's database up to its DocTypes; returns one line per change (none: empty)."""
    ensure_site_dirs(config)
    resolve_secret_key(config, create=True)
    registry = build_registry(config)
    db = open_database(config)
    await db.connect()
    try:
        async with db.transaction(read_only=False) as conn:
            changes = await sync_schema(conn, site_tables(registry))
            changes += await ensure_builtins(conn, registry, config.site.time_zone)
    finally:
        await db.disconnect()
    return changes
