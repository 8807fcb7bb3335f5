"""Fixtures and helpers for the files tests: users, uploads, and what is left on disk."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.auth.accounts import add_user
from tests.sites import Site

ANN, BOB, SM = "ann@example.com", "bob@example.com", "sm@example.com"


@dataclass
class People:
    """A site with ann and bob (no roles) and sm (System Manager), and their token headers."""

    site: Site
    ann: dict[str, str]
    bob: dict[str, str]
    sm: dict[str, str]

    @property
    def client(self) -> httpx.AsyncClient:
        return self.site.client


@pytest.fixture
async def people(site: Site) -> People:
    return await make_people(site)


async def make_people(site: Site) -> People:
    for user, roles in ((ANN, ()), (BOB, ()), (SM, ("System Manager",))):
        await add_user(site.config, user, roles=roles)
    return People(site, *[await site.token_for(u) for u in (ANN, BOB, SM)])


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str] | None,
    content: bytes = b"hello",
    filename: str = "hello.txt",
    path: str = "/api/method/upload_file",
    **fields: str,
) -> httpx.Response:
    """POST a multipart upload with the bytes in part `file` and `fields` beside it."""
    return await client.post(
        path, headers=headers or {}, files={"file": (filename, content)}, data=fields
    )


def md5(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def stored_files(site: Site) -> dict[str, bytes]:
    """Every file in the two files directories (staging files included), by relative path."""
    found: dict[str, bytes] = {}
    for label, folder in (
        ("public", site.config.public_files_dir),
        ("private", site.config.private_files_dir),
    ):
        for path in sorted(folder.rglob("*")):
            if path.is_file() or path.is_symlink():
                found[f"{label}/{path.relative_to(folder)}"] = (
                    path.read_bytes() if path.is_file() else b""
                )
    return found


async def file_rows(site: Site) -> list[dict[str, Any]]:
    r = await site.client.get(
        "/api/resource/File", headers=site.admin_headers, params={"fields": '["*"]', "limit": "0"}
    )
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()["data"]
    return rows


def message(r: httpx.Response) -> str:
    """The one user-facing message of an E9 error body (a 404 has no `exception`: E10's)."""
    body = r.json()
    if "exception" not in body:
        [encoded] = json.loads(body["_server_messages"])
        text: str = json.loads(encoded)["message"]
        return text
    line: str = body["exception"]
    return line.split(": ", 1)[1]


async def new_todo(site: Site, headers: dict[str, str], **values: Any) -> dict[str, Any]:
    r = await site.client.post(
        "/api/resource/ToDo", headers=headers, json={"description": "with a file", **values}
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data
