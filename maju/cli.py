"""The `maju` command: serve the site, migrate it, manage users and keys, scaffold apps.

Every command reads the same configuration as the server (`MAJU_CONFIG`, else `config.toml`
in the working directory, plus `MAJU_<SECTION>__<KEY>` overrides), fails with one clean line
and a non-zero exit, and never takes a password on the command line. This is the only module
that configures logging.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import importlib
import importlib.util
import inspect
import keyword
import logging
import os
import pkgutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from maju import __version__, errors
from maju.config import Config, load_config, resolve_secret_key

F = TypeVar("F", bound=Callable[..., Any])

ADMIN_PASSWORD_ENV = "MAJU_ADMIN_PASSWORD"
APP_IMPORT_STRING = "maju.app:asgi_app"


def _configure_logging(level: int = logging.WARNING) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # databases and aiosqlite log every query with its bound values (password hashes, tokens)
    # at DEBUG.
    for name in ("databases", "aiosqlite"):
        logging.getLogger(name).setLevel(max(level, logging.INFO))


def _failure(exc: BaseException) -> str:
    if isinstance(exc, errors.MajuError):
        return exc.message or exc.exc_type
    if isinstance(exc, errors.ConfigError):
        return str(exc)
    if isinstance(exc, OSError | ValueError | sqlite3.Error):
        return f"{type(exc).__name__}: {exc}"
    return f"database error: {type(exc).__name__}: {exc}"


def _driver_errors() -> tuple[type[BaseException], ...]:
    import asyncpg

    return (asyncpg.PostgresError, asyncpg.InterfaceError)


def clean_errors(fn: F) -> F:
    """Turn the failures an operator can cause into one `Error: ...` line and exit status 1."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:  # Any: click passes the options through
        handled: tuple[type[BaseException], ...] = (
            errors.ConfigError,
            errors.MajuError,
            OSError,
            ValueError,
            sqlite3.Error,
            *_driver_errors(),
        )
        try:
            return fn(*args, **kwargs)
        except handled as exc:
            raise click.ClickException(_failure(exc)) from exc

    return run  # type: ignore[return-value]


def _config() -> Config:
    return load_config()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="The site's config file (default: $MAJU_CONFIG, else ./config.toml).",
)
@click.version_option(__version__, prog_name="maju")
def main(config_path: str | None) -> None:
    """Run and administer a maju site."""
    _configure_logging()
    if config_path:
        # Through the environment, so uvicorn's worker processes read the same file.
        os.environ["MAJU_CONFIG"] = str(Path(config_path).resolve())


# ---------------------------------------------------------------------------------------- serve


def _log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    # maju's own loggers go through uvicorn's handler, in every worker process.
    config["root"] = {"handlers": ["default"], "level": "INFO"}
    config["loggers"]["databases"] = {"level": "INFO"}
    config["loggers"]["aiosqlite"] = {"level": "INFO"}  # it logs bound values at DEBUG too
    return config


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _reload_dirs(config: Config) -> list[str]:
    # The code only: the site folder changes on every write (SQLite WAL) and is not code.
    import maju

    dirs = [Path(maju.__file__).parent, Path(config.root) / "apps"]
    return [str(d) for d in dirs if d.is_dir()]


def _worker_count(workers: int) -> int:
    """At least one worker process: uvicorn would start with 0 and serve nothing."""
    if workers < 1:
        raise errors.ConfigError(f"the number of workers must be at least 1, got {workers}")
    return workers


