"""Fixtures for the `maju` command's tests: a site folder with a copy of the todo app."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from maju.bootstrap import migrate_site
from tests.cli.clisite import CliSite
from tests.servers import _schema
from tests.sites import REPO_ROOT, postgres_url


@pytest.fixture
def cli_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliSite:
    """A config.toml in tmp_path (SQLite site in tmp_path/site) with a copy of the todo app,
    not migrated yet. The copy may be edited (DocType JSON) without touching the repo's."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # in-process checks import nothing here
    shutil.copytree(
        REPO_ROOT / "apps" / "todo",
        tmp_path / "apps" / "todo",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (tmp_path / "config.toml").write_text(
        '[site]\ndir = "site"\napps = ["todo"]\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAJU_")}
    env["MAJU_CONFIG"] = str(tmp_path / "config.toml")
    return CliSite(tmp_path, env)


@pytest.fixture
def any_site(cli_site: CliSite, backend: str) -> Iterator[CliSite]:
    """`cli_site` on each database (a fresh schema on PostgreSQL), not migrated yet."""
    with _schema(backend) as schema:
        if backend == "postgresql":
            cli_site.env["MAJU_DATABASE__URL"] = postgres_url()
            cli_site.env["MAJU_DATABASE__SCHEMA"] = schema
        cli_site.backend = backend
        yield cli_site


@pytest.fixture
def migrated_site(any_site: CliSite) -> CliSite:
    """`any_site`, migrated in-process (cheaper than one more subprocess)."""
    asyncio.run(migrate_site(any_site.config()))
    return any_site
