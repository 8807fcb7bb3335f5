"""Fixtures for the pure query tests: DocType registries and scopes, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from maju.doctype.registry import Registry, load_registry
from maju.query.scope import QueryScope
from tests.query.seeding import QUERY_TESTS
from tests.sites import REPO_ROOT

TODAY = dt.date(2024, 5, 15)  # a Wednesday


@pytest.fixture(scope="session")
def todo_registry() -> Registry:
    return load_registry(("todo",), REPO_ROOT / "apps")


@pytest.fixture(scope="session")
def gadget_registry() -> Registry:
    return load_registry(("listtest",), QUERY_TESTS / "apps")


def full_scope(registry: Registry, doctype: str, **overrides: object) -> QueryScope:
    """The scope of a caller who may read every field (Administrator)."""
    meta = registry[doctype]
    readable = frozenset(f.fieldname for f in meta.fields)
    values: dict[str, object] = {
        "children": tuple(registry.child_tables(meta)),
        "readable": readable,
        "today": TODAY,
    }
    values.update(overrides)
    return QueryScope(meta, **values)  # type: ignore[arg-type]


@pytest.fixture
def todo_scope(todo_registry: Registry) -> QueryScope:
    return full_scope(todo_registry, "ToDo")


@pytest.fixture
def gadget_scope(gadget_registry: Registry) -> QueryScope:
    return full_scope(gadget_registry, "Gadget")
