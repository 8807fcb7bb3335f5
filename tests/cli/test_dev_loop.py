"""The development loop: `maju serve --reload` follows DocType JSON and config edits, warns
when the schema is behind the DocTypes, and a request hitting a missing column says to run
`maju migrate` (in developer mode; E15's bare 500 otherwise)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager

from maju.app import create_app
from maju.db.migrate import existing_columns
from maju.db.mismatch import SchemaMismatchError, schema_mismatch
from tests.auth.accounts import execute, site_conn
from tests.cli.clisite import CliSite, Served, serving, wait_for
from tests.sites import open_site, token_headers

EFFORT_FIELD = '{"fieldname": "effort", "fieldtype": "Int", "label": "Effort"},'


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_reload_follows_doctype_and_config_edits(migrated_site: CliSite) -> None:
    """What `make run` gives: edit the DocType JSON or config.toml and the next request sees it;
    a new field makes the restarted worker warn, and its requests name `maju migrate`."""
    site = migrated_site
    auth = asyncio.run(token_headers(site.config(), "Administrator"))
    developer = {"MAJU_SITE__DEVELOPER_MODE": "true"}
    with serving(site, "--reload", "--no-access-log", env=developer) as served:
        todos = f"{served.url}/api/resource/ToDo"

        def new_priority() -> str:
            r = httpx.post(todos, json={"description": "x"}, headers=auth, timeout=10)
            assert r.status_code == 200, r.text
            return str(r.json()["data"]["priority"])

        assert new_priority() == "Medium"
        edit(site.todo_json, '"default": "Medium"', '"default": "High"')
        wait_for(lambda: new_priority() == "High" or None, "the new default", served.log)

        # A new field: the worker restarts, warns, and reads of it name the fix.
        edit(site.todo_json, '"fields": [', '"fields": [\n    ' + EFFORT_FIELD)

        def effort_listing() -> httpx.Response | None:
            r = httpx.get(todos, params={"fields": '["effort"]'}, headers=auth, timeout=10)
            # 417 "Field not permitted" until the worker restarted with the new DocType.
            return r if r.status_code != 417 else None

        r = wait_for(effort_listing, "the missing column's 500", served.log)
        assert r.status_code == 500 and r.json()["exc_type"] == "SchemaMismatchError"
        assert "no column effort" in r.json()["exception"]
        assert "run `maju migrate`" in r.json()["exception"]
        log = served.log_text()
        assert "The database schema is behind the DocTypes: run `maju migrate`" in log
        assert "    add column tabToDo.effort" in log

        assert site.ok("migrate") == "added column tabToDo.effort\n"
        r = httpx.get(todos, params={"fields": '["effort"]'}, headers=auth)
        assert r.status_code == 200 and r.json()["data"][0] == {"effort": 0}

        # config.toml is watched too.
        site.append_config("[api]\ndefault_page_length = 1\n")
        wait_for(
            lambda: len(httpx.get(todos, headers=auth).json()["data"]) == 1 or None,
            "the new page length",
            served.log,
        )
        assert_restarted(served, 3)


def assert_restarted(served: Served, times: int) -> None:
    log = served.log_text()
    assert log.count("Reloading...") >= times, log
    assert "todo.json" in log and "config.toml" in log


def without_priority_column(config: Any) -> None:  # Any: maju.config.Config
    asyncio.run(execute(config, 'ALTER TABLE "tabToDo" DROP COLUMN "priority"'))


@pytest.mark.parametrize("developer_mode", [False, True], ids=["production", "developer"])
async def test_a_missing_column_answers_500_naming_maju_migrate_in_developer_mode(
    backend: str, tmp_path: Path, developer_mode: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Reads (SQLite would read a missing double-quoted column as a string literal) and
    writes both fail; outside developer mode E15 holds: no column, no SQL, no advice."""
    caplog.set_level(logging.CRITICAL, logger="maju.api.responses")  # E15 logs it; not here
    async with open_site(backend, tmp_path, site={"developer_mode": developer_mode}) as site:
        await asyncio.to_thread(without_priority_column, site.config)
        answers = [
            await site.client.get(
                "/api/resource/ToDo",
                params={"fields": '["name", "priority"]'},
                headers=site.admin_headers,
            ),
            await site.client.get(
                "/api/resource/ToDo",
                params={"filters": '[["priority", "=", "High"]]'},
                headers=site.admin_headers,
            ),
            await site.client.post(
                "/api/resource/ToDo", json={"description": "x"}, headers=site.admin_headers
            ),
        ]
    for r in answers:
        assert r.status_code == 500, r.text
        body = r.json()
        assert body["exc_type"] == "SchemaMismatchError"
        if developer_mode:
            assert body["exception"].startswith("SchemaMismatchError: The database has no column ")
            assert "priority" in body["exception"]
            assert body["exception"].endswith(
                "If a DocType defines it, the database schema is behind the DocTypes: run "
                "`maju migrate`."
            )
        else:
            line = "SchemaMismatchError: Internal server error"
            assert body["exception"] == line and orjson.loads(body["exc"]) == [line]
            for leak in ("priority", "migrate", "SELECT", "tabToDo"):
                assert leak not in r.text


