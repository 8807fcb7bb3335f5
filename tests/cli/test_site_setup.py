"""`maju setup` and `maju migrate`: create the site, sync its schema, the first password."""

from __future__ import annotations

import asyncio
import re

from maju.bootstrap import SetupResult, setup_site
from tests.auth.accounts import execute
from tests.cli.clisite import UP_TO_DATE, CliSite
from tests.cli.dbcheck import password_ok, stored_hash


def test_setup_prints_a_password_once_and_migrate_is_idempotent(any_site: CliSite) -> None:
    first = any_site.ok("setup")
    assert "created table tabToDo" in first and "created user Administrator" in first
    (password,) = re.findall(r"^Administrator password: (\S+)$", first, re.MULTILINE)
    config = any_site.config()
    assert (config.site_dir / "secret_key").is_file() and config.public_files_dir.is_dir()
    stored = asyncio.run(stored_hash(config, "Administrator"))
    assert stored.startswith("$argon2id$") and password not in stored
    assert password not in (config.site_dir / "secret_key").read_text()
    if any_site.backend == "postgresql":
        assert not (config.site_dir / "maju.db").exists()

    # Second run: nothing changes, nothing about the password, even with one in the env.
    again = any_site.ok("setup", env={"MAJU_ADMIN_PASSWORD": "something-else"})
    assert again.strip() == UP_TO_DATE
    assert any_site.ok("migrate").strip() == UP_TO_DATE
    assert asyncio.run(stored_hash(config, "Administrator")) == stored
    assert asyncio.run(password_ok(config, "Administrator", password))

    out = any_site.ok("set-admin-password", stdin="n3w-Passw0rd\n")
    assert out == "Administrator password changed.\n"
    assert asyncio.run(password_ok(config, "Administrator", "n3w-Passw0rd"))
    assert not asyncio.run(password_ok(config, "Administrator", password))
    out = any_site.ok("set-admin-password", env={"MAJU_ADMIN_PASSWORD": "from-env-pw"})
    assert asyncio.run(password_ok(config, "Administrator", "from-env-pw"))


async def test_setup_takes_the_admin_password_from_the_caller(any_site: CliSite) -> None:
    """What `make run` does with MAJU_ADMIN_PASSWORD: set, not printed, never reset."""
    config = any_site.config()
    result = await setup_site(config, "from-env-pw")
    assert result.password_set and result.generated_password is None
    assert await password_ok(config, "Administrator", "from-env-pw")
    again = await setup_site(config, "other-pw")
    assert again == SetupResult(changes=(), password_set=False, generated_password=None)
    assert await password_ok(config, "Administrator", "from-env-pw")


def test_migrate_adds_what_a_changed_doctype_needs(any_site: CliSite) -> None:
    first = any_site.ok("migrate")
    assert "created table tabToDo" in first and "created user Guest" in first
    text = any_site.todo_json.read_text(encoding="utf-8")
    any_site.todo_json.write_text(
        text.replace(
            '"fields": [',
            '"fields": [\n    {"fieldname": "effort", "fieldtype": "Int", "label": "Effort"},',
        ),
        encoding="utf-8",
    )
    assert any_site.ok("migrate") == "added column tabToDo.effort\n"
    assert any_site.ok("migrate").strip() == UP_TO_DATE


def test_failing_command_gives_one_clean_line(cli_site: CliSite) -> None:
    missing = cli_site.root / "missing.toml"
    assert (
        cli_site.fails("migrate", env={"MAJU_CONFIG": str(missing)})
        == f"Error: config file not found: {missing}"
    )
    assert "run `maju migrate` first" in cli_site.fails("set-admin-password", stdin="pw\n")
    assert "run `maju migrate` first" in cli_site.fails("list-users")
    assert not (cli_site.root / "site" / "maju.db").exists()  # nothing half-created


def test_a_command_on_a_schema_behind_says_to_migrate(migrated_site: CliSite) -> None:
    asyncio.run(execute(migrated_site.config(), 'DROP TABLE "tabHas Role"'))
    line = migrated_site.fails("list-users")
    assert line.startswith("Error: The database has no table ")
    assert "Has Role" in line and line.endswith("run `maju migrate`.")
    assert "created table tabHas Role" in migrated_site.ok("migrate")
    assert migrated_site.ok("list-users").startswith("name ")
