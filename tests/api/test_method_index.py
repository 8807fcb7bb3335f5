"""The dispatcher's per-site index (M2, M11): filled lazily, kept on the Site; aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from maju import errors
from maju.api.dispatch import INDEX_KEY, MethodIndex, method_index
from maju.api.dispatch_aliases import alias_table
from maju.config import Config
from maju.db.connection import Database
from maju.doctype.registry import Registry
from maju.site import Site
from maju.whitelisting import whitelist_spec


def make_site(tmp_path: Path) -> Site:
    db = Database(f"sqlite:///{tmp_path / 'unused.db'}")  # never connected
    return Site(
        config=Config(), registry=Registry(doctypes={}, apps=("todo",)), db=db, secret_key="x"
    )


def test_m2_index_lives_on_the_site_and_caches_successes(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert INDEX_KEY not in site.extensions
    index = method_index(site)
    assert site.extensions[INDEX_KEY] is index and method_index(site) is index
    assert method_index(make_site(tmp_path)) is not index  # one per Site, no module global
    first = index.resolve("ping")
    assert index.resolve("ping") is first
    with pytest.raises(errors.ValidationError):
        index.resolve("todo.api.missing")
    assert "todo.api.missing" not in index._targets  # failures are not kept


def test_m11_every_alias_is_whitelisted_with_frappe_and_maju_spellings() -> None:
    table = alias_table()
    for name, fn in table.items():
        assert whitelist_spec(fn) is not None, name
        if name.startswith("frappe."):
            assert table.get("maju." + name.split(".", 1)[1]) is fn or any(
                other is fn for key, other in table.items() if key.startswith("maju.")
            ), name


def test_m2_aliases_come_before_dotted_paths() -> None:
    index = MethodIndex(("todo",), alias_table())
    assert (
        index.resolve("maju.auth.get_logged_user").fn
        is alias_table()["frappe.auth.get_logged_user"]
    )
