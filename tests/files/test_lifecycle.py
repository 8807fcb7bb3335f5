"""Size limits (F8), failed uploads leave nothing (F9), and File records: permissions,
updates and deletes that remove bytes once no record uses them (F10)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from maju import errors
from maju.files.controller import NO_FILE, File
from tests.files.conftest import People, file_rows, md5, message, stored_files, upload
from tests.sites import Site, open_site

MB = 1024 * 1024
F8 = "File size exceeded the maximum allowed size of 1 MB"
BOUNDARY = "b0undary"


def multipart(content: bytes, *, close: bool = True) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
    ).encode()
    return head + content + (f"\r\n--{BOUNDARY}--\r\n".encode() if close else b"")


async def chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_f8_f9_over_the_limit_is_413_and_leaves_nothing(backend: str, tmp_path: Path) -> None:
    async with open_site(backend, tmp_path, files={"max_file_size": MB}) as site:
        headers = {
            **site.admin_headers,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        }
        bodies = {
            # Under the body limit (file limit + framing room): refused while parsing.
            "declared length": multipart(b"x" * (MB + 1)),
            # No Content-Length at all: refused as the bytes arrive.
            "streamed": chunks(multipart(b"y" * (3 * MB))),
            # A declared length past the body limit: refused before reading (E13 with F8's text).
            "declared too long": multipart(b"z" * (3 * MB)),
        }
        for label, body in bodies.items():
            r = await site.client.post("/api/method/upload_file", headers=headers, content=body)
            assert r.status_code == 413, (label, r.text)
            assert r.json()["exc_type"] == "PayloadTooLargeError" and message(r) == F8
        assert stored_files(site) == {}
        assert await file_rows(site) == []
        r = await upload(site.client, site.admin_headers, b"e" * MB, "exact.bin")
        assert r.status_code == 200, r.text
        assert r.json()["message"]["file_size"] == MB
        assert list(stored_files(site)) == ["public/exact.bin"]


async def test_f9_broken_bodies_and_failed_transactions_leave_nothing(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    await upload(site.client, site.admin_headers, b"kept", "kept.txt")
    headers = {**site.admin_headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    r = await site.client.post(
        "/api/method/upload_file", headers=headers, content=multipart(b"half a file", close=False)
    )
    assert r.status_code == 400 and r.json()["exc_type"] == "BadRequestError", r.text
    r = await site.client.post(
        "/api/method/upload_file",
        headers={**site.admin_headers, "Content-Type": "multipart/form-data"},
        content=b"--x--",
    )
    assert r.status_code == 400 and "boundary" in message(r)
    r = await site.client.post(  # E7: an empty body is no error; nothing to store is F3's 417
        "/api/method/upload_file",
        headers={**site.admin_headers, "Content-Type": "multipart/form-data"},
        content=b"",
    )
    assert r.status_code == 417 and message(r) == NO_FILE
    nameless = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nv\r\n--{BOUNDARY}--\r\n"
    ).encode()
    r = await site.client.post("/api/method/upload_file", headers=headers, content=nameless)
    assert r.status_code == 400
    assert stored_files(site) == {"public/kept.txt": b"kept"}

    async def refuse(self: File) -> None:  # fault injection: fail after the bytes are placed
        raise errors.ValidationError("refused after storing")

    monkeypatch.setattr(File, "on_update", refuse)
    for content, name in ((b"new bytes", "new.txt"), (b"kept", "dup.txt")):
        r = await upload(site.client, site.admin_headers, content, name)
        assert r.status_code == 417 and message(r) == "refused after storing"
        r = await site.client.post(
            "/",
            headers=site.admin_headers,
            data={"cmd": "upload_file"},
            files={"file": (name, content)},
        )
        assert r.status_code == 417
    assert stored_files(site) == {"public/kept.txt": b"kept"}
    assert [row["file_url"] for row in await file_rows(site)] == ["/files/kept.txt"]


async def test_f10_records_follow_p_and_deletes_free_unused_bytes(people: People) -> None:
    content = b"shared content"
    first = (await upload(people.client, people.ann, content, "one.txt")).json()["message"]
    second = (await upload(people.client, people.bob, content, "two.txt")).json()["message"]
    assert first["file_url"] == second["file_url"] == "/files/one.txt"  # F4

    async def names(headers: dict[str, str]) -> set[str]:
        r = await people.client.get("/api/resource/File", headers=headers)
        assert r.status_code == 200, r.text
        return {row["name"] for row in r.json()["data"]}

    assert await names(people.ann) == {first["name"]}  # P4/P5: owner-only for `All`
    assert await names(people.sm) == {first["name"], second["name"]}
    item = f"/api/resource/File/{first['name']}"
    assert (await people.client.get(item, headers=people.bob)).status_code == 403
    assert (await people.client.delete(item, headers=people.bob)).status_code == 403
    r = await people.client.delete(item, headers=people.ann)
    assert r.status_code == 202, r.text
    assert stored_files(people.site) == {"public/one.txt": content}  # bob's record uses it
    r = await people.client.post(
        "/api/method/frappe.client.delete",
        headers=people.bob,
        json={"doctype": "File", "name": second["name"]},
    )
    assert r.status_code == 200, r.text
    assert stored_files(people.site) == {}
    assert await file_rows(people.site) == []


async def test_f10_updates(site: Site) -> None:
    old = (await upload(site.client, site.admin_headers, b"old", "old.txt")).json()["message"]
    await upload(site.client, site.admin_headers, b"new", "new.txt")
    item = f"/api/resource/File/{old['name']}"
    r = await site.client.put(item, headers=site.admin_headers, json={"is_private": 1})
    assert r.status_code == 417 and "is_private" in message(r)
    # A stored file's URL is read-only (F10), even towards another file the caller may read.
    for url in ("/files/x", "/files/new.txt", "https://example.com/a.txt"):
        r = await site.client.put(item, headers=site.admin_headers, json={"file_url": url})
        assert r.status_code == 417 and "file_url" in message(r), r.text
    r = await site.client.put(item, headers=site.admin_headers, json={"file_name": "renamed.txt"})
    assert r.status_code == 200, r.text
    doc = r.json()["data"]
    assert (doc["file_url"], doc["file_name"], doc["content_hash"]) == (
        "/files/old.txt",
        "renamed.txt",
        md5(b"old"),
    )
    assert stored_files(site) == {"public/old.txt": b"old", "public/new.txt": b"new"}
    # A link may become another link, or a stored file a record the caller may read names;
    # then it is a stored file, and the bytes of its first URL are no one's concern.
    r = await site.client.post(
        "/api/resource/File", headers=site.admin_headers, json={"file_url": "https://a.example/1"}
    )
    link = f"/api/resource/File/{r.json()['data']['name']}"
    r = await site.client.put(link, headers=site.admin_headers, json={"is_private": 1})
    assert r.status_code == 200 and r.json()["data"]["is_private"] == 1, r.text
    r = await site.client.put(link, headers=site.admin_headers, json={"file_url": "/files/new.txt"})
    assert r.status_code == 200, r.text
    doc = r.json()["data"]
    assert (doc["is_private"], doc["file_size"], doc["content_hash"]) == (0, 3, md5(b"new"))
    await site.client.delete(item, headers=site.admin_headers)
    assert stored_files(site) == {"public/new.txt": b"new"}  # old.txt had no other record
