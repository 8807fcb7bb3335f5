"""Logging for the `maju` command: the only place maju configures logging.

The administration commands log warnings only, so their output stays their answer. `maju serve`
hands uvicorn one dictConfig for every worker process at the level of `[log] level` or
`--log-level`: maju's own loggers and uvicorn's share its handler.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

# databases and aiosqlite log every query with its bound values (password hashes, tokens) at
# DEBUG, so they never go below INFO, whatever level the server runs at.
QUIET_DRIVERS = ("databases", "aiosqlite")


def configure_command_logging(level: int = logging.WARNING) -> None:
    """Plain `LEVEL logger: message` lines on stderr for the administration commands."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for name in QUIET_DRIVERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))


def server_log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging dictConfig with maju's loggers (the root) routed through its handler.

    Args:
        level: a `logging` level name, any case (validated by maju.config.LogConfig).
    """
    from uvicorn.config import LOGGING_CONFIG

    name = level.upper()
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["root"] = {"handlers": ["default"], "level": name}
    for logger in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        config["loggers"].setdefault(logger, {})["level"] = name
    floor = max(logging.getLevelName(name), logging.INFO)
    for driver in QUIET_DRIVERS:
        config["loggers"][driver] = {"level": logging.getLevelName(floor)}
    # The reloader's watcher reports every file event at info, the SQLite database's writes
    # included; the restarts that matter are logged by uvicorn.
    config["loggers"]["watchfiles"] = {"level": logging.getLevelName(max(floor, logging.WARNING))}
    return config
