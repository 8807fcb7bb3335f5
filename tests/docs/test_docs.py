"""The documentation is executed, so it cannot drift from what maju does.

Every page of docs/ is replayed as a reader would follow it (tests/docs/roles.py): its files
are written into a project folder laid out as a maju checkout, its commands run in a shell
against the real `maju` command and a real `maju serve`, and what they print is compared with
the output the page shows (tests/docs/matching.py), on SQLite and on PostgreSQL. The tutorial
builds its app from its blocks and runs the app's own tests. Tables that list what maju accepts
(fieldtypes, DocType keys, exceptions) are checked against the code, and the README and the
pages may name only files that exist.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from maju import errors
from maju.doctype.fields import ALL_TYPES
from maju.doctype.meta import KNOWN_KEYS, RIGHTS, FieldMeta
from tests.docs.blocks import Block, Directive, parse
from tests.docs.roles import check_config, check_excerpt, play, role_of, roles
from tests.docs.session import REPO_ROOT, Session
from tests.sites import postgres_url

DOCS = REPO_ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
README = REPO_ROOT / "README.md"


def _played(page: Path) -> bool:
    return any(isinstance(i, Directive) or i.lang in ("console", "sh") for i in parse(page))


@contextmanager
def _database_env(backend: str) -> Iterator[dict[str, str]]:
    """Nothing for SQLite (the site folder holds it); a fresh schema on PostgreSQL."""
    if backend != "postgresql":
        yield {}
        return
    schema = f"doc_{secrets.token_hex(6)}"

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(postgres_url())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(execute(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {"MAJU_DATABASE__URL": postgres_url(), "MAJU_DATABASE__SCHEMA": schema}
    finally:
        asyncio.run(execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def test_docs_exist() -> None:
    names = {page.name for page in PAGES}
    assert {"README.md", "tutorial.md", "doctypes.md", "documents.md", "rest-api.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_block_has_a_role(page: Path) -> None:
    """Every block is run, written, compared or checked: a block nobody tests is refused."""
    for item, role in roles(parse(page)):
        if role is None:
            continue
        assert isinstance(item, Block)
        if role.name == "config":
            check_config(item)
        elif role.name == "excerpt":
            check_excerpt(item, role)
        elif role.name in ("file", "append") and role.target.endswith(".py"):
            compile(item.text, f"{item.where} ({role.target})", "exec")


@pytest.mark.parametrize("page", [p for p in PAGES if _played(p)], ids=lambda p: p.name)
def test_page(page: Path, backend: str, tmp_path: Path) -> None:
    """The page, replayed: files written, commands run, outputs compared."""
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the pages' examples need {' and '.join(missing)} (apt-get install curl jq)")
    with _database_env(backend) as database_env:
        session = Session(tmp_path, database_env)
        try:
            play(parse(page), session)
        finally:
            session.stop()


# ---- the README --------------------------------------------------------------------------


def test_readme_code_is_real() -> None:
    """The README's Python is an excerpt of a file `make type` checks; its TOML loads."""
    blocks = [i for i in parse(README) if isinstance(i, Block)]
    python = [b for b in blocks if b.lang == "python"]
    assert python, "the README shows an app method"
    for block in python:
        role = role_of(block, None)
        assert role.name == "excerpt" and role.target.startswith(("apps/", "maju/")), block.where
        check_excerpt(block, role)
    for block in blocks:
        if block.lang == "toml":
            check_config(block)


_LINK = re.compile(r"\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`\s]+)`")
_TOP = ("maju/", "apps/", "tests/", "bench/", "docs/", ".ci/")
_TOP_FILES = ("Makefile", "README.md", "config.toml", "pyproject.toml", "LICENSE")


def _page_apps(page: Path) -> tuple[str, ...]:
    """`apps/<app>/` folders the page itself creates: their files are the reader's, not ours."""
    found: set[str] = set()
    for item in parse(page):
        if isinstance(item, Block):
            found.update(re.findall(r"maju new-app (\w+)", item.text))
            if item.marker[:1] in (("file",), ("append",)) and item.marker[1].startswith("apps/"):
                found.add(item.marker[1].split("/")[1])
    return tuple(f"apps/{app}" for app in sorted(found))


def _named_paths(page: Path) -> Iterator[tuple[str, str]]:
    """(path, anchor) of every link and every backticked repository path on the page."""
    created = _page_apps(page)
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1\s*$", "", text)  # code blocks name project files
    for target in _LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        yield str(resolved.relative_to(REPO_ROOT)), anchor
    for token in _CODE.findall(text):
        if token.startswith(_TOP) or token in _TOP_FILES:
            path = token.rstrip("/")
            placeholder = (
                "<" in path
                or "*" in path
                or any(re.fullmatch(r"[A-Z_]{3,}", part) for part in path.split("/"))
            )  # `apps/<app>`, `apps/NAME`
            if not placeholder and not path.startswith(created):
                yield path, ""


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found: set[str] = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            found.add(slug)
    return found


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_named_files_exist(page: Path) -> None:
    """The README and the docs name only files of the repository, and links hit headings."""
    assert "SPEC" not in page.read_text(encoding="utf-8"), "the wire contract is not shipped"
    for path, anchor in _named_paths(page):
        target = REPO_ROOT / path
        assert target.exists(), f"{page.name} names {path}, which is not in the repository"
        if anchor:
            assert anchor in _anchors(target), f"{page.name}: no heading #{anchor} in {path}"


# ---- reference tables against the code ----------------------------------------------------


def _table_column(page: Path, heading: str) -> list[str]:
    """The backticked first cells of the first table under `heading`."""
    lines = page.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("#").strip() == heading)
    cells: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not set(line) <= set("|- "):
            cells += re.findall(r"`([^`]+)`", line.split("|")[1])
        elif cells and not line.startswith("|"):
            break
    return cells


def test_doctype_keys_documented() -> None:
    documented = _table_column(DOCS / "doctypes.md", "DocType keys")
    assert set(documented) == KNOWN_KEYS


def test_field_keys_documented() -> None:
    documented = _table_column(DOCS / "doctypes.md", "Field keys")
    assert set(documented) == {f.name for f in dataclasses.fields(FieldMeta)}


def test_fieldtypes_documented() -> None:
    documented = _table_column(DOCS / "doctypes.md", "Field types")
    assert sorted(documented) == sorted(ALL_TYPES)


def test_rights_documented() -> None:
    documented = _table_column(DOCS / "doctypes.md", "Permission rule keys")
    assert set(documented) == {"role", "permlevel", "if_owner", *RIGHTS}


def test_exceptions_documented() -> None:
    """Each row of the exception table names a class of maju.errors and its real status."""
    lines = (DOCS / "documents.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("## Errors and HTTP status")
    rows = [line for line in lines[start:] if re.match(r"^\| `errors\.", line)]
    assert len(rows) >= 10
    for row in rows:
        name, status = re.match(r"^\| `errors\.(\w+)` \| (\d{3}) \|", row).groups()  # type: ignore[union-attr]
        cls = getattr(errors, name)
        assert issubclass(cls, errors.MajuError) and cls.status == int(status), row
