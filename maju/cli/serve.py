"""`maju serve`: the site's API under uvicorn, with the development reloader on request.

`--reload` restarts the worker when Python code, a DocType JSON or the config file changes, so
editing a DocType while `make run` serves takes effect at once; the restarted worker warns when
the change needs `maju migrate` (maju.app checks the schema at start-up).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from maju import errors
from maju.cli.failures import clean_errors
from maju.cli.log import server_log_config
from maju.config import LOG_LEVELS, Config, config_file, load_config, resolve_secret_key

APP_IMPORT_STRING = "maju.app:asgi_app"
# What `--reload` restarts on, as uvicorn's patterns (matched from the right of a path).
RELOAD_PATTERNS = ("*.py", "doctype/*/*.json")


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def reload_watch(config: Config, config_path: Path) -> tuple[list[str], list[str]]:
    """The folders `--reload` watches and the file patterns that restart the worker.

    maju's code, the apps (code and DocType JSON) and the config file. Other files in those
    folders, the SQLite database that changes on every write included, restart nothing.
    """
    import maju

    folders = [Path(maju.__file__).parent, Path(config.root) / "apps"]
    patterns = list(RELOAD_PATTERNS)
    if config_path.is_file():
        # uvicorn watches folders, so the config file's own folder, for that one file name.
        folders.append(config_path.resolve().parent)
        patterns.append(config_path.name)
    return [str(folder) for folder in folders if folder.is_dir()], patterns


def _worker_count(workers: int) -> int:
    """At least one worker process: uvicorn would start with 0 and serve nothing."""
    if workers < 1:
        raise errors.ConfigError(f"the number of workers must be at least 1, got {workers}")
    return workers


@click.command()
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
@click.option(
    "--reload",
    is_flag=True,
    help="Restart on changes to code, DocType JSON or the config file (development).",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    help="The server's log level (default: [log] level).",
)
@clean_errors
def serve(
    host: str | None,
    port: int | None,
    workers: int | None,
    uds: str | None,
    reload: bool,
    access_log: bool,
    log_level: str | None,
) -> None:
    """Serve the site's API with uvicorn.

    Args:
        host, port, workers: override the [server] section.
        uds: a UNIX socket path for nginx; X-Forwarded-* is then trusted (only nginx can
            reach the socket).
        reload: restart on changes to code, DocType JSON or the config file; one process only.
        log_level: overrides [log] level.
    """
    import uvicorn

    from maju.site import build_registry

    config = load_config()
    count = _worker_count(workers if workers is not None else config.server.workers)
    resolve_secret_key(config)  # production refuses an empty secret key, before binding
    build_registry(config)  # DocType errors stop us here, as one line, not as a traceback
    watched, patterns = reload_watch(config, config_file()) if reload else (None, None)
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
        reload_dirs=watched,
        reload_includes=patterns,
        access_log=access_log,
        log_config=server_log_config(log_level or config.log.level),
        # h11 was seen stalling ~40 ms per keep-alive request here (Nagle / delayed ACK).
        loop="uvloop" if _available("uvloop") else "asyncio",
        http="httptools" if _available("httptools") else "h11",
    )