async def test_serve_warns_at_start_when_the_schema_is_behind(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What `maju serve`'s workers do at start-up (`asgi_app`): compare, warn, change nothing."""
    async with open_site(backend, tmp_path) as site:
        app = create_app(site.config, warn_if_schema_behind=True)
        with caplog.at_level(logging.WARNING, logger="maju.app"):
            async with LifespanManager(app):
                pass
        assert not [r for r in caplog.records if r.name == "maju.app"]  # up to date: silent

        await asyncio.to_thread(without_priority_column, site.config)
        await execute(site.config, 'DROP TABLE "tabToDo Report"')
        with caplog.at_level(logging.WARNING, logger="maju.app"):
            async with LifespanManager(create_app(site.config, warn_if_schema_behind=True)):
                pass
        [record] = [r for r in caplog.records if r.name == "maju.app"]
        message = record.getMessage()
        assert record.levelno == logging.WARNING
        assert "The database schema is behind the DocTypes: run `maju migrate`" in message
        assert "    add column tabToDo.priority" in message
        assert "    create table tabToDo Report" in message
        async with site_conn(site.config) as conn:  # nothing was changed
            assert "priority" not in (await existing_columns(conn, "tabToDo") or set())
            assert await existing_columns(conn, "tabToDo Report") is None


@pytest.mark.parametrize(
    ("error", "kind", "name"),
    [
        (sqlite3.OperationalError("no such column: effort"), "column", "effort"),
        (sqlite3.OperationalError("no such column: t.effort"), "column", "t.effort"),
        (
            sqlite3.OperationalError("table tabToDo has no column named effort"),
            "column",
            "tabToDo.effort",
        ),
        (sqlite3.OperationalError("no such table: tabThing"), "table", "tabThing"),
        (
            asyncpg.exceptions.UndefinedColumnError('column "effort" does not exist'),
            "column",
            "effort",
        ),
        (
            asyncpg.exceptions.UndefinedColumnError(
                'column "effort" of relation "tabToDo" does not exist'
            ),
            "column",
            "tabToDo.effort",
        ),
        (
            asyncpg.exceptions.UndefinedTableError('relation "tabThing" does not exist'),
            "table",
            "tabThing",
        ),
    ],
)
def test_schema_mismatch_names_what_is_missing(error: Exception, kind: str, name: str) -> None:
    found = schema_mismatch(error)
    assert isinstance(found, SchemaMismatchError)
    assert (found.kind, found.name) == (kind, name)
    assert str(found).startswith(f"The database has no {kind} {name} (")


def test_other_database_errors_are_not_schema_mismatches() -> None:
    assert schema_mismatch(sqlite3.OperationalError("database is locked")) is None
    assert schema_mismatch(asyncpg.exceptions.SyntaxOrAccessError("syntax error")) is None
    assert schema_mismatch(ValueError("no such column: x")) is None
