"""`maju console`: statements piped in, with top-level await, an Administrator `ctx`, and
nothing kept without `await commit()`."""

from __future__ import annotations

import asyncio
import textwrap

from maju.config import Config
from tests.auth.accounts import fetch_all
from tests.cli.clisite import CliSite


class StartsWith(str):
    """Equal to any string that starts with it (one line whose rest is a random name)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.startswith(str(self))

    __hash__ = str.__hash__


def descriptions(config: Config) -> list[str]:
    rows = asyncio.run(fetch_all(config, 'SELECT "description" FROM "tabToDo"'))
    return sorted(str(r["description"]) for r in rows)


def script(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def test_console_commits_only_on_request(migrated_site: CliSite) -> None:
    done = migrated_site.run(
        "console",
        stdin=script(
            """
            print(ctx.user, ctx.is_privileged, ctx.db.dialect.name)
            kept = await Document.new(ctx, "ToDo", {"description": "kept"}).insert()
            kept.owner
            await commit()
            await Document.new(ctx, "ToDo", {"description": "rolled back"}).insert()
            await rollback()
            left = await Document.new(ctx, "ToDo", {"description": "left open"}).insert()
            try:
                await Document.load(ctx, "ToDo", "nope")
            except errors.DoesNotExistError as exc:
                print("caught:", exc)

            for n in range(2):
                print("loop", n)

            """
        ),
    )
    assert done.returncode == 0, done.stderr
    backend = "sqlite" if migrated_site.backend == "sqlite" else "postgresql"
    assert done.stdout.splitlines() == [
        f"Administrator True {backend}",
        "'Administrator'",
        StartsWith("<ToDo ToDo '"),
        "caught: ToDo nope not found",
        "loop 0",
        "loop 1",
    ]
    assert "maju console on " in done.stderr and "as Administrator" in done.stderr
    assert done.stderr.rstrip().endswith("Rolled back what was not committed.")
    # Only what was committed is there: not the rolled-back one, not the one left open.
    assert descriptions(migrated_site.config()) == ["kept"]


def test_console_script_stops_at_the_first_error(migrated_site: CliSite) -> None:
    """Piped, a failing statement ends the console (status 1) before a later `commit()`
    can keep half of the work; the traceback starts at the statement."""
    done = migrated_site.run(
        "console",
        stdin=script(
            """
            doc = await Document.new(ctx, "ToDo", {"description": "half done"}).insert()
            await Document.load(ctx, "ToDo", "nope")
            print("not reached")
            await commit()
            """
        ),
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "maju.errors.DoesNotExistError: ToDo nope not found" in done.stderr
    assert 'File "<maju console>", line 1, in <module>' in done.stderr
    assert "maju/cli/console.py" not in done.stderr and "base_events.py" not in done.stderr
    assert descriptions(migrated_site.config()) == []

    syntax = migrated_site.run("console", stdin="1 +* 2\nprint('not reached')\n")
    assert syntax.returncode == 1 and "SyntaxError" in syntax.stderr
    assert syntax.stdout == ""


def test_console_exit_keeps_its_status_and_rolls_back(migrated_site: CliSite) -> None:
    done = migrated_site.run(
        "console",
        stdin=script(
            """
            await Document.new(ctx, "ToDo", {"description": "not kept"}).insert()
            raise SystemExit(3)
            """
        ),
    )
    assert done.returncode == 3, done.stderr
    assert "Rolled back what was not committed." in done.stderr
    assert descriptions(migrated_site.config()) == []


def test_console_needs_a_migrated_site(cli_site: CliSite) -> None:
    line = cli_site.fails("console", stdin="print(1)\n")
    assert line == "Error: The site's database is not set up yet; run `maju migrate` first"
