"""Serving: public files to anyone (F11), private files only to readers (F12) or through
nginx's X-Accel-Redirect, dangerous types as downloads and `nosniff` everywhere (F13)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.files.conftest import People, make_people, new_todo, upload
from tests.sites import Site, open_site

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(64)


async def test_f11_public_files_to_anyone_and_nothing_else(site: Site, tmp_path: Path) -> None:
    await upload(site.client, site.admin_headers, PNG, "logo.png")
    r = await site.client.get("/files/logo.png")
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-disposition" not in r.headers
    head = await site.client.head("/files/logo.png")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(PNG))
    await upload(site.client, site.admin_headers, b"x", "data.unknownext")
    r = await site.client.get("/files/data.unknownext")
    assert r.headers["content-type"] == "application/octet-stream"

    # F5: nothing outside the public directory is reachable.
    await upload(site.client, site.admin_headers, b"private", "p.txt", is_private="1")
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not yours")
    os.symlink(outside, site.config.public_files_dir / "link.txt")  # F5: symlink escape
    staging = site.config.public_files_dir / ".upload-x.part"
    staging.write_bytes(b"half")
    # httpx would normalise a literal `..` away; percent-encoded ones reach the app as sent.
    for path in (
        "/files/%2e%2e/private/files/p.txt",
        "/files/..%2Fprivate%2Ffiles%2Fp.txt",
        "/files/%2e%2e/%2e%2e/outside.txt",
        "/files/link.txt",
        "/files/.upload-x.part",
        "/files/p.txt",
        "/files/",
        "/files/missing.png",
    ):
        r = await site.client.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert r.json()["exc_type"] == "DoesNotExistError"
    r = await site.client.post(
        "/api/method/upload_file", headers=site.admin_headers, data={"file_url": "/files/link.txt"}
    )
    assert r.status_code == 417


async def test_f12_private_files_need_read(people: People) -> None:
    secret = os.urandom(300)
    r = await upload(people.client, people.ann, secret, "payslip.pdf", is_private="1")
    url = r.json()["message"]["file_url"]
    assert url == "/private/files/payslip.pdf"
    r = await people.client.get(url)  # Guest
    assert r.status_code == 403 and r.json()["exc_type"] == "PermissionError"
    r = await people.client.get(url, headers=people.bob)  # no read on the File
    assert r.status_code == 403 and r.json()["exc_type"] == "PermissionError"
    for headers in (people.ann, people.sm, people.site.admin_headers):
        r = await people.client.get(url, headers=headers)
        assert r.status_code == 200 and r.content == secret
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "private"
    # Existence is not disclosed to bob; a reader of every File learns it is missing.
    missing = "/private/files/nothing.pdf"
    assert (await people.client.get(missing, headers=people.bob)).status_code == 403
    assert (await people.client.get(missing, headers=people.sm)).status_code == 404


async def test_f12_read_on_the_attached_document_is_enough(people: People) -> None:
    # ToDo opens the ToDos a user is allocated to (P4): bob may read this one, not the File.
    todo = await new_todo(people.site, people.ann, allocated_to="bob@example.com")
    own = await new_todo(people.site, people.ann)
    r = await upload(
        people.client,
        people.ann,
        b"for bob",
        "brief.txt",
        is_private="1",
        doctype="ToDo",
        docname=todo["name"],
    )
    assert r.status_code == 200, r.text
    r = await people.client.get(
        f"/api/resource/File/{r.json()['message']['name']}", headers=people.bob
    )
    assert r.status_code == 403
    r = await people.client.get("/private/files/brief.txt", headers=people.bob)
    assert r.status_code == 200 and r.content == b"for bob"
    await upload(
        people.client,
        people.ann,
        b"not for bob",
        "mine.txt",
        is_private="1",
        doctype="ToDo",
        docname=own["name"],
    )
    r = await people.client.get("/private/files/mine.txt", headers=people.bob)
    assert r.status_code == 403


async def test_f12_accel_redirect(backend: str, tmp_path: Path) -> None:
    async with open_site(backend, tmp_path, files={"accel_redirect_prefix": "/protected/"}) as site:
        people = await make_people(site)
        await upload(site.client, people.ann, b"<svg/>", "my chart.svg", is_private="1")
        r = await site.client.get("/private/files/my chart.svg", headers=people.ann)
        assert r.status_code == 200 and r.content == b""
        assert r.headers["x-accel-redirect"] == "/protected/my%20chart.svg"
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert (await site.client.get("/private/files/my chart.svg")).status_code == 403
        r = await site.client.get("/private/files/my chart.svg", headers=people.bob)
        assert r.status_code == 403 and "x-accel-redirect" not in r.headers


# F13: only these are shown inline; the Content-Type is always the name's (F11).
INLINE = {
    "photo.png": "image/png",
    "photo.JPG": "image/jpeg",
    "anim.gif": "image/gif",
    "pic.webp": "image/webp",
    "icon.ico": "image/vnd.microsoft.icon",
    "doc.pdf": "application/pdf",
    "notes.txt": "text/plain; charset=utf-8",
    "song.mp3": "audio/mpeg",
    "clip.mp4": "video/mp4",
    "clip.webm": "video/webm",
}
# Every markup type the issue found inline, any `+xml`, scripts, and types nobody listed.
ATTACHMENT = {
    "a.svg": "image/svg+xml",
    "b.html": "text/html; charset=utf-8",
    "c.htm": "text/html; charset=utf-8",
    "d.xml": "application/xml",
    "e.HTML": "text/html; charset=utf-8",
    "f.xhtml": "application/xhtml+xml",
    "g.xht": "application/xhtml+xml",
    "h.xhtm": "application/xhtml+xml",
    "i.xsl": "application/xslt+xml",
    "j.rss": "application/x-rss+xml",
    "k.atom": "application/atom+xml",
    "l.rdf": "application/rdf+xml",
    "m.mml": "application/mathml+xml",
    "n.js": "text/javascript; charset=utf-8",
    "o.css": "text/css; charset=utf-8",
    "p.json": "application/json",
    "q.unknownext": "application/octet-stream",
    "noextension": "application/octet-stream",
    "page.html.gz": "application/gzip",  # the bytes are gzip, whatever they unpack to
}


async def test_f13_only_the_safe_list_is_inline(site: Site) -> None:
    """Issue 10 item 3: F13 is an allow list; `.xhtm`, `.xsl`, `.rss`... were served inline."""
    for name, content_type in {**INLINE, **ATTACHMENT}.items():
        markup = f"<script>alert('{name}')</script>".encode()  # distinct bytes: no F4 sharing
        r = await upload(site.client, site.admin_headers, markup, name)
        assert r.status_code == 200, r.text
        url = r.json()["message"]["file_url"]
        assert url == f"/files/{name}"
        for private in (False, True):
            if private:
                r = await upload(
                    site.client, site.admin_headers, name.encode(), name, is_private="1"
                )
                url = r.json()["message"]["file_url"]
            r = await site.client.get(url, headers=site.admin_headers)
            assert r.status_code == 200, (name, r.text)
            assert r.headers["content-type"] == content_type, name
            assert r.headers["x-content-type-options"] == "nosniff"
            if name in INLINE:
                assert "content-disposition" not in r.headers, name
            else:
                expected = f"attachment; filename*=utf-8''{name}"
                assert r.headers["content-disposition"] == expected, name


async def test_f13_accel_redirect_answers_carry_the_same_headers(
    backend: str, tmp_path: Path
) -> None:
    async with open_site(backend, tmp_path, files={"accel_redirect_prefix": "/protected/"}) as site:
        for name in ("h.xhtm", "photo.png"):
            await upload(site.client, site.admin_headers, name.encode(), name, is_private="1")
            r = await site.client.get(f"/private/files/{name}", headers=site.admin_headers)
            assert r.status_code == 200 and r.content == b""
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["content-type"] == {**INLINE, **ATTACHMENT}[name]
            assert ("content-disposition" in r.headers) is (name in ATTACHMENT)