@main.command()
@click.option("--host", help="Bind address (default: [server] host).")
@click.option("--port", type=int, help="Port (default: [server] port).")
@click.option(
    "--workers", type=int, help="Worker processes, at least 1 (default: [server] workers)."
)
@click.option(
    "--uds",
    type=click.Path(),
    help="Listen on this UNIX socket instead (behind nginx); X-Forwarded-* is then trusted.",
)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@clean_errors
def serve(
    host: str | None,
    port: int | None,
    workers: int | None,
    uds: str | None,
    reload: bool,
    access_log: bool,
) -> None:
    """Serve the site's API with uvicorn.

    Args:
        host, port, workers: override the [server] section.
        uds: a UNIX socket path for nginx; X-Forwarded-* is then trusted (only nginx can
            reach the socket).
        reload: restart on code changes; one process only.
    """
    import uvicorn

    from maju.site import build_registry

    config = _config()
    count = _worker_count(workers if workers is not None else config.server.workers)
    resolve_secret_key(config)  # production refuses an empty secret key, before binding
    build_registry(config)  # DocType errors stop us here, as one line, not as a traceback
    uvicorn.run(
        APP_IMPORT_STRING,
        factory=True,
        host=host if host is not None else config.server.host,
        port=port if port is not None else config.server.port,
        workers=None if reload else count,
        uds=uds,
        # C5 is the only rule for X-Forwarded-*: maju applies proxy.trusted_proxies (and trusts
        # a UNIX socket peer) itself. uvicorn's own rewrite trusts 127.0.0.1 by default, and with
        # "*" the leftmost X-Forwarded-For entry, so a client could choose its IP (lockout, C4).
        proxy_headers=False,
        reload=reload,
        reload_dirs=_reload_dirs(config) if reload else None,
        access_log=access_log,
        log_config=_log_config(),
        # h11 was seen stalling ~40 ms per keep-alive request here (Nagle / delayed ACK).
        loop="uvloop" if _available("uvloop") else "asyncio",
        http="httptools" if _available("httptools") else "h11",
    )


# ------------------------------------------------------------------------------ site and users


def _print_changes(changes: tuple[str, ...] | list[str]) -> None:
    for change in changes:
        click.echo(change)
    if not changes:
        click.echo("Schema is up to date: nothing to change.")


@main.command()
@clean_errors
def migrate() -> None:
    """Create the site if missing and bring its tables up to the DocTypes (additive only).

    Prints one line per change, or that the schema is up to date. Safe to run again.
    """
    from maju.bootstrap import migrate_site

    _print_changes(asyncio.run(migrate_site(_config())))


@main.command()
@clean_errors
def setup() -> None:
    """Migrate, then give Administrator a password if it has none (what `make run` calls).

    The password comes from MAJU_ADMIN_PASSWORD, else a random one is generated and printed
    once; only its argon2 hash is stored. An existing password is never changed.
    """
    from maju.bootstrap import setup_site

    result = asyncio.run(setup_site(_config(), os.environ.get(ADMIN_PASSWORD_ENV) or None))
    _print_changes(result.changes)
    if result.generated_password is not None:
        click.echo(f"Administrator password: {result.generated_password}")
        click.echo("(shown only this once; change it with `maju set-admin-password`)")
    elif result.password_set:
        click.echo(f"Administrator password set from {ADMIN_PASSWORD_ENV}.")


def _read_password(prompt: str) -> str:
    """A password from standard input: prompted (hidden) on a terminal, else its first line."""
    if sys.stdin is None:
        raise click.ClickException("no password given on standard input")
    if sys.stdin.isatty():
        value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
        return value
    return sys.stdin.readline().rstrip("\r\n")


@main.command("add-user")
@click.argument("email")
@click.option("--roles", default="", help="Comma-separated role names, e.g. 'System Manager'.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (never from the command line).",
)
@clean_errors
def add_user(email: str, roles: str, password_stdin: bool) -> None:
    """Create a user with roles; without --password-stdin it can only use API keys.

    Args:
        email: the user's email, which is also its name (login id).
    """
    from maju.bootstrap import add_user as create

    role_names = tuple(r.strip() for r in roles.split(",") if r.strip())
    password = _read_password("Password") if password_stdin else None
    name = asyncio.run(create(_config(), email, role_names, password))
    click.echo(
        f"Created user {name}" + (f" with roles {', '.join(role_names)}" if role_names else "")
    )


@main.command("set-admin-password")
@clean_errors
def set_admin_password() -> None:
    """Set Administrator's password from MAJU_ADMIN_PASSWORD, else from standard input."""
    from maju.bootstrap import ADMINISTRATOR, change_password

    password = os.environ.get(ADMIN_PASSWORD_ENV) or _read_password("New password")
    asyncio.run(change_password(_config(), ADMINISTRATOR, password))
    click.echo("Administrator password changed.")


@main.command("generate-keys")
@click.argument("user")
@clean_errors
def generate_keys(user: str) -> None:
    """Issue an API key pair for USER; the secret is shown only this once (A11).

    Prints `api_key: <key>` and `api_secret: <secret>`, for `Authorization: token key:secret`.
    """
    from maju.bootstrap import issue_keys

    pair = asyncio.run(issue_keys(_config(), user))
    click.echo(f"api_key: {pair.api_key}")
    click.echo(f"api_secret: {pair.api_secret}")


