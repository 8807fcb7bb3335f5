"""`maju new-app` and `maju routes`."""

from __future__ import annotations

import re

from tests.cli.clisite import CliSite


def test_new_app_and_routes(cli_site: CliSite) -> None:
    out = cli_site.ok("new-app", "shop")
    app = cli_site.root / "apps" / "shop"
    assert out == f'Created {app}\nAdd "shop" to [site] apps in the config to install it.\n'
    for name in ("__init__.py", "hooks.py", "api.py", "doctype/__init__.py"):
        assert (app / name).is_file(), name
    compile((app / "api.py").read_text(), "api.py", "exec")

    routes = cli_site.ok("routes", env={"MAJU_SITE__APPS": '["todo", "shop"]'})
    assert re.search(r"^  \S*GET\S*\s+/api/method/\{method\}$", routes, re.MULTILINE)
    assert re.search(r"^  GET\s+shop\.api\.hello$", routes, re.MULTILINE), routes

    assert cli_site.fails("new-app", "shop") == f"Error: {app} already exists"
    assert "must be a Python identifier" in cli_site.fails("new-app", "my-app")
    assert "would shadow the module" in cli_site.fails("new-app", "json")
