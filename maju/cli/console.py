"""`maju console`: a Python prompt with top-level `await`, the site open and an Administrator
Context (`ctx`) in scope, as Frappe's `bench console`.

Statements are compiled as `python -m asyncio` compiles them (`ast.PyCF_ALLOW_TOP_LEVEL_AWAIT`)
and each runs to completion on one event loop before the next prompt, so `ctx.db` stays the same
transaction across statements. Nothing is kept unless you say so: `await commit()` commits what
ran so far, `await rollback()` undoes it, and leaving the console rolls back whatever was not
committed. When standard input is not a terminal (`maju console < script.py`) there are no
prompts, and the first statement that raises ends the console with exit status 1 (rolling back),
so a script never commits after a failure.
"""

from __future__ import annotations

import ast
import asyncio
import code
import contextlib
import inspect
import sys
import traceback
import types
from contextlib import AsyncExitStack
from typing import Any

import click

from maju.cli.failures import clean_errors
from maju.config import Config, load_config
from maju.context import Context


class StatementFailed(Exception):
    """A piped statement raised (its traceback is already shown): stop the script."""


class AwaitConsole(code.InteractiveConsole):
    """An InteractiveConsole whose statements may `await`; each runs to completion on `loop`."""

    def __init__(
        self, namespace: dict[str, Any], loop: asyncio.AbstractEventLoop, *, interactive: bool
    ) -> None:
        super().__init__(namespace, filename="<maju console>")
        self.compile.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        self.loop = loop
        self.interactive = interactive

    def raw_input(self, prompt: str = "") -> str:
        # Prompts are for people: a piped script's output is only what it prints.
        return input(prompt if self.interactive else "")

    def runcode(self, code: types.CodeType) -> None:
        try:
            result = types.FunctionType(code, self.locals)()
            if inspect.iscoroutine(result):
                self._run(result)
        except SystemExit:
            raise
        except BaseException:
            self.showtraceback()
            if not self.interactive:
                raise StatementFailed from None

    def showsyntaxerror(self, filename: str | None = None, **kwargs: Any) -> None:
        super().showsyntaxerror(filename, **kwargs)
        if not self.interactive:
            raise StatementFailed

    def showtraceback(self) -> None:
        """The traceback from the statement's own frame on: the console's and asyncio's frames
        that ran it would only hide where the error is."""
        kind, value, tb = sys.exc_info()
        start = tb
        while start is not None and start.tb_frame.f_code.co_filename != self.filename:
            start = start.tb_next
        if kind is None or value is None:
            return
        self.write("".join(traceback.format_exception(kind, value, start or tb)))

    def _run(self, coroutine: Any) -> None:  # Any: the statement's coroutine
        task = self.loop.create_task(coroutine)
        try:
            self.loop.run_until_complete(task)
        except KeyboardInterrupt:
            # Ctrl-C while a statement awaits: stop that statement, keep the console.
            task.cancel()
            with contextlib.suppress(BaseException):
                self.loop.run_until_complete(task)
            raise


def _where(config: Config) -> str:
    """The database, without a password that the URL may hold."""
    if not config.database.url:
        return str(config.site_dir / "maju.db")
    scheme, _, rest = config.database.url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def _banner(config: Config, dialect: str) -> str:
    lines = [
        f"maju console on {_where(config)}, as Administrator.",
        "In scope: ctx (a Context), Document, errors, commit, rollback, asyncio. Use await:",
        '  doc = await Document.load(ctx, "ToDo", name); doc.status = "Closed"; await doc.save()',
        "Nothing is kept until `await commit()`; `await rollback()` undoes, and leaving",
        "(Ctrl-D, exit()) rolls back whatever was not committed.",
    ]
    if dialect == "sqlite":
        lines.append(
            "SQLite: from the first statement until commit() or rollback() this console\n"
            "holds the site's write lock, and a running server's writes wait for it."
        )
    return "\n".join(lines)


def _namespace(ctx: Context) -> dict[str, Any]:
    from maju import errors
    from maju.doctype.document import Document

    async def commit() -> None:
        """Commit what ran since the last commit(); the next statement starts a new transaction."""
        await ctx.db.commit()

    async def rollback() -> None:
        """Undo what ran since the last commit()."""
        await ctx.db.rollback()

    return {
        "__name__": "__console__",
        "__doc__": None,
        "asyncio": asyncio,
        "ctx": ctx,
        "Document": Document,
        "errors": errors,
        "commit": commit,
        "rollback": rollback,
    }


def _enable_line_editing(namespace: dict[str, Any]) -> None:
    try:
        import readline
        import rlcompleter
    except ImportError:  # no readline on this platform: plain input() still works
        return
    readline.set_completer(rlcompleter.Completer(namespace).complete)
    readline.parse_and_bind("tab: complete")


def run_console(config: Config) -> int:
    """Open the site, run the prompt until end of input, roll back; the exit status."""
    from maju.auth.users import user_roles
    from maju.bootstrap import ADMINISTRATOR, site_database

    interactive = sys.stdin is not None and sys.stdin.isatty()
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()
    try:
        db, registry = loop.run_until_complete(stack.enter_async_context(site_database(config)))
        conn = loop.run_until_complete(stack.enter_async_context(db.transaction(read_only=False)))

        # The roles are read in a transaction of their own, so the console's transaction (and
        # SQLite's write lock) begins only at the user's first statement.
        async def administrator_roles() -> frozenset[str]:
            async with db.transaction(read_only=True) as reading:
                return await user_roles(reading, ADMINISTRATOR)

        ctx = Context(
            user=ADMINISTRATOR,
            roles=loop.run_until_complete(administrator_roles()),
            db=conn,
            read_only=False,
            registry=registry,
            config=config,
        )
        namespace = _namespace(ctx)
        if interactive:
            _enable_line_editing(namespace)
        console = AwaitConsole(namespace, loop, interactive=interactive)
        status = 0
        try:
            console.interact(banner=_banner(config, db.dialect.name), exitmsg="")
        except StatementFailed:
            status = 1
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else 0
        if conn.raw is not None:
            sys.stderr.write("Rolled back what was not committed.\n")
        loop.run_until_complete(conn.rollback())
        return status
    finally:
        try:
            loop.run_until_complete(stack.aclose())
        finally:
            loop.close()


@click.command()
@clean_errors
def console() -> None:
    """A Python prompt with `await`, the site open and `ctx` acting as Administrator.

    Changes are kept only by `await commit()`; leaving rolls back the rest. With standard input
    not a terminal it runs the statements read from it, stopping (status 1) at the first error.
    """
    status = run_console(load_config())
    if status:
        sys.exit(status)
