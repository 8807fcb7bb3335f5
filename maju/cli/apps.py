"""`maju routes` and `maju new-app`: what the installed apps serve, and a new app's skeleton."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import keyword
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from maju import errors
from maju.cli.failures import clean_errors
from maju.config import Config, load_config


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


@click.command()
@clean_errors
def routes() -> None:
    """List the HTTP routes and the installed apps' whitelisted methods."""
    config = load_config()
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


@click.command("new-app")
@click.argument("name")
@clean_errors
def new_app(name: str) -> None:
    """Scaffold apps/NAME: __init__.py, hooks.py, api.py (one whitelisted example), doctype/.

    Args:
        name: a Python identifier that is not already an importable module.
    """
    if not name.isidentifier() or keyword.iskeyword(name):
        raise click.ClickException(f"invalid app name {name!r}: it must be a Python identifier")
    target = Path(load_config().root) / "apps" / name  # maju.site.apps_dir, without its imports
    if target.exists():
        raise click.ClickException(f"{target} already exists")
    if importlib.util.find_spec(name) is not None:
        raise click.ClickException(f"app name {name!r} would shadow the module of that name")
    (target / "doctype").mkdir(parents=True)
    for relative, template in _APP_FILES.items():
        (target / relative).write_text(template.format(name=name), encoding="utf-8")
    click.echo(f"Created {target}")
    click.echo(f'Add "{name}" to [site] apps in the config to install it.')
