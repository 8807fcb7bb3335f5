"""Links instead of bytes (F3): remote URLs are stored and never fetched (S7); local URLs must
name a file inside the files directories (F5) that the caller may read."""

from __future__ import annotations

import asyncio

from maju.files.controller import INCORRECT_URL, NO_FILE, NOT_A_URL
from tests.files.conftest import People, file_rows, md5, message, stored_files, upload
from tests.sites import Site


async def test_f3_remote_link_is_stored_and_never_fetched(site: Site) -> None:
    connections: list[int] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        writer.close()

    server = await asyncio.start_server(record, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        url = f"http://127.0.0.1:{port}/reports/q1.pdf?download=1"
        r = await site.client.post(
            "/api/method/upload_file", headers=site.admin_headers, data={"file_url": url}
        )
        assert r.status_code == 200, r.text
        doc = r.json()["message"]
        assert doc["file_url"] == url and doc["file_name"] == "q1.pdf"
        assert doc["file_type"] == "PDF" and doc["file_size"] == 0
        assert "content_hash" not in doc
        # A JSON body works too (E6), on the streaming route as on any other.
        r = await site.client.post(
            "/api/method/upload_file",
            headers=site.admin_headers,
            json={"file_url": f"HTTPS://127.0.0.1:{port}/x", "is_private": 1},
        )
        assert r.status_code == 200, r.text
        # A link's name is its last segment as a person reads it (F5, F13: no `%`, no NUL).
        r = await site.client.post(
            "/api/method/upload_file",
            headers=site.admin_headers,
            data={"file_url": f"http://127.0.0.1:{port}/a/q1%20report%00.pdf#page=2"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["message"]["file_name"] == "q1 report.pdf"
        await asyncio.sleep(0)  # let a connection, had there been one, be accepted
    finally:
        server.close()
        await server.wait_closed()
    assert connections == []
    assert stored_files(site) == {}


async def test_f3_local_urls_must_name_a_file_and_others_are_refused(site: Site) -> None:
    content = b"public bytes"
    await upload(site.client, site.admin_headers, content, "a.png")
    r = await site.client.post(
        "/api/method/upload_file",
        headers=site.admin_headers,
        data={"file_url": "/files/a.png", "file_name": "copy.png"},
    )
    assert r.status_code == 200, r.text
    doc = r.json()["message"]
    assert (doc["file_url"], doc["file_name"], doc["is_private"]) == ("/files/a.png", "copy.png", 0)
    assert (doc["file_size"], doc["content_hash"]) == (len(content), md5(content))
    for url in (
        "/files/missing.png",
        "/files/../private/files/a.png",
        "/files/",
        "/files/.x",
        "/private/files/a.png",
        "/files/a.png/../a.png",
    ):
        r = await site.client.post(
            "/api/method/upload_file", headers=site.admin_headers, data={"file_url": url}
        )
        assert r.status_code == 417, (url, r.text)
        assert message(r) == INCORRECT_URL
    for url in (
        "ftp://example.com/a.png",
        "javascript:alert(1)",
        "/etc/passwd",
        "files/a.png",
        "file:///etc/passwd",
        "http://",
    ):
        r = await site.client.post(
            "/api/method/upload_file", headers=site.admin_headers, data={"file_url": url}
        )
        assert r.status_code == 417, (url, r.text)
        assert message(r) == NOT_A_URL
    r = await site.client.post(
        "/api/method/upload_file", headers=site.admin_headers, data={"folder": "Home"}
    )
    assert r.status_code == 417 and message(r) == NO_FILE  # neither `file` nor `file_url`
    assert len(await file_rows(site)) == 2


async def test_f3_private_url_needs_read_on_the_file(people: People) -> None:
    r = await upload(people.client, people.ann, b"ann's secret", "secret.txt", is_private="1")
    url = r.json()["message"]["file_url"]
    # bob may not point a record of his at ann's private file: it would let him read it (F12).
    r = await people.client.post(
        "/api/method/upload_file", headers=people.bob, data={"file_url": url}
    )
    assert r.status_code == 417 and message(r) == INCORRECT_URL
    r = await people.client.post("/api/resource/File", headers=people.bob, json={"file_url": url})
    assert r.status_code == 417 and message(r) == INCORRECT_URL
    assert (await people.client.get(url, headers=people.bob)).status_code == 403
    # ann may; privacy follows the URL, whatever is_private says.
    r = await people.client.post(
        "/api/method/upload_file", headers=people.ann, data={"file_url": url, "is_private": "0"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["message"]["is_private"] == 1


async def test_f3_resource_records_take_size_and_hash_from_the_bytes(site: Site) -> None:
    """F10: a File made through /api/resource passes the same checks; the client's size and
    hash are replaced by the real ones."""
    await upload(site.client, site.admin_headers, b"12345", "five.txt")
    r = await site.client.post(
        "/api/resource/File",
        headers=site.admin_headers,
        json={"file_url": "/files/five.txt", "file_size": 99, "content_hash": "0" * 32},
    )
    assert r.status_code == 200, r.text
    doc = r.json()["data"]
    assert (doc["file_size"], doc["content_hash"]) == (5, md5(b"12345"))
    assert doc["file_name"] == "five.txt" and doc["file_type"] == "TXT"
    r = await site.client.post(
        "/api/resource/File", headers=site.admin_headers, json={"file_url": "/files/nope.txt"}
    )
    assert r.status_code == 417 and message(r) == INCORRECT_URL


async def test_f3_files_without_a_readable_record_cannot_be_claimed(people: People) -> None:
    """Issue 10 item 5: a low user claimed `/files/logo.png`, which had no File record, then
    deleted it from disk by deleting the record (F10). Now a local URL needs an existing File
    record the caller may read; bytes put on disk by other means belong to no one."""
    site = people.site
    public, private = site.config.public_files_dir, site.config.private_files_dir
    public.mkdir(parents=True, exist_ok=True)
    private.mkdir(parents=True, exist_ok=True)
    (public / "logo.png").write_bytes(b"the site's logo")
    (private / "backup.sql").write_bytes(b"placed by an operator")
    r = await upload(people.client, people.sm, b"sm's chart", "chart.png")
    assert r.status_code == 200, r.text
    claims = [
        (people.ann, "/files/logo.png"),  # on disk, no record
        (people.sm, "/files/logo.png"),  # not even a reader of every File may claim it
        (site.admin_headers, "/private/files/backup.sql"),
        (people.ann, "/files/chart.png"),  # a record exists, but not one ann may read
    ]
    for headers, url in claims:
        r = await people.client.post("/api/resource/File", headers=headers, json={"file_url": url})
        assert r.status_code == 417 and message(r) == INCORRECT_URL, (url, r.text)
        r = await people.client.post(
            "/api/method/upload_file", headers=headers, data={"file_url": url}
        )
        assert r.status_code == 417 and message(r) == INCORRECT_URL, (url, r.text)
        r = await people.client.post(
            "/", headers=headers, data={"cmd": "upload_file", "file_url": url}
        )
        assert r.status_code == 417 and message(r) == INCORRECT_URL, (url, r.text)
    # A record ann made as a link cannot be pointed at the unrecorded file either.
    r = await people.client.post(
        "/api/resource/File", headers=people.ann, json={"file_url": "https://example.com/x.png"}
    )
    assert r.status_code == 200, r.text
    link = f"/api/resource/File/{r.json()['data']['name']}"
    r = await people.client.put(link, headers=people.ann, json={"file_url": "/files/logo.png"})
    assert r.status_code == 417 and message(r) == INCORRECT_URL, r.text
    assert (await people.client.delete(link, headers=people.ann)).status_code == 202
    assert stored_files(site) == {
        "public/logo.png": b"the site's logo",
        "public/chart.png": b"sm's chart",
        "private/backup.sql": b"placed by an operator",
    }
    # Who may read a record for the file may point another record at it (F3's purpose).
    r = await people.client.post(
        "/api/resource/File", headers=people.sm, json={"file_url": "/files/chart.png"}
    )
    assert r.status_code == 200, r.text