# --------------------------------------------------------------------------------- routes


def _http_routes(config: Config) -> Iterator[tuple[str, str]]:
    import dataclasses

    from starlette.routing import Mount, Route

    from maju.app import create_app

    # The listing never serves a request, so a site without a key yet can still be inspected.
    key = config.site.secret_key or "listing-routes-only"
    app = create_app(
        dataclasses.replace(config, site=dataclasses.replace(config.site, secret_key=key))
    )

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            if isinstance(route, Mount):
                yield from walk(list(route.routes), prefix + route.path)
            elif isinstance(route, Route):
                methods = ",".join(sorted(route.methods or ()))
                yield methods or "ANY", prefix + route.path

    yield from walk(list(app.routes), "")


def whitelisted_functions(config: Config) -> list[tuple[str, Any]]:
    """(dotted name, WhitelistSpec) of every whitelisted function in the installed apps.

    Only modules of installed apps are imported (S9), as the method dispatcher would.
    """
    from maju.site import apps_dir, build_registry
    from maju.whitelisting import whitelist_spec

    build_registry(config)  # validates the apps and makes them importable by name
    found: list[tuple[str, Any]] = []
    for app in config.site.apps:
        package = apps_dir(config) / app
        names = [app, *(m.name for m in pkgutil.walk_packages([str(package)], prefix=f"{app}."))]
        for module_name in names:
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:  # any import failure is the app's bug: name the module
                raise errors.ConfigError(
                    f"cannot import {module_name}: {type(exc).__name__}: {exc}"
                ) from exc
            for attr, obj in inspect.getmembers(module, callable):
                spec = whitelist_spec(obj)
                if spec is not None and getattr(obj, "__module__", None) == module_name:
                    found.append((f"{module_name}.{attr}", spec))
    return sorted(found, key=lambda item: item[0])


@main.command()
@clean_errors
def routes() -> None:
    """List the HTTP routes and the installed apps' whitelisted methods."""
    config = _config()
    click.echo("HTTP routes:")
    for methods, path in _http_routes(config):
        click.echo(f"  {methods:<28} {path}")
    click.echo("Whitelisted methods (/api/method/<name>):")
    functions = whitelisted_functions(config)
    for name, spec in functions:
        flags = " allow_guest" if spec.allow_guest else ""
        click.echo(f"  {','.join(sorted(spec.methods)):<28} {name}{flags}")
    if not functions:
        click.echo("  (none in the installed apps)")


# -------------------------------------------------------------------------------- new-app

_APP_FILES = {
    "__init__.py": '"""The {name} app for maju."""\n',
    "hooks.py": '"""Hooks of the {name} app: plain Python objects read by maju at start-up."""\n',
    "api.py": (
        '"""Whitelisted functions of {name}: /api/method/{name}.api.<function>."""\n'
        "\n"
        "from __future__ import annotations\n"
        "\n"
        "from maju import Context, whitelist\n"
        "\n"
        "\n"
        '@whitelist(methods=("GET",))\n'
        'async def hello(ctx: Context, name: str = "World") -> str:\n'
        '    """Greet the caller: GET /api/method/{name}.api.hello?name=Ann."""\n'
        '    return f"Hello {{name}} from {{ctx.user}}"\n'
    ),
    "doctype/__init__.py": "",
}


@main.command("new-app")
@click.argument("name")
@clean_errors
def new_app(name: str) -> None:
    """Scaffold apps/NAME: __init__.py, hooks.py, api.py (one whitelisted example), doctype/.

    Args:
        name: a Python identifier that is not already an importable module.
    """
    if not name.isidentifier() or keyword.iskeyword(name):
        raise click.ClickException(f"invalid app name {name!r}: it must be a Python identifier")
    target = Path(_config().root) / "apps" / name  # maju.site.apps_dir, without its imports
    if target.exists():
        raise click.ClickException(f"{target} already exists")
    if importlib.util.find_spec(name) is not None:
        raise click.ClickException(f"app name {name!r} would shadow the module of that name")
    (target / "doctype").mkdir(parents=True)
    for relative, template in _APP_FILES.items():
        (target / relative).write_text(template.format(name=name), encoding="utf-8")
    click.echo(f"Created {target}")
    click.echo(f'Add "{name}" to [site] apps in the config to install it.')


if __name__ == "__main__":
    main()
